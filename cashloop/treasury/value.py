"""Customer value (decision 057): per customer, over the months to today, what its sales
bring and what it costs to get paid, ranked so the treasurer sees who makes money and who
only brings revenue.

* Revenue: the net amount of the customer's invoices issued in the window, in the base
  currency, less the net amount of its credit notes dated in it.
* Gross margin: revenue less the standard cost of what was sold, where the product's cost
  is known (an invoice line billing a share of a contract line costs that share of the
  line's quantity); the settings' assumed margin on the rest.  A credit note is a price
  given back: it lowers the margin by its whole net amount.
* Cost to collect: the dunning messages sent to the customer in the window and the
  collectors' logged contacts, at the settings' cost of each.
* Days to pay: of the window's invoices, the days from the invoice date to each payment,
  weighted by amount; what is still open counts the days to today.
* Financing cost: that money tied up for those days at the settings' yearly rate.
* Contribution: gross margin less cost to collect and financing cost.

Everything is summed by the database, a query per figure; the rows are the customers the
user's invoice scope shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db.models import Case, Count, DecimalField, F, FloatField, Q, Sum, Value, When
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from cashloop.collections.models import CollectionActivity, DunningLog
from cashloop.core.dates import add_months
from cashloop.core.money import base_currency, quantize
from cashloop.core.scoping import ScopedUser
from cashloop.core.sql import DaysBetween
from cashloop.customers.models import Customer
from cashloop.receivables.choices import InvoiceOrigin, InvoiceStatus
from cashloop.receivables.models import Allocation, CreditNote, Installment, Invoice, InvoiceLine
from cashloop.treasury.models import TreasurySettings

ZERO = Decimal(0)
MONTHS_MAX = 36
# Wide enough for a net amount times a rate, before it is rounded to the currency.
MONEY = DecimalField(max_digits=30, decimal_places=8)
UNSOLD = (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED)


def not_sold(prefix: str = "") -> Q:
    """Invoices that are no sale of the period: drafts, cancelled ones, and the open items
    migrated from an old system as opening balances (decision 066), whose revenue the old
    system counted."""
    return Q(**{f"{prefix}status__in": UNSOLD}) | Q(**{f"{prefix}origin": InvoiceOrigin.OPENING})


DAYS_A_YEAR = 365


class Verdict(StrEnum):
    MAKES_MONEY = "makes_money"
    THIN = "thin"  # less than half the company's contribution per unit of revenue
    LOSES_MONEY = "loses_money"


# The sorts a ranking offers, by name: the column's label and its figure, largest first
# (for days to pay, the slowest payers first).
SORTS: dict[str, tuple[Any, Callable[[CustomerValue], Any]]] = {
    "contribution": (_("Contribution"), lambda r: r.contribution),
    "revenue": (_("Revenue"), lambda r: r.revenue),
    "gross_margin": (_("Gross margin"), lambda r: r.gross_margin),
    "cost_to_collect": (_("Cost to collect"), lambda r: r.cost_to_collect),
    "days_to_pay": (_("Days to pay"), lambda r: r.days_to_pay or 0),
    "financing": (_("Financing cost"), lambda r: r.financing_cost),
}

VERDICT_LABELS = {
    Verdict.MAKES_MONEY: _("Makes money"),
    Verdict.THIN: _("Thin"),
    Verdict.LOSES_MONEY: _("Loses money"),
}


@dataclass
class CustomerValue:
    customer_id: int
    name: str
    invoiced: Decimal = ZERO  # net amount of the invoices
    costed_revenue: Decimal = ZERO  # the part of it whose cost is known
    cost: Decimal = ZERO  # standard cost of that part
    credited: Decimal = ZERO  # credit notes' net amount
    revenue: Decimal = ZERO  # invoiced less credited
    reminders: int = 0
    contacts: int = 0
    cost_to_collect: Decimal = ZERO
    money_days: float = 0.0  # amount x days outstanding, base currency
    money: float = 0.0  # the amount those days weigh
    financing_cost: Decimal = ZERO
    gross_margin: Decimal = ZERO
    contribution: Decimal = ZERO
    revenue_rank: int = 0
    value_rank: int = 0
    verdict: Verdict = Verdict.MAKES_MONEY

    @property
    def days_to_pay(self) -> float | None:
        return round(self.money_days / self.money, 1) if self.money > 0 else None

    @property
    def margin_percent(self) -> float | None:
        return _percent(self.gross_margin, self.revenue)

    @property
    def contribution_percent(self) -> float | None:
        return _percent(self.contribution, self.revenue)

    @property
    def cost_known_percent(self) -> float | None:
        return _percent(self.costed_revenue, self.invoiced)

    @property
    def verdict_label(self) -> Any:
        return VERDICT_LABELS[self.verdict]


@dataclass
class Ranking:
    start: date
    end: date
    settings: TreasurySettings
    rows: list[CustomerValue] = field(default_factory=list)
    total: CustomerValue = field(default_factory=lambda: CustomerValue(0, ""))


def line_revenue() -> Any:
    """An invoice line's revenue in the base currency: its net at the invoice's rate.

    The revenue report (`cashloop.reports.revenue`) sums the same expressions, so that its
    "invoiced" and this ranking's revenue are one figure.
    """
    return F("net") * F("invoice__rate")


def credit_note_revenue() -> Any:
    """What a credit note takes back of revenue, in the base currency (positive)."""
    return F("subtotal") * F("rate")


def _money(amount: Decimal) -> Decimal:
    return quantize(amount, base_currency())


def _percent(part: Decimal, whole: Decimal) -> float | None:
    return round(float(part / whole * 100), 1) if whole > 0 else None


def ranking(
    *, user: ScopedUser, settings: TreasurySettings, today: date, months: int, sort: str
) -> Ranking:
    """Every customer with a figure in the `months` to `today`, sorted by `sort`."""
    start = add_months(today, -months)
    invoices = Invoice.objects.restrict(user).filter(issue_date__gt=start, issue_date__lte=today)
    invoices = invoices.exclude(not_sold())
    customers = Customer.objects.restrict(user).values("pk")
    rows: dict[int, CustomerValue] = {}

    def row(customer_id: int) -> CustomerValue:
        if customer_id not in rows:
            rows[customer_id] = CustomerValue(customer_id, "")
        return rows[customer_id]

    for customer_id, revenue, costed, cost in _sales(invoices):
        found = row(customer_id)
        found.invoiced, found.costed_revenue, found.cost = revenue, costed, cost
    credit_notes = CreditNote.objects.filter(
        customer__in=customers, date__gt=start, date__lte=today
    )
    for customer_id, credited in (
        credit_notes.values_list("customer_id")
        .annotate(credited=Sum(credit_note_revenue(), output_field=MONEY))
        .order_by()
    ):
        row(customer_id).credited = credited or ZERO
    logs = DunningLog.objects.filter(
        customer__in=customers, run_date__gt=start, run_date__lte=today
    )
    for customer_id, count in logs.values_list("customer_id").annotate(n=Count("pk")).order_by():
        row(customer_id).reminders = count
    contacts = CollectionActivity.objects.filter(
        customer__in=customers, created_at__date__gt=start, created_at__date__lte=today
    )
    for customer_id, count in (
        contacts.values_list("customer_id").annotate(n=Count("pk")).order_by()
    ):
        row(customer_id).contacts = count
    for customer_id, money_days, amount in _outstanding(invoices, today):
        found = row(customer_id)
        found.money_days += money_days
        found.money += amount
    names = Customer.objects.filter(pk__in=list(rows)).values_list("pk", "name")
    for customer_id, name in names:
        rows[customer_id].name = name
    result = Ranking(start=start, end=today, settings=settings)
    for found in rows.values():
        _value(found, settings)
    result.total = _total(list(rows.values()), settings)
    _rank(list(rows.values()), result.total)
    result.rows = _sorted(list(rows.values()), sort)
    return result


def _sales(invoices: Any) -> Any:
    """(customer, revenue, revenue whose cost is known, its cost) of the invoices' lines."""
    money = MONEY
    known = Q(contract_line__product__standard_cost__isnull=False) & ~Q(contract_line__net=0)
    base = line_revenue()
    # Invoice lines of a contract bill a share of the contract line at quantity 1.
    cost = (
        F("net")
        / F("contract_line__net")
        * F("contract_line__quantity")
        * F("contract_line__product__standard_cost")
    )
    return (
        InvoiceLine.objects.filter(invoice__in=invoices.values("pk"))
        .values_list("invoice__customer_id")
        .annotate(
            revenue=Sum(base, output_field=money),
            costed=Sum(Case(When(known, then=base), default=Value(ZERO)), output_field=money),
            cost=Sum(Case(When(known, then=cost), default=Value(ZERO)), output_field=money),
        )
        .order_by()
    )


def _outstanding(invoices: Any, today: date) -> list[tuple[int, float, float]]:
    """(customer, amount x days, amount): the window's invoices' payments, from the invoice
    date to the payment's, and what is open, from the invoice date to today."""
    paid = (
        Allocation.objects.filter(
            installment__invoice__in=invoices.values("pk"),
            payment__isnull=False,
            undoes__isnull=True,
            undone_by__isnull=True,
            date__lte=today,
        )
        .values_list("installment__invoice__customer_id")
        .annotate(
            days=Sum(
                Cast("base_amount", FloatField())
                * DaysBetween(F("date"), F("installment__invoice__issue_date")),
                output_field=FloatField(),
            ),
            amount=Sum(Cast("base_amount", FloatField())),
        )
        .order_by()
    )
    still_open = (
        Installment.objects.filter(invoice__in=invoices.values("pk"), base_residual__gt=0)
        .values_list("invoice__customer_id")
        .annotate(
            days=Sum(
                Cast("base_residual", FloatField())
                * DaysBetween(Value(today), F("invoice__issue_date")),
                output_field=FloatField(),
            ),
            amount=Sum(Cast("base_residual", FloatField())),
        )
        .order_by()
    )
    return [(c, days or 0.0, amount or 0.0) for c, days, amount in [*paid, *still_open]]


def _value(found: CustomerValue, settings: TreasurySettings) -> None:
    """The derived figures of one row (or of the total) from its sums."""
    found.revenue = _money(found.invoiced - found.credited)
    uncosted = found.invoiced - found.costed_revenue
    assumed = uncosted * settings.assumed_margin_percent / 100
    found.gross_margin = _money(found.costed_revenue - found.cost + assumed - found.credited)
    found.cost_to_collect = _money(
        found.reminders * settings.reminder_cost + found.contacts * settings.contact_cost
    )
    yearly = float(settings.financing_rate_percent) / 100
    found.financing_cost = _money(Decimal(str(found.money_days * yearly / DAYS_A_YEAR)))
    found.contribution = found.gross_margin - found.cost_to_collect - found.financing_cost


SUMMED = (
    "invoiced",
    "costed_revenue",
    "cost",
    "credited",
    "reminders",
    "contacts",
    "money_days",
    "money",
)


def _total(rows: list[CustomerValue], settings: TreasurySettings) -> CustomerValue:
    total = CustomerValue(0, "")
    sums: dict[str, Any] = defaultdict(int)
    for found in rows:
        for name in SUMMED:
            sums[name] += getattr(found, name)
    for name, value in sums.items():
        setattr(total, name, value)
    _value(total, settings)
    return total


def _rank(rows: list[CustomerValue], total: CustomerValue) -> None:
    """Ranks by revenue and by contribution, and the verdict against the company's rate."""
    for n, found in enumerate(sorted(rows, key=lambda r: (-r.revenue, r.customer_id)), 1):
        found.revenue_rank = n
    for n, found in enumerate(sorted(rows, key=lambda r: (-r.contribution, r.customer_id)), 1):
        found.value_rank = n
    company = total.contribution_percent
    for found in rows:
        own = found.contribution_percent
        if found.contribution < 0:
            found.verdict = Verdict.LOSES_MONEY
        elif company is not None and company > 0 and (own is None or own < company / 2):
            found.verdict = Verdict.THIN
        else:
            found.verdict = Verdict.MAKES_MONEY


def _sorted(rows: list[CustomerValue], sort: str) -> list[CustomerValue]:
    figure = SORTS[sort][1]
    return sorted(rows, key=lambda r: (-figure(r), r.customer_id))
