"""Receivables API: the money loop end to end, bad input with codes, scope, replay, queries."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cashloop.core.models import AuditEntry
from cashloop.ledger.models import JournalEntry, JournalLine
from cashloop.receivables.choices import InvoiceStatus
from cashloop.receivables.models import (
    Allocation,
    CreditNote,
    CustomerBalance,
    Installment,
    Invoice,
    Payment,
    Refund,
)
from cashloop.receivables.tests.test_services import DAY, issued, line, pay
from tests.factories import CustomerFactory
from tests.ledger_check import assert_verified

D = Decimal
API = "/api/v1/receivables"


def post(client, path, payload=None, **headers):
    return client.post(
        path, payload if payload is not None else {}, content_type="application/json", **headers
    )


def patch(client, path, payload):
    return client.patch(path, payload, content_type="application/json")


def code(response):
    return response.json()["error"]["code"]


def state():
    """Everything a refused request must leave as it was."""
    return (
        Invoice.objects.count(),
        sorted(Invoice.objects.values_list("status", "residual", "number", "memo")),
        sorted(Installment.objects.values_list("amount", "residual")),
        Payment.objects.count(),
        sorted(Payment.objects.values_list("unapplied", flat=True)),
        CreditNote.objects.count(),
        Allocation.objects.count(),
        Refund.objects.count(),
        sorted(CustomerBalance.objects.values_list("currency", "receivable", "advance")),
        JournalEntry.objects.count(),
        JournalLine.objects.count(),
        AuditEntry.objects.count(),
    )


def draft_payload(customer, **extra):
    return {
        "customer_id": customer.pk,
        "issue_date": str(DAY),
        "memo": "三月服务 March services",
        "lines": [
            {
                "description": "软件许可 Software",
                "quantity": "2",
                "unit_price": "500.00",
                "tax_rate": "0.13",
                "discount_percent": "0",
            },
            {"description": "实施 Setup", "quantity": 1, "unit_price": 100, "tax_rate": "0.06"},
        ],
        "installments": [
            {"share": "1", "due_rule": "days_after", "due_days": 30},
            {"share": "1", "due_rule": "end_of_month", "due_days": 30},
        ],
        **extra,
    }


@pytest.fixture
def customer(company):
    return CustomerFactory(owner=company.rep_east, payment_terms_days=30)


@pytest.fixture
def other(company):
    return CustomerFactory(owner=company.rep_south)


# --- the loop ----------------------------------------------------------------------------


def test_draft_issue_pay_allocate_undo_through_the_api(client, company, customer):
    # given a rep who drafts an invoice for their customer
    client.force_login(company.rep_east)
    created = post(client, f"{API}/invoices", draft_payload(customer))
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["number"]) == ("draft", "")
    assert (body["subtotal"], body["tax_total"], body["total"]) == ("1100.00", "136.00", "1236.00")
    assert [i["amount"] for i in body["installments"]] == ["618.00", "618.00"]
    assert body["lines"][0]["quantity"] == "2" and body["lines"][1]["net"] == "100.00"
    invoice_id = body["id"]

    # the rep edits the draft; finance issues it
    edited = patch(client, f"{API}/invoices/{invoice_id}", {"memo": "edited"})
    assert edited.status_code == 200 and edited.json()["memo"] == "edited"
    client.force_login(company.finance)
    issued_ = post(client, f"{API}/invoices/{invoice_id}/issue")
    assert issued_.status_code == 200, issued_.json()
    assert issued_.json()["number"] == "INV-2026-000001"
    assert issued_.json()["status"] == "issued"
    assert [e["reason"] for e in issued_.json()["entries"]] == ["invoice_issue"]
    first_item = issued_.json()["installments"][0]["id"]

    # when a payment comes in and is applied in part
    paid = post(
        client,
        f"{API}/payments",
        {"customer_id": customer.pk, "amount": "700.00", "date": "2026-03-20", "method": "wechat"},
    )
    assert paid.status_code == 201, paid.json()
    payment = paid.json()
    assert (payment["number"], payment["unapplied"], payment["method_label"]) == (
        "RCV-2026-000001",
        "700.00",
        "微信支付",  # labels follow the language; zh-hans is the default
    )
    assert [s["suggested"] for s in payment["suggestions"]] == ["618.00", "82.00"]
    applied = post(
        client,
        f"{API}/allocations",
        {
            "installment_id": first_item,
            "payment_id": payment["id"],
            "amount": "618.00",
            "date": "2026-03-20",
        },
    )
    assert applied.status_code == 201, applied.json()
    assert applied.json()["invoice_number"] == "INV-2026-000001"
    detail = client.get(f"{API}/invoices/{invoice_id}").json()
    assert (detail["status"], detail["residual"]) == ("partially_paid", "618.00")
    assert detail["allocations"][0]["payment_number"] == "RCV-2026-000001"
    assert_verified()

    # then undoing it adds the negative row and restores the residual
    undone = client.delete(f"{API}/allocations/{applied.json()['id']}")
    assert undone.status_code == 200, undone.json()
    assert (undone.json()["kind"], undone.json()["amount"]) == ("unallocation", "-618.00")
    assert undone.json()["undoes_id"] == applied.json()["id"]
    detail = client.get(f"{API}/invoices/{invoice_id}").json()
    assert (detail["status"], detail["residual"]) == ("issued", "1236.00")
    assert detail["allocations"][0]["undone_by_id"] == undone.json()["id"]
    again = client.delete(f"{API}/allocations/{applied.json()['id']}")
    assert (again.status_code, code(again)) == (409, "allocation.already_unallocated")

    # and auto-allocation pays the oldest item first
    auto = post(client, f"{API}/payments/{payment['id']}/auto-allocate", {"date": "2026-03-21"})
    assert auto.status_code == 200, auto.json()
    assert [(a["sequence"], a["amount"]) for a in auto.json()] == [(1, "618.00"), (2, "82.00")]
    balance = client.get(f"{API}/customers/{customer.pk}/balance").json()
    assert balance["balances"] == [
        {"currency": "CNY", "receivable": "536.00", "advance": "0.00", "net": "536.00"}
    ]
    assert [i["residual"] for i in balance["open_items"]] == ["536.00"]
    assert_verified()


def test_credit_note_write_off_and_refund_through_the_api(client, company, customer):
    invoice = issued(company, customer)  # 1,130.00 in one installment
    item = invoice.installments.get()
    client.force_login(company.finance)

    note = post(
        client,
        f"{API}/credit-notes",
        {
            "invoice_id": invoice.pk,
            "date": str(DAY),
            "reason": "退货 returned goods",
            "lines": [
                {"description": "退货", "quantity": "1", "unit_price": "100", "tax_rate": "0.13"}
            ],
        },
    )
    assert note.status_code == 201, note.json()
    assert (note.json()["amount"], note.json()["unapplied"]) == ("113.00", "0.00")
    assert note.json()["invoice_number"] == invoice.number
    assert note.json()["allocations"][0]["kind"] == "credit"

    payment = pay(company, customer, "1017.50")
    allocation = post(
        client,
        f"{API}/allocations",
        {"installment_id": item.pk, "payment_id": payment.pk, "amount": "1016.50"},
    )
    assert allocation.status_code == 201, allocation.json()
    small = post(
        client,
        f"{API}/write-offs",
        {"installment_id": item.pk, "kind": "small_residual", "date": str(DAY)},
    )
    assert small.status_code == 201, small.json()
    assert (small.json()["kind"], small.json()["amount"]) == ("write_off", "0.50")
    assert client.get(f"{API}/invoices/{invoice.pk}").json()["status"] == "paid"

    refund = post(
        client,
        f"{API}/payments/{payment.pk}/refunds",
        {"amount": "1.00", "date": str(DAY), "memo": "多付退回"},
    )
    assert refund.status_code == 201, refund.json()
    assert (refund.json()["amount"], refund.json()["currency"]) == ("1.00", "CNY")
    detail = client.get(f"{API}/payments/{payment.pk}").json()
    assert detail["unapplied"] == "0.00" and len(detail["refunds"]) == 1
    assert {e["reason"] for e in detail["entries"]} == {"payment", "allocation", "refund"}
    over = post(client, f"{API}/payments/{payment.pk}/refunds", {"amount": "1", "date": str(DAY)})
    assert (over.status_code, code(over)) == (422, "allocation.over_unapplied")
    assert_verified()


def test_bad_debt_and_standalone_credit_through_the_api(client, company, customer):
    invoice = issued(company, customer)
    item = invoice.installments.get()
    client.force_login(company.finance)
    no_reason = post(
        client, f"{API}/write-offs", {"installment_id": item.pk, "kind": "bad_debt", "amount": 30}
    )
    assert (no_reason.status_code, code(no_reason)) == (422, "write_off.reason_required")
    too_big = post(
        client, f"{API}/write-offs", {"installment_id": item.pk, "kind": "small_residual"}
    )
    assert (too_big.status_code, code(too_big)) == (422, "write_off.over_tolerance")
    bad = post(
        client,
        f"{API}/write-offs",
        {"installment_id": item.pk, "kind": "bad_debt", "amount": "30.00", "reason": "破产"},
    )
    assert bad.status_code == 201, bad.json()

    credit = post(
        client,
        f"{API}/credit-notes",
        {
            "customer_id": customer.pk,
            "date": str(DAY),
            "reason": "goodwill",
            "lines": [{"description": "折让", "unit_price": "100.00", "tax_rate": "0"}],
        },
    )
    assert credit.status_code == 201, credit.json()
    assert credit.json()["unapplied"] == "100.00"
    assert [s["suggested"] for s in credit.json()["suggestions"]] == ["100.00"]
    applied = post(client, f"{API}/credit-notes/{credit.json()['id']}/auto-allocate", {})
    assert applied.status_code == 200 and applied.json()[0]["credit_note_number"]
    assert client.get(f"{API}/invoices/{invoice.pk}").json()["residual"] == "1000.00"
    listed = client.get(f"{API}/credit-notes", {"customer_id": customer.pk}).json()
    assert listed["count"] == 1 and listed["items"][0]["unapplied"] == "0.00"
    assert_verified()


def test_foreign_currency_invoice_and_float_amounts(client, company):
    usd = CustomerFactory(owner=company.rep_east, currency="USD")
    client.force_login(company.finance)
    no_rate = post(client, f"{API}/invoices", {**draft_payload(usd), "installments": None})
    assert (no_rate.status_code, code(no_rate)) == (422, "invoice.rate_required")
    made = post(client, f"{API}/invoices", {**draft_payload(usd), "rate": "7.1"})
    assert made.status_code == 201, made.json()
    assert (made.json()["currency"], made.json()["rate"]) == ("USD", "7.1")
    assert made.json()["base_total"] == "8775.60"  # 1,236.00 x 7.1
    # a JSON number is read from its text, not through a binary float
    paid = post(
        client,
        f"{API}/payments",
        {"customer_id": usd.pk, "amount": 12.34, "rate": 7.2, "date": str(DAY)},
    )
    assert paid.status_code == 201, paid.json()
    assert Payment.objects.get().amount == D("12.34")
    assert paid.json()["base_amount"] == "88.85"  # 12.34 x 7.2 = 88.848
    assert_verified()


# --- bad input: a clear code, and nothing changes -----------------------------------------


def test_unknown_field_is_refused(client, company, customer):
    client.force_login(company.finance)
    before = state()
    response = post(client, f"{API}/invoices", draft_payload(customer, colour="red"))
    assert (response.status_code, code(response)) == (422, "request.invalid")
    fields = response.json()["error"]["details"]["fields"]
    assert any(f["field"] == "colour" for f in fields)
    nested = draft_payload(customer)
    nested["lines"][0]["vat"] = "13%"
    response = post(client, f"{API}/invoices", nested)
    assert (response.status_code, code(response)) == (422, "request.invalid")
    payment = post(
        client,
        f"{API}/payments",
        {"customer_id": customer.pk, "amount": "1", "date": str(DAY), "fee": "0"},
    )
    assert (payment.status_code, code(payment)) == (422, "request.invalid")
    assert state() == before


def test_over_allocation_is_refused(client, company, customer):
    invoice = issued(company, customer)  # 1,130.00
    payment = pay(company, customer, "2000.00")
    client.force_login(company.finance)
    before = state()
    response = post(
        client,
        f"{API}/allocations",
        {
            "installment_id": invoice.installments.get().pk,
            "payment_id": payment.pk,
            "amount": "1130.01",
        },
    )
    assert (response.status_code, code(response)) == (422, "allocation.over_residual")
    small = pay(company, customer, "10.00")
    before = state()
    response = post(
        client,
        f"{API}/allocations",
        {
            "installment_id": invoice.installments.get().pk,
            "payment_id": small.pk,
            "amount": "10.01",
        },
    )
    assert (response.status_code, code(response)) == (422, "allocation.over_unapplied")
    both = post(
        client,
        f"{API}/allocations",
        {
            "installment_id": invoice.installments.get().pk,
            "payment_id": small.pk,
            "credit_note_id": 1,
            "amount": "1",
        },
    )
    assert (both.status_code, code(both)) == (422, "allocation.one_source")
    assert state() == before
    assert_verified()


def test_editing_an_issued_invoice_is_a_conflict(client, company, customer):
    invoice = issued(company, customer)
    client.force_login(company.finance)
    before = state()
    response = patch(client, f"{API}/invoices/{invoice.pk}", {"memo": "changed"})
    assert (response.status_code, code(response)) == (409, "invoice.not_draft")
    again = post(client, f"{API}/invoices/{invoice.pk}/issue")
    assert (again.status_code, code(again)) == (409, "invoice.not_draft")
    assert state() == before
    assert_verified()


def test_currency_mismatch_is_refused(client, company, customer):
    invoice = issued(company, customer)  # CNY
    client.force_login(company.finance)
    usd = post(
        client,
        f"{API}/payments",
        {
            "customer_id": customer.pk,
            "amount": "100.00",
            "currency": "USD",
            "rate": "7.2",
            "date": str(DAY),
        },
    )
    assert usd.status_code == 201, usd.json()
    assert usd.json()["suggestions"] == []  # no open item in USD
    before = state()
    response = post(
        client,
        f"{API}/allocations",
        {
            "installment_id": invoice.installments.get().pk,
            "payment_id": usd.json()["id"],
            "amount": "100.00",
        },
    )
    assert (response.status_code, code(response)) == (422, "allocation.currency_mismatch")
    assert state() == before
    assert_verified()


def test_too_many_decimals_are_refused(client, company, customer):
    client.force_login(company.finance)
    before = state()
    for amount in ("12.345", 12.345):
        response = post(
            client,
            f"{API}/payments",
            {"customer_id": customer.pk, "amount": amount, "date": str(DAY)},
        )
        assert (response.status_code, code(response)) == (422, "money.too_many_decimals")
    payload = draft_payload(customer)
    payload["lines"][0]["unit_price"] = "1.005"
    response = post(client, f"{API}/invoices", payload)
    assert (response.status_code, code(response)) == (422, "money.too_many_decimals")
    jpy = CustomerFactory(owner=company.rep_east, currency="JPY")
    response = post(
        client,
        f"{API}/payments",
        {"customer_id": jpy.pk, "amount": "100.5", "rate": "0.05", "date": str(DAY)},
    )
    assert (response.status_code, code(response)) == (422, "money.too_many_decimals")
    assert state() == before


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"amount": "0"}, "payment.amount_not_positive"),
        ({"amount": "-5.00"}, "payment.amount_not_positive"),
        ({"amount": "1e20"}, "request.invalid"),
        ({"amount": "NaN"}, "request.invalid"),
        ({"amount": "abc"}, "request.invalid"),
        ({"currency": "XYZ"}, "money.unknown_currency"),
        ({"method": "bitcoin"}, "request.invalid"),
        ({"date": "2026-02-30"}, "request.invalid"),
        ({"customer_id": 999999}, "customer.not_found"),
    ],
)
def test_bad_payments_are_refused_with_a_code(client, company, customer, payload, expected):
    client.force_login(company.finance)
    before = state()
    body = {"customer_id": customer.pk, "amount": "10.00", "date": str(DAY), **payload}
    response = post(client, f"{API}/payments", body)
    assert code(response) == expected
    assert response.status_code in (404, 422)
    assert state() == before


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"lines": []}, "invoice.no_lines"),
        (
            {"lines": [{"description": "x", "unit_price": "1", "tax_rate": "0.17"}]},
            "invoice.tax_rate",
        ),
        (
            {
                "lines": [
                    {"description": "x", "unit_price": "1", "tax_rate": "0.13", "quantity": "0"}
                ]
            },
            "invoice.bad_line",
        ),
        (
            {
                "lines": [
                    {
                        "description": "x",
                        "unit_price": "1",
                        "tax_rate": "0.13",
                        "quantity": "1.00001",
                    }
                ]
            },
            "request.invalid",
        ),
        ({"installments": [{"share": "0"}]}, "invoice.installments_sum"),
        (
            {"installments": [{"due_rule": "fixed_date", "fixed_date": "2026-01-01"}]},
            "invoice.due_rule",
        ),
        ({"installments": [{"due_rule": "someday"}]}, "request.invalid"),
        ({"currency": "usd"}, "invoice.rate_required"),
        ({"customer_id": "abc"}, "request.invalid"),
    ],
)
def test_bad_drafts_are_refused_with_a_code(client, company, customer, change, expected):
    client.force_login(company.finance)
    before = state()
    response = post(client, f"{API}/invoices", {**draft_payload(customer), **change})
    assert code(response) == expected, response.json()
    assert response.status_code == 422
    assert state() == before


def test_a_rep_may_not_issue_allocate_or_write_off(client, company, customer):
    draft = post_draft(client, company, customer)
    invoice = issued(company, customer)
    payment = pay(company, customer, "100.00")
    client.force_login(company.rep_east)
    before = state()
    for path, payload in [
        (f"{API}/invoices/{draft}/issue", {}),
        (f"{API}/payments", {"customer_id": customer.pk, "amount": "1", "date": str(DAY)}),
        (
            f"{API}/allocations",
            {
                "installment_id": invoice.installments.get().pk,
                "payment_id": payment.pk,
                "amount": 1,
            },
        ),
        (f"{API}/payments/{payment.pk}/auto-allocate", {}),
        (f"{API}/payments/{payment.pk}/refunds", {"amount": "1", "date": str(DAY)}),
        (
            f"{API}/write-offs",
            {"installment_id": invoice.installments.get().pk, "kind": "bad_debt", "reason": "x"},
        ),
        (
            f"{API}/credit-notes",
            {
                "invoice_id": invoice.pk,
                "date": str(DAY),
                "reason": "x",
                "lines": [{"description": "x", "unit_price": "1", "tax_rate": "0"}],
            },
        ),
    ]:
        response = post(client, path, payload)
        assert (response.status_code, code(response)) == (403, "permission.denied"), path
    assert state() == before
    assert_verified()


def post_draft(client, company, customer):
    client.force_login(company.rep_east)
    return post(client, f"{API}/invoices", draft_payload(customer)).json()["id"]


# --- scope -------------------------------------------------------------------------------


def test_a_rep_sees_only_their_own_customers_invoices(client, company, customer, other):
    mine = issued(company, customer)
    theirs = issued(company, other)
    their_payment = pay(company, other, "10.00")
    client.force_login(company.rep_east)
    listed = client.get(f"{API}/invoices").json()
    assert [i["id"] for i in listed["items"]] == [mine.pk]
    response = client.get(f"{API}/invoices/{theirs.pk}")
    assert (response.status_code, code(response)) == (404, "invoice.not_found")
    response = patch(client, f"{API}/invoices/{theirs.pk}", {"memo": "x"})
    assert (response.status_code, code(response)) == (404, "invoice.not_found")
    response = client.get(f"{API}/payments/{their_payment.pk}")
    assert (response.status_code, code(response)) == (404, "payment.not_found")
    assert client.get(f"{API}/payments").json()["count"] == 0
    response = client.get(f"{API}/customers/{other.pk}/balance")
    assert (response.status_code, code(response)) == (404, "customer.not_found")
    # a rep reads no journal entries beside their invoice
    assert client.get(f"{API}/invoices/{mine.pk}").json()["entries"] == []
    # a sales manager sees the team below them too, finance sees all
    client.force_login(company.manager_east)
    assert client.get(f"{API}/invoices").json()["count"] == 1
    client.force_login(company.finance)
    assert client.get(f"{API}/invoices").json()["count"] == 2


def test_list_filters(client, company, customer, other):
    old = issued(company, customer)  # due 2026-04-09: overdue today
    future = invoice_due_in_future(company, customer)
    client.force_login(company.finance)
    draft = post(client, f"{API}/invoices", draft_payload(other)).json()

    def ids(**params):
        return sorted(i["id"] for i in client.get(f"{API}/invoices", params).json()["items"])

    assert ids(status="draft") == [draft["id"]]
    assert ids(customer_id=customer.pk) == sorted([old.pk, future.pk])
    assert ids(overdue_only="true") == [old.pk]
    assert ids(q=old.number) == [old.pk]
    assert ids(q=other.name) == [draft["id"]]
    assert ids(date_from=str(timezone.localdate())) == [future.pk]
    assert ids(date_to=str(DAY)) == sorted([old.pk, draft["id"]])
    listed = {i["id"]: i for i in client.get(f"{API}/invoices").json()["items"]}
    assert listed[old.pk]["overdue"] is True and listed[future.pk]["overdue"] is False
    assert listed[draft["id"]]["overdue"] is False
    bad = client.get(f"{API}/invoices", {"status": "lost"})
    assert (bad.status_code, code(bad)) == (422, "request.invalid")


def invoice_due_in_future(company, customer):
    from cashloop.receivables.services import invoice_create, invoice_issue

    today = timezone.localdate()
    draft = invoice_create(
        actor=company.finance,
        customer_id=customer.pk,
        issue_date=today,
        lines=[line("10.00")],
    )
    return invoice_issue(actor=company.finance, invoice_id=draft.pk)


# --- replay and query counts --------------------------------------------------------------


def test_a_replayed_payment_post_creates_one_payment(client, company, customer):
    client.force_login(company.finance)
    body = {"customer_id": customer.pk, "amount": "500.00", "date": str(DAY)}
    first = post(client, f"{API}/payments", body, HTTP_IDEMPOTENCY_KEY="bank-line-42")
    replay = post(client, f"{API}/payments", body, HTTP_IDEMPOTENCY_KEY="bank-line-42")
    assert first.status_code == replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == first.json()["id"]
    assert Payment.objects.count() == 1
    assert CustomerBalance.objects.get(customer=customer).advance == D("500.00")
    changed = post(
        client, f"{API}/payments", {**body, "amount": "600.00"}, HTTP_IDEMPOTENCY_KEY="bank-line-42"
    )
    assert (changed.status_code, code(changed)) == (409, "idempotency.key_reused")
    assert Payment.objects.count() == 1
    assert_verified()


def test_list_query_counts_do_not_grow_with_rows(
    client, company, customer, django_assert_max_num_queries
):
    def make(n):
        for _ in range(n):
            invoice = issued(company, customer)
            payment = pay(company, customer, "100.00")
            from cashloop.receivables.services import allocation_create, credit_note_create

            allocation_create(
                actor=company.finance,
                installment_id=invoice.installments.get().pk,
                payment_id=payment.pk,
                amount=D("50.00"),
                allocation_date=DAY,
            )
            credit_note_create(
                actor=company.finance,
                invoice_id=invoice.pk,
                lines=[line("10.00")],
                reason="r",
                credit_date=DAY,
            )

    client.force_login(company.finance)
    make(2)
    paths = [
        f"{API}/invoices",
        f"{API}/payments",
        f"{API}/credit-notes",
        f"{API}/customers/{customer.pk}/balance",
    ]
    counts = {}
    for path in paths:
        with django_assert_max_num_queries(30) as captured:
            assert client.get(path).status_code == 200
        counts[path] = len(captured.captured_queries)
    first = Invoice.objects.order_by("id").first()
    first_payment = Payment.objects.order_by("id").first()
    details = [f"{API}/invoices/{first.pk}", f"{API}/payments/{first_payment.pk}"]
    for path in details:
        with django_assert_max_num_queries(40) as captured:
            assert client.get(path).status_code == 200
        counts[path] = len(captured.captured_queries)
    make(12)
    for path in paths + details:
        with django_assert_max_num_queries(counts[path]):
            assert client.get(path).status_code == 200
    assert_verified()


def test_anonymous_is_refused(client, db):
    response = client.get(f"{API}/invoices")
    assert (response.status_code, code(response)) == (401, "auth.required")


def test_dates_in_the_past_and_future_are_kept(client, company, customer):
    client.force_login(company.finance)
    later = DAY + timedelta(days=400)
    response = post(client, f"{API}/invoices", draft_payload(customer, issue_date=str(later)))
    assert response.status_code == 201
    assert response.json()["issue_date"] == str(later)
    assert response.json()["installments"][0]["due_date"] == str(later + timedelta(days=30))
    assert Invoice.objects.get().status == InvoiceStatus.DRAFT
    assert date.fromisoformat(response.json()["next_due"]) == later + timedelta(days=30)
