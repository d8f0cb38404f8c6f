"""API of contract billing (/billing/...) and the three-way reconciliation
(/contract-reconciliation).

Billing on request takes "bill" on contracts (the daily task does the same by itself);
the due list shows the plan items of the contracts the user may bill.  The reconciliation
reads the contracts the user may see.  Money leaves as decimal strings with the currency's
minor-unit decimals, like every other amount of the API.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from cashloop.contracts import billing, reconciliation
from cashloop.contracts.models import Contract, PlanItem
from cashloop.core.schemas import InSchema
from cashloop.ledger.schemas import money_str
from cashloop.receivables.models import Invoice

billing_router = Router(tags=["contract billing"])
reconciliation_router = Router(tags=["contract reconciliation"])


class BillingRunIn(InSchema):
    on: dt.date | None = Field(None, description="Invoice date; today when left out.")
    contract_id: int | None = Field(None, description="Bill this contract only.")


class BilledOut(Schema):
    id: int
    number: str
    contract_id: int
    plan_item_id: int
    customer_id: int
    issue_date: dt.date
    currency: str
    total: str


class BillingRunOut(Schema):
    on: dt.date
    count: int
    invoices: list[BilledOut]


class DueQuery(Schema):
    on: dt.date | None = Field(None, description="Due by this date; today when left out.")
    contract_id: int | None = None


class DueOut(Schema):
    id: int
    contract_id: int
    contract_number: str
    customer_id: int
    customer_name: str
    sequence: int
    label: str
    due_date: dt.date
    currency: str
    amount: str


class ReconciliationQuery(Schema):
    customer: int | None = Field(None, description="Only this customer's contracts.")
    status: str | None = Field(None, description="Only contracts in this status.")
    off: bool = Field(False, description="Only the contracts that do not tie.")


class ReconciliationRowOut(Schema):
    contract_id: int
    number: str
    title: str
    customer_id: int
    customer_name: str
    status: str
    currency: str
    contracted: str
    invoiced: str
    collected: str = Field(..., description="Payments applied to its invoices.")
    credited: str = Field(..., description="Credit notes applied to its invoices.")
    settled_other: str = Field(..., description="Written off or early-payment discounts.")
    outstanding: str
    not_invoiced: str
    recognised: str
    billed_before: str = Field(
        ..., description="Billed by the old system before migration (decision 068)."
    )
    ties: bool


class ReconciliationTotalOut(Schema):
    currency: str
    contracts: int
    contracted: str
    invoiced: str
    collected: str
    credited: str
    settled_other: str
    outstanding: str
    not_invoiced: str
    recognised: str
    billed_before: str = Field(
        ..., description="Billed by the old system before migration (decision 068)."
    )


class ReconciliationOut(Schema):
    contracts: list[ReconciliationRowOut]
    totals: list[ReconciliationTotalOut]


def _billed_out(invoice: Invoice) -> dict[str, Any]:
    item = invoice.plan_item
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "contract_id": item.contract_id,
        "plan_item_id": item.pk,
        "customer_id": invoice.customer_id,
        "issue_date": invoice.issue_date,
        "currency": invoice.currency,
        "total": money_str(invoice.total, invoice.currency),
    }


@billing_router.post("/run", response=BillingRunOut)
def billing_run(request: HttpRequest, payload: BillingRunIn) -> Any:
    """Invoice every installment due by `on` (today) of the active contracts you may bill,
    or of one contract.  Idempotent: an installment is billed once, whatever the runs."""
    on = payload.on or timezone.localdate()
    invoices = billing.contract_invoices_generate(
        actor=request.user, on=on, contract_id=payload.contract_id
    )
    billed = (
        Invoice.objects.filter(pk__in=[i.pk for i in invoices])
        .select_related("plan_item")
        .order_by("pk")
    )
    return {"on": on, "count": len(invoices), "invoices": [_billed_out(i) for i in billed]}


@billing_router.get("/due", response=list[DueOut])
def billing_due(request: HttpRequest, filters: Query[DueQuery]) -> Any:
    """Installments due by `on` (today) and not invoiced yet, of contracts you may bill."""
    items = billing.due_plan_items(
        user=request.user, on=filters.on or timezone.localdate(), contract_id=filters.contract_id
    )
    return [_due_out(item) for item in items]


def _due_out(item: PlanItem) -> dict[str, Any]:
    contract = item.contract
    return {
        "id": item.pk,
        "contract_id": contract.pk,
        "contract_number": contract.number,
        "customer_id": contract.customer_id,
        "customer_name": contract.customer.name,
        "sequence": item.sequence,
        "label": item.label,
        "due_date": item.due_date,
        "currency": contract.currency,
        "amount": money_str(item.amount, contract.currency),
    }


@reconciliation_router.get("", response=ReconciliationOut)
def contract_reconciliation(request: HttpRequest, filters: Query[ReconciliationQuery]) -> Any:
    """Per contract and in total (per currency): contracted, invoiced, collected,
    outstanding, not yet invoiced and recognised, and whether the figures tie."""
    rows = list(
        reconciliation.contract_reconciliation(
            user=request.user,
            customer_id=filters.customer,
            status=filters.status,
            off_only=filters.off,
        )
    )
    return {
        "contracts": [_row_out(row) for row in rows],
        "totals": [_total_out(t) for t in reconciliation.reconciliation_totals(rows)],
    }


def _row_out(row: Contract) -> dict[str, Any]:
    cur = row.currency
    return {
        "contract_id": row.pk,
        "number": row.number,
        "title": row.title,
        "customer_id": row.customer_id,
        "customer_name": row.customer.name,
        "status": row.status,
        "currency": cur,
        "ties": row.ties,
        **{_name(f): money_str(getattr(row, f), cur) for f in reconciliation.FIGURES},
    }


def _total_out(totals: reconciliation.Totals) -> dict[str, Any]:
    cur = totals.currency
    return {
        "currency": cur,
        "contracts": totals.count,
        **{_name(f): money_str(getattr(totals, f), cur) for f in reconciliation.FIGURES},
    }


def _name(figure: str) -> str:
    # The API calls the invoices' (credit notes') sum what users call it: invoiced (credited).
    return figure.removesuffix("_rows")
