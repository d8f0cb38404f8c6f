"""Receivables pages: the loop through forms, live totals, scope, buttons by role, queries."""

from decimal import Decimal

import pytest
from django.test import override_settings

from cashloop.core.models import AuditEntry
from cashloop.receivables.choices import InvoiceStatus
from cashloop.receivables.models import Allocation, CreditNote, Invoice, Payment, Refund
from cashloop.receivables.services import (
    allocation_create,
    credit_note_create,
    invoice_create,
)
from cashloop.receivables.tests.test_api import state
from cashloop.receivables.tests.test_services import DAY, issued, line, pay
from tests.factories import CustomerFactory
from tests.ledger_check import assert_verified

D = Decimal


@pytest.fixture
def customer(company):
    return CustomerFactory(owner=company.rep_east, payment_terms_days=30)


@pytest.fixture
def other(company):
    return CustomerFactory(owner=company.rep_south)


def formset(prefix, rows, initial=0):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "200",
    }
    for n, row in enumerate(rows):
        data.update({f"{prefix}-{n}-{key}": value for key, value in row.items()})
    return data


LINES = [
    {
        "description": "软件许可 Software",
        "quantity": "2",
        "unit_price": "500.00",
        "tax_rate": "0.13",
    },
    {"description": "实施 Setup", "quantity": "1", "unit_price": "100.00", "tax_rate": "0.06"},
]
ITEMS = [
    {"share": "1", "due_rule": "days_after", "due_days": "30"},
    {"share": "1", "due_rule": "end_of_month", "due_days": "30"},
]


def draft_data(customer, lines=LINES, items=ITEMS, **extra):
    return {
        "customer": str(customer.pk),
        "issue_date": str(DAY),
        "currency": "",
        "rate": "",
        "memo": "三月服务",
        **formset("lines", lines),
        **formset("items", items),
        **extra,
    }


def html(response):
    return response.content.decode()


# --- the loop ----------------------------------------------------------------------------


def test_draft_issue_pay_allocate_undo_through_pages(client, company, customer):
    # given a rep who drafts an invoice through the form
    client.force_login(company.rep_east)
    assert client.get(f"/invoices/new/?customer={customer.pk}").status_code == 200
    response = client.post("/invoices/new/", draft_data(customer))
    assert response.status_code == 302, response.context["form"].errors
    invoice = Invoice.objects.get()
    assert (invoice.status, invoice.total) == (InvoiceStatus.DRAFT, D("1236.00"))
    assert response["Location"] == f"/invoices/{invoice.pk}/"
    page = html(client.get(f"/invoices/{invoice.pk}/"))
    assert 'data-testid="edit-invoice"' in page and 'data-testid="issue-invoice"' not in page

    # the rep edits the draft: its lines are replaced whole
    edit = client.get(f"/invoices/{invoice.pk}/edit/")
    assert edit.status_code == 200 and "软件许可 Software" in html(edit)
    data = draft_data(customer, lines=[{**LINES[0], "quantity": "3"}])
    del data["customer"]
    response = client.post(f"/invoices/{invoice.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    invoice.refresh_from_db()
    assert invoice.total == D("1695.00")  # 1,500.00 + 13%

    # finance issues it
    client.force_login(company.finance)
    response = client.post(f"/invoices/{invoice.pk}/issue/")
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.number == "INV-2026-000001" and invoice.status == InvoiceStatus.ISSUED
    page = html(client.get(f"/invoices/{invoice.pk}/"))
    assert invoice.number in page and f"/ledger/entries/{invoice.journal_entry_id}/" in page
    assert 'data-testid="write-off-1"' in page and 'data-testid="new-credit-note"' in page

    # when a payment is recorded, its panel suggests the oldest item, pre-filled
    response = client.post(
        "/payments/new/",
        {
            "customer": str(customer.pk),
            "amount": "1000.00",
            "currency": "",
            "rate": "",
            "date": "2026-03-20",
            "method": "bank_transfer",
            "bank_reference": "BOC-0042",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    payment = Payment.objects.get()
    detail = client.get(f"/payments/{payment.pk}/")
    first, second = invoice.installments.order_by("sequence")
    suggestions = detail.context["payment"].suggestion_rows
    assert [(s.installment.pk, s.value) for s in suggestions] == [
        (first.pk, "847.50"),
        (second.pk, "152.50"),
    ]
    assert f'name="amount-{first.pk}" value="847.50"' in html(detail)

    # then finance applies part of it, by hand
    response = client.post(
        f"/payments/{payment.pk}/allocate/",
        {f"amount-{first.pk}": "847.50", f"amount-{second.pk}": "", "date": "2026-03-20"},
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.residual) == (InvoiceStatus.PARTIALLY_PAID, D("847.50"))
    allocation = Allocation.objects.get()
    assert f'data-testid="undo-{allocation.pk}"' in html(client.get(f"/invoices/{invoice.pk}/"))
    assert_verified()

    # undoing it keeps the original row and adds its twin
    response = client.post(
        f"/allocations/{allocation.pk}/undo/", {"next": f"/payments/{payment.pk}/"}
    )
    assert response.status_code == 302 and response["Location"] == f"/payments/{payment.pk}/"
    invoice.refresh_from_db()
    assert invoice.residual == D("1695.00") and Allocation.objects.count() == 2
    page = html(client.get(f"/invoices/{invoice.pk}/"))
    assert f'data-testid="undo-{allocation.pk}"' not in page

    # and auto-allocation applies all of it, oldest due first
    response = client.post(f"/payments/{payment.pk}/allocate/", {"auto": "1", "date": "2026-03-21"})
    assert response.status_code == 302
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.unapplied == 0 and invoice.residual == D("695.00")
    assert_verified()


def test_the_edit_form_posted_back_as_shown_keeps_the_draft(client, company, customer):
    # given a draft with a discounted line and an early-payment discount
    client.force_login(company.rep_east)
    items = [
        {**ITEMS[0], "discount_percent": "2", "discount_days": "10"},
        {"share": "1", "due_rule": "fixed_date", "fixed_date": "2026-12-31", "due_days": "0"},
    ]
    lines = [LINES[0], {**LINES[1], "discount_percent": "10"}]
    client.post("/invoices/new/", draft_data(customer, lines=lines, items=items))
    draft = Invoice.objects.get()
    before = (
        draft.total,
        list(
            draft.installments.values_list(
                "amount", "due_date", "discount_amount", "discount_until"
            )
        ),
    )
    # when the edit page is posted back with its rows as shown (as a browser does)
    page = client.get(f"/invoices/{draft.pk}/edit/")
    data = {"issue_date": str(DAY), "rate": "", "memo": "只改备注"}
    for name, formset_ in (("lines", page.context["lines"]), ("items", page.context["items"])):
        rows = [
            {key: "" if value is None else str(value) for key, value in form.initial.items()}
            for form in formset_.forms
        ]
        data.update(formset(name, rows, initial=len(rows)))
    response = client.post(f"/invoices/{draft.pk}/edit/", data)
    # then only the memo changed
    assert response.status_code == 302, response.context["form"].errors
    draft.refresh_from_db()
    after = (
        draft.total,
        list(
            draft.installments.values_list(
                "amount", "due_date", "discount_amount", "discount_until"
            )
        ),
    )
    assert draft.memo == "只改备注" and after == before
    assert "1E+1" not in html(page)


def test_live_totals_are_a_dry_run_of_the_service(client, company, customer):
    client.force_login(company.rep_east)
    before = state()
    response = client.post("/invoices/preview/", draft_data(customer))
    assert response.status_code == 200
    page = html(response)
    assert "¥1,236.00" in page or "1,236.00" in page
    assert response.context["draft"].total == D("1236.00")
    assert [i.amount for i in response.context["draft_items"]] == [D("618.00"), D("618.00")]
    assert state() == before  # nothing saved, no audit row
    bad = client.post(
        "/invoices/preview/", draft_data(customer, lines=[{**LINES[0], "unit_price": "1.005"}])
    )
    assert bad.context["error"].code.code == "money.too_many_decimals"
    incomplete = client.post("/invoices/preview/", draft_data(customer, issue_date=""))
    assert incomplete.context["incomplete"] is True
    assert state() == before
    # the edit form previews through invoice_update, rolled back too
    draft = invoice_create(
        actor=company.rep_east, customer_id=customer.pk, issue_date=DAY, lines=[line()]
    )
    before = state()
    data = draft_data(customer, lines=[{**LINES[0], "quantity": "10"}])
    response = client.post(f"/invoices/preview/?invoice={draft.pk}", data)
    assert response.context["draft"].total == D("5650.00")
    assert state() == before


def test_credit_note_write_off_and_refund_through_pages(client, company, customer):
    invoice = issued(company, customer)  # 1,130.00
    client.force_login(company.finance)
    assert client.get(f"/invoices/{invoice.pk}/credit-note/").status_code == 200
    response = client.post(
        f"/invoices/{invoice.pk}/credit-note/",
        {
            "date": str(DAY),
            "reason": "退货 returned goods",
            **formset(
                "lines",
                [{"description": "退货", "quantity": "1", "unit_price": "100", "tax_rate": "0.13"}],
            ),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    note = CreditNote.objects.get()
    invoice.refresh_from_db()
    assert invoice.residual == D("1017.00")
    assert note.number in html(client.get(f"/invoices/{invoice.pk}/"))
    assert client.get(f"/credit-notes/{note.pk}/").status_code == 200
    assert note.number in html(client.get("/credit-notes/"))

    payment = pay(company, customer, "1020.00")
    allocation_create(
        actor=company.finance,
        installment_id=invoice.installments.get().pk,
        payment_id=payment.pk,
        amount=D("1016.40"),
        allocation_date=DAY,
    )
    item = invoice.installments.get()
    page = client.get(f"/installments/{item.pk}/write-off/")
    assert page.status_code == 200 and page.context["form"].initial["amount"] == D("0.60")
    response = client.post(
        f"/installments/{item.pk}/write-off/",
        {"kind": "small_residual", "amount": "0.60", "reason": "", "date": str(DAY)},
    )
    assert response.status_code == 302, response.context["form"].errors
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID

    response = client.post(
        f"/payments/{payment.pk}/refund/", {"amount": "3.60", "date": str(DAY), "memo": "退回"}
    )
    assert response.status_code == 302
    assert Refund.objects.get().amount == D("3.60")
    assert_verified()


# --- bad input on pages -------------------------------------------------------------------


def test_refusals_show_in_the_page_and_change_nothing(client, company, customer):
    invoice = issued(company, customer)
    payment = pay(company, customer, "2000.00")
    item = invoice.installments.get()
    client.force_login(company.finance)
    before = state()
    response = client.post(f"/payments/{payment.pk}/allocate/", {f"amount-{item.pk}": "1130.01"})
    assert response.status_code == 200
    assert "allocation.over_residual" in response.context["allocation_error"]
    assert 'value="1130.01"' in html(response)  # what was typed stays
    response = client.post(f"/payments/{payment.pk}/allocate/", {f"amount-{item.pk}": "abc"})
    assert response.context["allocation_error"]
    response = client.post(
        f"/payments/{payment.pk}/refund/", {"amount": "2000.01", "date": str(DAY)}
    )
    assert response.status_code == 200 and response.context["refund_form"].errors
    response = client.post(
        f"/installments/{item.pk}/write-off/",
        {"kind": "bad_debt", "amount": "10.00", "reason": "", "date": str(DAY)},
    )
    assert "write_off.reason_required" in str(response.context["form"].non_field_errors())
    response = client.post("/invoices/new/", draft_data(customer, lines=[]))
    assert "invoice.no_lines" in str(response.context["form"].non_field_errors())
    response = client.post(
        "/payments/new/",
        {"customer": str(customer.pk), "amount": "1.001", "date": str(DAY), "method": "cash"},
    )
    assert "money.too_many_decimals" in str(response.context["form"].non_field_errors())
    # an issued invoice has no edit page
    response = client.get(f"/invoices/{invoice.pk}/edit/")
    assert response.status_code == 302 and response["Location"] == f"/invoices/{invoice.pk}/"
    assert state() == before
    assert_verified()


# --- who may see and do what -------------------------------------------------------------


@override_settings(DEBUG=False)
def test_a_rep_sees_only_their_own_and_may_not_issue(client, company, customer, other):
    mine = issued(company, customer)
    theirs = issued(company, other)
    their_payment = pay(company, other, "10.00")
    draft = invoice_create(
        actor=company.rep_east, customer_id=customer.pk, issue_date=DAY, lines=[line()]
    )
    client.force_login(company.rep_east)
    listed = client.get("/invoices/")
    assert [i.pk for i in listed.context["page"].object_list] == [draft.pk, mine.pk]
    assert theirs.number not in html(listed)
    assert client.get(f"/invoices/{theirs.pk}/").status_code == 404
    assert client.get(f"/invoices/{theirs.pk}/edit/").status_code == 404
    assert client.get(f"/payments/{their_payment.pk}/").status_code == 404
    assert client.get("/payments/").context["page"].paginator.count == 0
    page = html(client.get(f"/invoices/{mine.pk}/"))
    assert 'data-testid="entries"' not in page  # no ledger rights, no entries shown
    for button in ("issue-invoice", "new-credit-note", "write-off-1", "record-payment"):
        assert f'data-testid="{button}"' not in page
    before = state()
    item = mine.installments.get()
    for path, data in [
        (f"/invoices/{draft.pk}/issue/", {}),
        (f"/invoices/{mine.pk}/credit-note/", {}),
        (f"/installments/{item.pk}/write-off/", {"kind": "bad_debt", "amount": "1", "reason": "x"}),
        ("/payments/new/", {}),
    ]:
        assert client.post(path, data).status_code == 403, path
    assert state() == before


@override_settings(DEBUG=False)
def test_a_viewer_reads_everything_and_changes_nothing(client, company, customer):
    invoice = issued(company, customer)
    payment = pay(company, customer, "100.00")
    allocation = allocation_create(
        actor=company.finance,
        installment_id=invoice.installments.get().pk,
        payment_id=payment.pk,
        amount=D("50.00"),
        allocation_date=DAY,
    )
    client.force_login(company.viewer)
    for path in ("/invoices/", "/payments/", "/credit-notes/", f"/invoices/{invoice.pk}/"):
        assert client.get(path).status_code == 200, path
    page = html(client.get(f"/payments/{payment.pk}/"))
    assert 'data-testid="allocation-panel"' not in page and 'data-testid="refund-form"' not in page
    assert 'data-testid="entries"' in page  # viewers may read the ledger
    assert client.get("/invoices/new/").status_code == 403
    before = state()
    assert client.post(f"/allocations/{allocation.pk}/undo/").status_code == 403
    assert client.post(f"/payments/{payment.pk}/allocate/", {"auto": "1"}).status_code == 403
    assert state() == before


def test_login_required(client, db):
    for path in ("/invoices/", "/payments/", "/credit-notes/"):
        response = client.get(path)
        assert response.status_code == 302 and "login" in response["Location"]


def test_menu_marks_the_section(client, company, customer):
    invoice = issued(company, customer)
    payment = pay(company, customer, "1.00")
    client.force_login(company.finance)
    assert client.get(f"/invoices/{invoice.pk}/").context["nav_active"] == "invoices"
    assert client.get("/credit-notes/").context["nav_active"] == "invoices"
    assert client.get(f"/payments/{payment.pk}/").context["nav_active"] == "payments"
    assert client.get("/payments/new/").context["nav_active"] == "payments"


def test_list_filters_and_htmx_rows(client, company, customer, other):
    mine = issued(company, customer)
    theirs = issued(company, other)
    client.force_login(company.finance)
    rows = client.get("/invoices/", {"q": theirs.number}, HTTP_HX_REQUEST="true")
    assert rows.templates[0].name == "receivables/_invoice_rows.html"
    assert [i.pk for i in rows.context["page"].object_list] == [theirs.pk]
    listed = client.get("/invoices/", {"customer_id": customer.pk, "overdue_only": "1"})
    assert [i.pk for i in listed.context["page"].object_list] == [mine.pk]
    assert 'data-testid="overdue"' in html(listed)
    assert client.get("/invoices/", {"status": "nonsense", "date_from": "x"}).status_code == 200


def test_customer_page_shows_the_money(client, company, customer):
    invoice = issued(company, customer)  # 1,130.00
    payment = pay(company, customer, "200.00")
    credit_note_create(
        actor=company.finance,
        customer_id=customer.pk,
        lines=[line("10.00", rate="0")],
        reason="goodwill",
        credit_date=DAY,
    )
    client.force_login(company.rep_east)
    slot = html(client.get(f"/customers/{customer.pk}/"))
    money_url = f"/receivables/customers/{customer.pk}/money/"
    assert 'data-testid="customer-money-slot"' in slot and f'hx-get="{money_url}"' in slot
    page = html(client.get(money_url, HTTP_HX_REQUEST="true"))
    assert 'data-testid="customer-money"' in page
    assert invoice.number in page and payment.number in page
    assert "¥1,130.00" in page and "¥210.00" in page and "¥920.00" in page
    assert f"/invoices/new/?customer={customer.pk}" in page
    assert "/payments/new/" not in page  # a rep records no payments
    # another rep's customer answers 404; a viewer reads it
    client.force_login(company.rep_south)
    assert client.get(money_url).status_code == 404
    client.force_login(company.viewer)
    assert "¥920.00" in html(client.get(money_url))
    assert_verified()


# --- query counts ------------------------------------------------------------------------


def test_page_query_counts_do_not_grow_with_rows(
    client, company, customer, django_assert_max_num_queries
):
    def make(n):
        for _ in range(n):
            invoice = issued(company, customer)
            payment = pay(company, customer, "100.00")
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
    invoice = Invoice.objects.order_by("id").first()
    payment = Payment.objects.order_by("id").first()
    paths = [
        "/invoices/",
        "/payments/",
        "/credit-notes/",
        f"/invoices/{invoice.pk}/",
        f"/payments/{payment.pk}/",
        f"/customers/{customer.pk}/",
        f"/receivables/customers/{customer.pk}/money/",
    ]
    counts = {}
    for path in paths:
        # The customer 360 is the dearest, with its credit, collections and tickets panels.
        with django_assert_max_num_queries(58) as captured:
            assert client.get(path).status_code == 200
        counts[path] = len(captured.captured_queries)
    make(12)
    for path in paths:
        with django_assert_max_num_queries(counts[path]):
            assert client.get(path).status_code == 200, path
    assert AuditEntry.objects.exists()
    assert_verified()
