"""Three-way reconciliation of contracts (合同-开票-回款 三对账): contracted, invoiced, collected.

Per contract, from the rows beneath it (one SQL query, subqueries per figure):
  contracted      the contract's total
  invoiced        the totals of the issued invoices its plan items became
  collected       payments applied to those invoices (less any undone)
  credited_rows   credit notes applied to them (less any undone), at the amount applied
  settled_other   write-offs and early-payment discounts on them
  outstanding     what those invoices still ask (their residuals)
  not_invoiced    the plan items not billed yet (waiting or scheduled)
  billed_before   what the old system billed of a migrated contract (decision 068): its
                  installments billed before migration, less the migrated open invoices
                  they became (those count as invoiced)
  recognised      revenue recognised so far (the stored balance)
A contract ties when its stored `invoiced` equals the invoices, the invoices plus what is
not invoiced and what was billed before migration equal the total (for a contract with a
plan), and the invoices equal what was
collected, credited, settled otherwise and is outstanding (decision 041).  `cashloop verify`
names any that do not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from cashloop.contracts.choices import ContractStatus, PlanItemStatus
from cashloop.contracts.models import Contract, PlanItem
from cashloop.core.scoping import require
from cashloop.core.verify import MONEY, money_exact
from cashloop.identity.models import User
from cashloop.receivables.choices import InvoiceStatus
from cashloop.receivables.models import Allocation, Invoice

FIGURES = (
    "contracted",
    "invoiced_rows",
    "collected",
    "credited_rows",
    "settled_other",
    "outstanding",
    "not_invoiced",
    "recognised",
    "billed_before",
)
# Drafts (a non-contract sale waiting) and cancelled drafts bill nothing.
UNISSUED = [InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED]


def per_contract_sum(queryset: QuerySet[Any], link: str, field: str) -> Any:
    """Per outer row (a contract, a line), the exact sum of `field` over the rows of
    `queryset` whose `link` is that row: a correlated subquery, so figures never multiply."""
    rows = (
        queryset.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(total=Sum(field))
        .values("total")
    )
    return money_exact(Coalesce(Subquery(rows, output_field=MONEY), Value(0, output_field=MONEY)))


def reconciliation_annotate(contracts: QuerySet[Contract]) -> QuerySet[Contract]:
    """The contracts with every figure of the reconciliation and a `ties` flag, in SQL."""
    invoices = Invoice.objects.exclude(status__in=UNISSUED)
    rows = Allocation.objects.exclude(installment__invoice__status__in=UNISSUED)
    annotated = contracts.annotate(
        contracted=F("total"),
        invoiced_rows=per_contract_sum(invoices, "plan_item__contract", "total"),
        outstanding=per_contract_sum(invoices, "plan_item__contract", "residual"),
        collected=per_contract_sum(
            rows.filter(payment__isnull=False),
            "installment__invoice__plan_item__contract",
            "amount",
        ),
        credited_rows=per_contract_sum(
            rows.filter(credit_note__isnull=False),
            "installment__invoice__plan_item__contract",
            "amount",
        ),
        settled_all=per_contract_sum(rows, "installment__invoice__plan_item__contract", "amount"),
        not_invoiced=per_contract_sum(
            PlanItem.objects.filter(status__in=[PlanItemStatus.WAITING, PlanItemStatus.SCHEDULED]),
            "contract",
            "amount",
        ),
        has_plan=Exists(PlanItem.objects.filter(contract=OuterRef("pk"))),
        billed_before=money_exact(
            per_contract_sum(
                PlanItem.objects.filter(status=PlanItemStatus.BILLED_BEFORE), "contract", "amount"
            )
            - per_contract_sum(
                invoices.filter(plan_item__status=PlanItemStatus.BILLED_BEFORE),
                "plan_item__contract",
                "total",
            )
        ),
    ).annotate(settled_other=money_exact(F("settled_all") - F("collected") - F("credited_rows")))
    return annotated.annotate(ties=ExpressionWrapper(~_off(), output_field=BooleanField()))


def _off() -> Q:
    """The condition of a contract that does not tie (on annotated rows)."""
    return (
        ~Q(invoiced=F("invoiced_rows"))
        | (
            Q(has_plan=True)
            & Q(status__in=[ContractStatus.ACTIVE, ContractStatus.COMPLETED])
            & ~Q(total=money_exact(F("invoiced_rows") + F("not_invoiced") + F("billed_before")))
        )
        | ~Q(invoiced_rows=money_exact(F("settled_all") + F("outstanding")))
    )


def not_tying(contracts: QuerySet[Contract]) -> QuerySet[Contract]:
    return reconciliation_annotate(contracts).filter(_off())


@dataclass
class Totals:
    currency: str
    count: int
    contracted: Decimal
    invoiced_rows: Decimal
    collected: Decimal
    credited_rows: Decimal
    settled_other: Decimal
    outstanding: Decimal
    not_invoiced: Decimal
    recognised: Decimal
    billed_before: Decimal


def contract_reconciliation(
    *,
    user: User,
    customer_id: int | None = None,
    status: str | None = None,
    off_only: bool = False,
) -> QuerySet[Contract]:
    """The contracts the user may see, each with its reconciliation figures and `ties`."""
    require(user, "view", Contract)
    contracts = Contract.objects.restrict(user, "view").exclude(status=ContractStatus.DRAFT)
    if customer_id is not None:
        contracts = contracts.filter(customer_id=customer_id)
    if status:
        contracts = contracts.filter(status=status)
    rows = reconciliation_annotate(contracts.select_related("customer"))
    if off_only:
        rows = rows.filter(_off())
    return rows.order_by("customer__name", "number", "pk")


def reconciliation_totals(rows: Iterable[Contract]) -> list[Totals]:
    """The figures summed per currency (amounts of different currencies never add up)."""
    found: dict[str, Totals] = {}
    for row in rows:
        totals = found.setdefault(
            row.currency, Totals(row.currency, 0, *[Decimal(0)] * len(FIGURES))
        )
        totals.count += 1
        for name in FIGURES:
            setattr(totals, name, getattr(totals, name) + getattr(row, name))
    return [found[code] for code in sorted(found)]
