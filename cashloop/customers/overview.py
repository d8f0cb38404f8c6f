"""The customer 360: everything about one customer on one page, read in a bounded number of queries.

`customer_360_get` assembles the page and the `/customers/{id}/overview` API from each
app's own scoped selectors, so the 360 never shows more than the list pages do: a
section the user has no grant for comes back as None and is left off, not refused.
This is the one module of customers that reads the apps built on it (receivables,
reports, sales, cpq, contracts); nothing in those apps imports it (decision 029).

Its cost does not grow with the customer's history: every list is cut to `LIST_SIZE`
rows (with a window count of all of them, and a link to the filtered list page) and
every figure is one SQL aggregate.  The figures, all in the base currency (decision 029):

* lifetime revenue: the base totals of issued invoices (not drafts, not cancelled) less
  the base amounts of credit notes, tax included, as finance invoices it;
* collected: payments applied to invoices (un-applications subtract), at the payment's rate;
* outstanding: the base residual of open installments; overdue: those due before today;
* advances: what payments and credit notes still hold (`base_unapplied`);
* average days to pay: over payments applied and not undone, the allocation's date less
  the invoice date, weighted by the amount applied (base currency), to one decimal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from cashloop.contracts import selectors as contract_selectors
from cashloop.contracts.models import Contract
from cashloop.core.models import AuditEntry
from cashloop.core.money import base_currency, quantize
from cashloop.core.scoping import may
from cashloop.core.sql import DaysBetween
from cashloop.core.verify import MONEY, money_exact, money_sum
from cashloop.cpq import selectors as cpq_selectors
from cashloop.cpq.models import Quote
from cashloop.customers import selectors
from cashloop.customers.models import Contact, Customer, Interaction
from cashloop.identity.models import User
from cashloop.receivables import selectors as receivable_selectors
from cashloop.receivables.choices import InvoiceStatus, OpenItemKind
from cashloop.receivables.models import Allocation, CreditNote, Installment, Invoice, Payment
from cashloop.receivables.services import OPEN_STATUSES
from cashloop.reports import selectors as report_selectors
from cashloop.sales import selectors as sales_selectors
from cashloop.sales.choices import OpportunityStatus
from cashloop.sales.models import Opportunity

LIST_SIZE = 20
HISTORY_SIZE = 20
NOT_REVENUE = (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED)


@dataclass
class Figures:
    """The money figures of a customer in the base currency (see the module docstring)."""

    currency: str
    invoiced: Decimal
    credited: Decimal
    collected: Decimal
    outstanding: Decimal
    overdue: Decimal
    advances: Decimal
    average_days_to_pay: Decimal | None

    @property
    def lifetime_revenue(self) -> Decimal:
        return self.invoiced - self.credited


@dataclass
class Section:
    """A list cut to `LIST_SIZE` rows and how many there are in all."""

    rows: list[Any]
    count: int

    @property
    def more(self) -> bool:
        return self.count > len(self.rows)


@dataclass
class Customer360:
    customer: Customer
    contacts: list[Contact]
    last_interaction_at: datetime | None
    next_action: Interaction | None
    history: list[AuditEntry]
    # None: the user may not read that kind of record, and the page leaves the section out.
    interactions: Section | None = None
    opportunities: Section | None = None
    open_pipeline: Decimal | None = None
    figures: Figures | None = None
    invoices: Section | None = None
    payments: Section | None = None
    aging: report_selectors.AgingSummary | None = None
    quotes: Section | None = None
    contracts: Section | None = None
    today: date = field(default_factory=timezone.localdate)


def _section(qs: Any, size: int = LIST_SIZE) -> Section:
    """The first `size` rows and, in the same query, how many there are in all."""
    rows = list(qs.annotate(listed_total=Window(Count("pk")))[:size])
    return Section(rows, rows[0].listed_total if rows else 0)


def _average_days(weight: Any, weighted: Any) -> Decimal | None:
    weight, weighted = Decimal(str(weight or 0)), Decimal(str(weighted or 0))
    if not weight:
        return None
    return (weighted / weight).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _figures(user: User, customer: Customer, today: date) -> Figures:
    """Every figure in SQL, one aggregate per table, whatever the customer's history."""
    currency = base_currency()
    invoices = Invoice.objects.restrict(user, "view").filter(customer=customer)
    invoiced = invoices.exclude(status__in=NOT_REVENUE).aggregate(v=money_sum("base_total"))
    credited = (
        CreditNote.objects.restrict(user, "view")
        .filter(customer=customer)
        .aggregate(v=money_sum("base_amount"))
    )
    # Un-applications are negative twins, so summing every payment row nets them out; the
    # days to pay count only applications still standing.
    standing = Q(kind=OpenItemKind.ALLOCATION, undone_by__isnull=True)
    days = DaysBetween(F("date"), F("installment__invoice__issue_date"))
    paid = Allocation.objects.filter(
        installment__invoice__in=invoices, payment__isnull=False
    ).aggregate(
        collected=money_sum("payment_base_amount"),
        weight=money_exact(
            Coalesce(Sum("base_amount", filter=standing), Value(0), output_field=MONEY)
        ),
        weighted=money_exact(
            Coalesce(
                Sum(
                    ExpressionWrapper(F("base_amount") * days, output_field=MONEY), filter=standing
                ),
                Value(0),
                output_field=MONEY,
            )
        ),
    )
    open_items = Installment.objects.filter(
        invoice__in=invoices.filter(status__in=OPEN_STATUSES), residual__gt=0
    ).aggregate(
        outstanding=money_sum("base_residual"),
        overdue=money_sum("base_residual", due_date__lt=today),
    )
    advances = [
        model.objects.restrict(user, "view")
        .filter(customer=customer, unapplied__gt=0)
        .aggregate(v=money_sum("base_unapplied"))["v"]
        for model in (Payment, CreditNote)
    ]

    def base(value: Any) -> Decimal:
        return quantize(Decimal(str(value or 0)), currency)

    return Figures(
        currency=currency,
        invoiced=base(invoiced["v"]),
        credited=base(credited["v"]),
        collected=base(paid["collected"]),
        outstanding=base(open_items["outstanding"]),
        overdue=base(open_items["overdue"]),
        advances=base(sum(Decimal(str(v or 0)) for v in advances)),
        average_days_to_pay=_average_days(paid["weight"], paid["weighted"]),
    )


def _next_action(user: User, customer: Customer) -> Interaction | None:
    """The earliest open next step: dated ones by date, then undated ones, newest first."""
    return (
        Interaction.objects.restrict(user, "view")
        .filter(customer=customer, next_step_done=False)
        .exclude(next_step="")
        .select_related("author")
        .order_by(F("next_step_date").asc(nulls_last=True), "-occurred_at", "-id")
        .first()
    )


def _opportunities(user: User, customer: Customer) -> tuple[Section, Decimal]:
    qs = sales_selectors.opportunity_list(
        user=user, filters=sales_selectors.OpportunityFilters(customer_id=customer.pk)
    )
    open_first = Case(When(status=OpportunityStatus.OPEN, then=Value(0)), default=Value(1))
    section = _section(qs.order_by(open_first, "expected_close_date", "id"))
    pipeline = qs.filter(status=OpportunityStatus.OPEN).aggregate(v=money_sum("base_amount"))
    return section, quantize(Decimal(str(pipeline["v"] or 0)), base_currency())


def customer_360_get(*, user: User, customer_id: int) -> Customer360:
    """Everything about one customer the user may see, as of now; `customer.not_found`
    out of scope.  Figures are today's (stored residuals and balances, proven by verify)."""
    today = timezone.localdate()
    customer = selectors.customer_get(user=user, customer_id=customer_id)
    overview = Customer360(
        customer=customer,
        contacts=list(selectors.contact_list(user=user, customer_id=customer.pk)[:LIST_SIZE]),
        last_interaction_at=customer.last_interaction_at,
        next_action=_next_action(user, customer) if may(user, "view", Interaction) else None,
        history=list(selectors.customer_history(user=user, customer_id=customer.pk)[:HISTORY_SIZE]),
        today=today,
    )
    if may(user, "view", Interaction):
        overview.interactions = _section(
            selectors.interaction_list(user=user, customer_id=customer.pk)
        )
    if may(user, "view", Opportunity):
        overview.opportunities, overview.open_pipeline = _opportunities(user, customer)
    if may(user, "view", Invoice):
        overview.figures = _figures(user, customer, today)
        open_first = Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1))
        overview.invoices = _section(
            receivable_selectors.invoice_list(user=user, customer_id=customer.pk, today=today)
            .exclude(status=InvoiceStatus.CANCELLED)
            .order_by(open_first, "-issue_date", "-id")
        )
        overview.aging = report_selectors.aging_summary(
            user=user,
            params=report_selectors.aging_params(as_of=today, customer_id=customer.pk),
        )
    if may(user, "view", Payment):
        overview.payments = _section(
            receivable_selectors.payment_list(user=user, customer_id=customer.pk)
        )
    if may(user, "view", Quote):
        overview.quotes = _section(
            cpq_selectors.quote_list(user=user, customer_id=customer.pk, latest=True)
        )
    if may(user, "view", Contract):
        overview.contracts = _section(
            contract_selectors.contract_list(user=user, customer_id=customer.pk)
        )
    return overview
