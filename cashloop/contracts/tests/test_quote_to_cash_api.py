"""Quote to cash through /api/v1 only (issue #6's "Done when"), each person with a token.

A rep quotes from the catalog with a discount above the rule's maximum; the sales manager
approves it; the customer accepts; the rep gives the draft contract a milestone plan (30%
on signing, 70% ten days after the go-live acceptance); the manager activates it; the
daily billing job bills the advance, then, once the rep has recorded the acceptance, the
rest; finance records the payment and allocates it; the three-way reconciliation ties to
the cent and the ledger verifies.

`catalog_setup` and `run_daily_billing` are shared with the browser test of the same
journey (tests/e2e/test_quote_to_cash.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.test import Client
from django.utils import timezone
from django_tasks.base import TaskResultStatus

from cashloop.approvals.services import approval_flow_create
from cashloop.contracts.models import PlanItem
from cashloop.core.schedule import JOBS
from cashloop.cpq import services as cpq
from cashloop.cpq.models import Product
from cashloop.identity.models import User
from cashloop.identity.services import api_token_create
from cashloop.receivables.models import Invoice
from tests.factories import ContactFactory, CustomerFactory
from tests.ledger_check import assert_verified

D = Decimal
API = "/api/v1"
# 2 licences at 12,000.00 less 15% (20,400.00 + 13% VAT 2,652.00) and 10 days of
# implementation at 800.00 (8,000.00 + 6% VAT 480.00).
NET = D("28400.00")
TOTAL = D("31532.00")
FIRST = D("9459.60")  # 30% on signing
SECOND = D("22072.40")  # 70% on the acceptance


@dataclass
class Configured:
    license: Product
    implementation: Product


def catalog_setup(admin: User) -> Configured:
    """What an administrator configured beforehand: two products priced in CNY, a rule
    giving software 5% and allowing 10%, and discounts beyond it approved by the sales
    manager.  Contract activation has no flow: a manager's activation is final."""
    software = cpq.product_family_create(actor=admin, code="SW", name="软件", name_en="Software")
    license_ = cpq.product_create(
        actor=admin,
        code="ERP-STD",
        name="ERP 标准版",
        name_en="ERP Standard",
        tax_rate=D("0.13"),
        family_id=software.pk,
        unit="套",
    )
    implementation = cpq.product_create(
        actor=admin,
        code="IMPL-DAY",
        name="实施服务",
        name_en="Implementation",
        tax_rate=D("0.06"),
        kind="service",
        unit="人天",
    )
    cpq.price_book_create(
        actor=admin,
        name="标准价 CNY",
        currency="CNY",
        valid_from=timezone.localdate() - timedelta(days=365),
        entries=[
            cpq.PriceIn(product_id=license_.pk, unit_price=D("12000.00")),
            cpq.PriceIn(product_id=implementation.pk, unit_price=D("800.00")),
        ],
    )
    cpq.discount_rule_create(
        actor=admin, name="软件折扣", family_id=software.pk, percent=D(5), max_percent=D(10)
    )
    approval_flow_create(
        actor=admin,
        document_type="cpq.quote",
        name="报价折扣审批",
        conditions={"field": "discount_over_max", "op": "gt", "value": "0"},
        steps=[{"approvers": [{"kind": "role", "value": "sales_manager"}], "rule": "any"}],
    )
    return Configured(license_, implementation)


def run_daily_billing() -> int:
    """Run the scheduled billing job as the worker does (its registered task, enqueued);
    how many invoices it issued."""
    result = JOBS["contracts.billing"].task.enqueue()
    assert result.status == TaskResultStatus.SUCCESSFUL, result.errors
    return result.return_value


def client_for(user: User) -> Client:
    """A client that authenticates as `user` with a read-write API token, and nothing else."""
    _, token = api_token_create(actor=user, name="q2c", scope="read_write")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def call(client: Client, method: str, path: str, payload: dict | None = None, status: int = 200):
    response = getattr(client, method)(
        f"{API}{path}", payload or {}, content_type="application/json"
    )
    assert response.status_code == status, (path, response.status_code, response.content)
    return response.json()


def test_quote_to_cash_through_the_api(company):
    today = timezone.localdate()
    signed = today - timedelta(days=30)
    accepted_on = today - timedelta(days=10)  # + 10 days: the 70% falls due today
    configured = catalog_setup(company.admin)
    customer = CustomerFactory(owner=company.rep_east, name="杭州青山茶业 Qingshan Tea")
    ContactFactory(customer=customer, email="buyer@qingshan.example")
    rep, manager, finance = (
        client_for(u) for u in (company.rep_east, company.manager_east, company.finance)
    )

    # The rep quotes from the catalog; 15% off the licences is above the rule's 10%.
    quote = call(rep, "post", "/quotes", {"customer_id": customer.pk}, status=201)
    url = f"/quotes/{quote['id']}"
    lines = [
        {"product_id": configured.license.pk, "quantity": "2", "discount_percent": "15"},
        {"product_id": configured.implementation.pk, "quantity": "10"},
    ]
    quote = call(rep, "put", f"{url}/lines", {"lines": lines})
    assert (quote["discount_total"], quote["subtotal"]) == ("3600.00", f"{NET}")
    assert (quote["tax_total"], quote["total"]) == ("3132.00", f"{TOTAL}")
    quote = call(rep, "post", f"{url}/submit")
    assert quote["status"] == "pending_approval"

    # The manager approves the discount; the rep sends the quote; the customer accepts.
    waiting = call(manager, "get", f"/approvals/requests/{quote['approval_request_id']}")
    assert waiting["status"] == "pending"
    call(manager, "post", f"/approvals/requests/{quote['approval_request_id']}/approve")
    assert call(rep, "get", url)["status"] == "approved"
    assert call(rep, "post", f"{url}/send")["status"] == "sent"
    quote = call(rep, "post", f"{url}/accept")
    assert quote["status"] == "accepted"

    # The draft contract of the quote gets its milestone plan from the rep.
    contract = call(rep, "post", "/contracts/from-quote", {"quote_id": quote["id"]}, status=201)
    assert (contract["status"], contract["total"]) == ("draft", f"{TOTAL}")
    contract_url = f"/contracts/{contract['id']}"
    plan = [
        {"label": "预付款", "percent": "30", "due_rule": "on_signing"},
        {
            "label": "验收款",
            "percent": "70",
            "due_rule": "on_milestone",
            "due_days": 10,
            "milestone_position": 1,
        },
    ]
    milestones = [{"name": "上线验收", "planned_date": accepted_on.isoformat()}]
    contract = call(
        rep,
        "patch",
        contract_url,
        {
            "signing_date": signed.isoformat(),
            "start_date": signed.isoformat(),
            "milestones": milestones,
            "plan": plan,
        },
    )
    assert contract["remainder"] == "0.00"
    assert [i["amount"] for i in contract["plan"]] == [f"{FIRST}", f"{SECOND}"]
    # A rep drafts; activation is a manager's.
    refused = call(rep, "post", f"{contract_url}/activate", status=403)
    assert refused["error"]["code"] == "permission.denied"

    contract = call(manager, "post", f"{contract_url}/activate")
    assert contract["status"] == "active"
    advance, on_acceptance = contract["plan"]
    assert (advance["status"], advance["due_date"]) == ("scheduled", signed.isoformat())
    assert (on_acceptance["status"], on_acceptance["due_date"]) == ("waiting", None)

    # The nightly run bills the advance only; nobody has typed an invoice.
    assert call(finance, "get", f"/receivables/invoices?customer_id={customer.pk}")["count"] == 0
    assert run_daily_billing() == 1
    figures = reconciliation(finance, customer.pk)
    assert (figures["invoiced"], figures["not_invoiced"]) == (f"{FIRST}", f"{SECOND}")
    assert figures["ties"] is True

    # The rep records the acceptance, dated the customer's signature: the 70% is due today.
    milestone_id = contract["milestones"][0]["id"]
    accepted = call(
        rep,
        "post",
        f"/contracts/milestones/{milestone_id}/accept",
        {"actual_date": accepted_on.isoformat()},
    )
    assert accepted["status"] == "accepted"
    on_acceptance = call(rep, "get", contract_url)["plan"][1]
    assert (on_acceptance["status"], on_acceptance["due_date"]) == ("scheduled", today.isoformat())
    assert run_daily_billing() == 1
    assert run_daily_billing() == 0  # a rerun bills nothing twice

    # Both invoices came from the plan, issued by the run as finance.
    invoices = call(finance, "get", f"/receivables/invoices?customer_id={customer.pk}")["items"]
    by_total = {i["total"]: i for i in invoices}
    assert set(by_total) == {f"{FIRST}", f"{SECOND}"}
    assert {i["origin"] for i in invoices} == {"contract"}
    assert {i["status"] for i in invoices} == {"issued"}
    contract = call(finance, "get", contract_url)
    assert [i["invoice_id"] for i in contract["plan"]] == [
        by_total[f"{FIRST}"]["id"],
        by_total[f"{SECOND}"]["id"],
    ]
    assert contract["invoiced"] == f"{TOTAL}"
    assert set(Invoice.objects.values_list("created_by__username", flat=True)) == {"fin"}
    assert PlanItem.objects.filter(status="invoiced").count() == 2

    # Finance records the payment and allocates it: each invoice is paid in full.
    payment = call(
        finance,
        "post",
        "/receivables/payments",
        {"customer_id": customer.pk, "amount": f"{TOTAL}", "date": today.isoformat()},
        status=201,
    )
    allocations = call(finance, "post", f"/receivables/payments/{payment['id']}/auto-allocate", {})
    assert sorted((a["invoice_id"], a["amount"]) for a in allocations) == sorted(
        (i["id"], i["total"]) for i in invoices
    )
    assert call(finance, "get", f"/receivables/payments/{payment['id']}")["unapplied"] == "0.00"
    assert {
        call(finance, "get", f"/receivables/invoices/{i['id']}")["residual"] for i in invoices
    } == {"0.00"}

    # The three-way reconciliation ties, to the cent.
    figures = reconciliation(finance, customer.pk)
    expected = {
        "contract_id": contract["id"],
        "number": contract["number"],
        "status": "active",
        "currency": "CNY",
        "ties": True,
        "contracted": f"{TOTAL}",
        "invoiced": f"{TOTAL}",
        "collected": f"{TOTAL}",
        "settled_other": "0.00",
        "outstanding": "0.00",
        "not_invoiced": "0.00",
        "recognised": f"{NET}",  # recognised at invoicing
    }
    assert {key: figures[key] for key in expected} == expected
    assert_verified()


def reconciliation(client: Client, customer_id: int) -> dict:
    """The customer's one contract's reconciliation row (its figures and `ties`)."""
    body = call(client, "get", f"/contract-reconciliation?customer={customer_id}")
    (row,) = body["contracts"]
    return row
