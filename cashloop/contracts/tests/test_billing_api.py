"""Billing and the three-way reconciliation through the API, and their pages: the plan is
billed, the invoice paid, the contract ties; bad input answers a code and changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from cashloop.contracts.models import Contract, PlanItem
from cashloop.contracts.services import contract_activate
from cashloop.contracts.tests.recognition_data import contract_make, line_add, plan_add
from cashloop.cpq.choices import Recognition
from cashloop.ledger.models import JournalEntry
from cashloop.receivables.models import Invoice
from cashloop.receivables.services import payment_auto_allocate, payment_create
from tests.ledger_check import assert_verified

D = Decimal
DUE = date(2026, 3, 20)


def post(client, path, payload=None):
    return client.post(path, payload or {}, content_type="application/json")


def code(response):
    return response.json()["error"]["code"]


def state():
    return (
        Invoice.objects.count(),
        sorted(PlanItem.objects.values_list("status", flat=True)),
        sorted(Contract.objects.values_list("invoiced", "recognised")),
        JournalEntry.objects.count(),
    )


@pytest.fixture
def active(company, draft):
    return contract_activate(actor=company.manager_east, contract_id=draft.pk)


def test_bill_pay_and_the_contract_ties_through_the_api(client, company, active):
    client.force_login(company.finance)
    # the 30% installment is due on 20 March
    due = client.get("/api/v1/billing/due", {"on": DUE.isoformat()}).json()
    assert [(row["contract_id"], row["amount"]) for row in due] == [(active.pk, "3708.00")]
    # when: billed on request
    run = post(client, "/api/v1/billing/run", {"on": DUE.isoformat()})
    assert run.status_code == 200, run.content
    (billed,) = run.json()["invoices"]
    assert (billed["contract_id"], billed["total"]) == (active.pk, "3708.00")
    assert post(client, "/api/v1/billing/run", {"on": DUE.isoformat()}).json()["count"] == 0
    # and paid
    payment = payment_create(
        actor=company.finance, customer_id=active.customer_id, amount=D("3708.00"), payment_date=DUE
    )
    payment_auto_allocate(actor=company.finance, payment_id=payment.pk, allocation_date=DUE)
    # then: contracted = invoiced + not invoiced; invoiced = collected + outstanding
    body = client.get("/api/v1/contract-reconciliation").json()
    (row,) = body["contracts"]
    assert row == {
        **row,
        "contracted": "12360.00",
        "invoiced": "3708.00",
        "collected": "3708.00",
        "outstanding": "0.00",
        "not_invoiced": "8652.00",
        "recognised": "3300.00",
        "ties": True,
    }
    assert body["totals"][0]["currency"] == "CNY"
    assert body["totals"][0]["contracts"] == 1
    assert_verified()


def test_bad_billing_input_answers_a_code_and_changes_nothing(client, company, active):
    before = state()
    client.force_login(company.finance)
    future = (date.today() + timedelta(days=400)).isoformat()
    cases = [
        ({"on": future}, 422, "billing.future_date"),
        ({"contract_id": 10**6}, 404, "contract.not_found"),
        ({"on": "not a date"}, 422, "request.invalid"),
        ({"surprise": 1}, 422, "request.invalid"),
    ]
    for payload, status, error in cases:
        response = post(client, "/api/v1/billing/run", payload)
        assert (response.status_code, code(response)) == (status, error), payload
    client.force_login(company.rep_east)
    denied = post(client, "/api/v1/billing/run", {"on": DUE.isoformat()})
    assert (denied.status_code, code(denied)) == (403, "permission.denied")
    assert client.get("/api/v1/billing/due").status_code == 403
    assert state() == before


def test_reconciliation_is_scoped_and_filters_what_does_not_tie(client, company, customers):
    east = contract_make(customer=customers["rep_east"])
    line_add(east, net="100.00", recognition=Recognition.AT_INVOICING)
    plan_add(east, due=date(2026, 1, 5))
    south = contract_make(customer=customers["rep_south"], number="HT-2026-0002")
    line_add(south, net="200.00", recognition=Recognition.AT_INVOICING)
    plan_add(south, due=date(2026, 1, 5))
    client.force_login(company.rep_east)
    rows = client.get("/api/v1/contract-reconciliation").json()["contracts"]
    assert [row["contract_id"] for row in rows] == [east.pk]
    # a derived balance gone wrong shows as not tying
    Contract.objects.filter(pk=east.pk).update(invoiced=D("1.00"))
    off = client.get("/api/v1/contract-reconciliation", {"off": "true"}).json()
    assert [(row["contract_id"], row["ties"]) for row in off["contracts"]] == [(east.pk, False)]
    by_customer = client.get(
        "/api/v1/contract-reconciliation", {"customer": customers["rep_south"].pk}
    ).json()
    assert by_customer["contracts"] == []


def test_billing_and_reconciliation_pages(client, company, customers):
    today = date.today()
    contract = contract_make(customer=customers["rep_east"], start=today - timedelta(days=30))
    line_add(contract, net="1000.00", recognition=Recognition.AT_INVOICING)
    plan_add(contract, due=today - timedelta(days=1), amount=D("565.00"), label="首付")
    plan_add(contract, due=today + timedelta(days=30))
    client.force_login(company.finance)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/billing/")
    assert page.status_code == 200
    assert "首付" in page.content.decode() and "565.00" in page.content.decode()
    # "Bill now" on the page: the due one is invoiced, the later one waits
    done = client.post("/billing/run/", {"contract_id": contract.pk}, follow=True)
    assert "1 invoice issued" in done.content.decode()
    assert Invoice.objects.get().total == D("565.00")
    assert "Nothing is due" in client.get("/billing/").content.decode()
    recon = client.get("/billing/reconciliation/")
    assert recon.status_code == 200
    assert "Ties" in recon.content.decode() and "Total CNY" in recon.content.decode()
    assert "Every contract ties" in client.get("/billing/reconciliation/?off=1").content.decode()
    # reps read the reconciliation of their own contracts but may not bill
    client.force_login(company.rep_east)
    assert client.get("/billing/").status_code == 403
    assert client.post("/billing/run/").status_code == 403
    assert client.get("/billing/reconciliation/").status_code == 200
    assert_verified()


@pytest.mark.parametrize("count", [2, 8])
def test_reconciliation_and_due_list_take_a_fixed_number_of_queries(
    client, company, customers, count, django_assert_max_num_queries
):
    for n in range(count):
        contract = contract_make(customer=customers["rep_east"], number=f"HT-Q-{n}")
        line_add(contract, net="100.00", recognition=Recognition.AT_INVOICING)
        plan_add(contract, due=date(2026, 1, 5))
    client.force_login(company.finance)
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/contract-reconciliation").json()
    assert len(body["contracts"]) == count
    with django_assert_max_num_queries(8):
        due = client.get("/api/v1/billing/due", {"on": "2026-01-31"}).json()
    assert len(due) == count
    with django_assert_max_num_queries(12):
        assert client.get("/billing/reconciliation/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/billing/").status_code == 200
