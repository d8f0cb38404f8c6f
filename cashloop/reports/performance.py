"""Reads of collection performance: per collector and per sales rep, over a period and by
month (decision 052).

Every amount is in the base currency, at the invoice's rate (`base_amount` of
installments and open-item rows), so customers in several currencies add up.  For a
group of customers (a collector's, a rep's) and a period P = [from, to]:

* Collected: the open-item rows of payments (`Allocation` with a payment: payments
  applied, less those un-applied) dated in P.  Credit notes, write-offs and discounts
  lower the receivables but are not collected money.
* CEI, the collection effectiveness index, by its standard formula:

      CEI = (opening AR + credit sales − closing AR)
            / (opening AR + credit sales − closing current AR) × 100

  opening AR: the receivables as of the day before P (issued installments less their
  rows dated before P); credit sales: the installments of invoices issued in P; closing
  AR: the receivables as of the last day of P; closing current AR: the part of it not yet
  due then (due on or after that day, as the aging counts it).  The numerator is what
  was cleared in P (every row: collections, credit notes, write-offs); the denominator
  what could have been, leaving out what was not due yet.  100 is perfect; none when the
  denominator is zero (nothing was collectable).
* Promises kept rate: kept / (kept + broken) of the promises resolved in P.
* Days to collect after the first reminder: per installment settled in P (no residual
  left; the date of its last row), from the run date of its first dunning message to that
  date, averaged.

A collector's customers are those whose dunning settings (`CustomerDunning.collector`)
name them; a rep's are those they own.  The months are the calendar months of P, the first
and last cut to P; each has the same figures, a month's opening AR being the previous
month's closing.

Cost: a constant number of queries whatever the rows (the scope's customers are a
subquery): one aggregate over installments, one over open-item rows, one over promises,
one over settled installments, and one for the names; each groups by (rep, collector,
month), so what comes back follows the people and the months, not the invoices.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Count,
    DateField,
    DurationField,
    F,
    Max,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cashloop.collections.choices import PromiseStatus
from cashloop.collections.models import DunningLogItem, PaymentPromise
from cashloop.core.dates import add_months, month_end, month_start
from cashloop.core.errors import DomainError
from cashloop.core.money import base_currency, quantize
from cashloop.core.scoping import ALL, object_type_of, require
from cashloop.core.verify import money_sum
from cashloop.customers.models import Customer
from cashloop.identity.models import User
from cashloop.receivables.models import Allocation, Installment, Invoice
from cashloop.reports.errors import ReportError
from cashloop.reports.selectors import NOT_OPEN, parse_date

DEFAULT_MONTHS = 12
MAX_MONTHS = 36
COLLECTOR, REP = "collector", "rep"
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Month:
    """A calendar month of the period, cut to it: `start` to `end`, both inclusive."""

    start: date
    end: date

    @property
    def key(self) -> str:
        return self.start.strftime("%Y-%m")


def performance_period(
    *, date_from: date | str | None = None, date_to: date | str | None = None
) -> tuple[date, date]:
    """The period typed (API query or page form); default: the last 12 months to today.

    Bad dates are `report.bad_date`, an end before the start `report.bad_period`, more
    than `MAX_MONTHS` months `report.period_too_long` (all 422).
    """
    end = parse_date(date_to, field="to", default=timezone.localdate())
    start = parse_date(
        date_from, field="from", default=add_months(month_start(end), -(DEFAULT_MONTHS - 1))
    )
    if start > end:
        raise DomainError(ReportError.BAD_PERIOD)
    if len(months_of(start, end)) > MAX_MONTHS:
        raise DomainError(ReportError.PERIOD_TOO_LONG, most=MAX_MONTHS)
    return start, end


def months_of(start: date, end: date) -> list[Month]:
    found, month = [], month_start(start)
    while month <= end:
        found.append(Month(max(month, start), min(month_end(month), end)))
        month = add_months(month, 1)
    return found


@dataclass
class Figures:
    """What a group did in a period (or a month); amounts in the base currency."""

    opening: Decimal = Decimal(0)
    sales: Decimal = Decimal(0)
    cleared: Decimal = Decimal(0)
    closing_current: Decimal = Decimal(0)
    collected: Decimal = Decimal(0)
    kept: int = 0
    broken: int = 0
    settled: int = 0
    settled_days: int = 0

    @property
    def closing(self) -> Decimal:
        return self.opening + self.sales - self.cleared

    @property
    def cei(self) -> Decimal | None:
        """(opening + sales − closing) / (opening + sales − closing current) × 100."""
        collectable = self.opening + self.sales - self.closing_current
        if collectable <= 0:
            return None
        return (self.cleared / collectable * HUNDRED).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def kept_rate(self) -> Decimal | None:
        resolved = self.kept + self.broken
        if not resolved:
            return None
        return (Decimal(self.kept) / resolved * HUNDRED).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def days_to_collect(self) -> Decimal | None:
        if not self.settled:
            return None
        return (Decimal(self.settled_days) / self.settled).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class PerformanceRow:
    """One collector or rep (user None: customers without one) over the period."""

    user_id: int | None
    name: str
    total: Figures
    months: list[Figures]


@dataclass
class Performance:
    date_from: date
    date_to: date
    currency: str
    months: list[Month]
    collectors: list[PerformanceRow] = field(default_factory=list)
    reps: list[PerformanceRow] = field(default_factory=list)
    total: Figures = field(default_factory=Figures)
    monthly: list[Figures] = field(default_factory=list)


# (rep id, collector id) -> month index (-1: before the period) -> figures
_Grid = dict[tuple[int | None, int | None], dict[int, Figures]]


def _customers(user: User) -> QuerySet[Customer] | None:
    """The customers the user may see (a rep: own, a manager: the teams', finance: all);
    None when that is every customer.  Reading takes "view" on invoices, as reports do."""
    require(user, "view", Invoice)
    if user.data_scope(object_type_of(Customer), "view") == ALL:
        return None
    return Customer.objects.restrict(user, "view").order_by().values("pk")  # type: ignore[return-value]


def _scoped(qs: QuerySet[Any], path: str, customers: QuerySet[Customer] | None) -> QuerySet[Any]:
    return qs if customers is None else qs.filter(**{f"{path}__in": customers})


def _keys(path: str) -> dict[str, F]:
    """Group by the customer's owner and its collector (a LEFT JOIN to its dunning row)."""
    return {"rep": F(f"{path}__owner_id"), "collector": F(f"{path}__dunning__collector_id")}


def _receivables(grid: _Grid, months: list[Month], customers: Any) -> None:
    """Opening AR, sales and current AR at each month's end: installments, then their rows."""
    first, last = months[0].start, months[-1].end
    sums: dict[str, Any] = {"before": money_sum("base_amount", invoice__issue_date__lt=first)}
    rows: dict[str, Any] = {"before": money_sum("base_amount", date__lt=first)}
    for n, m in enumerate(months):
        sums[f"sales{n}"] = money_sum("base_amount", invoice__issue_date__range=(m.start, m.end))
        sums[f"current{n}"] = money_sum(
            "base_amount", invoice__issue_date__lte=m.end, due_date__gte=m.end
        )
        rows[f"cleared{n}"] = money_sum("base_amount", date__range=(m.start, m.end))
        rows[f"collected{n}"] = money_sum(
            "base_amount", date__range=(m.start, m.end), payment__isnull=False
        )
        rows[f"current{n}"] = money_sum(
            "base_amount",
            date__lte=m.end,
            installment__due_date__gte=m.end,
            installment__invoice__issue_date__lte=m.end,
        )
    installments = _scoped(
        Installment.objects.exclude(invoice__status__in=NOT_OPEN).filter(
            invoice__issue_date__lte=last
        ),
        "invoice__customer",
        customers,
    )
    for row in installments.order_by().values(**_keys("invoice__customer")).annotate(**sums):
        cells = grid[(row["rep"], row["collector"])]
        cells[-1].opening += row["before"]
        for n in range(len(months)):
            cells[n].sales += row[f"sales{n}"]
            cells[n].closing_current += row[f"current{n}"]
    allocations = _scoped(
        Allocation.objects.exclude(installment__invoice__status__in=NOT_OPEN).filter(
            date__lte=last
        ),
        "installment__invoice__customer",
        customers,
    )
    for row in (
        allocations.order_by().values(**_keys("installment__invoice__customer")).annotate(**rows)
    ):
        cells = grid[(row["rep"], row["collector"])]
        cells[-1].opening -= row["before"]
        for n in range(len(months)):
            cells[n].cleared += row[f"cleared{n}"]
            cells[n].collected += row[f"collected{n}"]
            cells[n].closing_current -= row[f"current{n}"]


def _month_index(months: list[Month]) -> dict[date, int]:
    return {month_start(m.start): n for n, m in enumerate(months)}


def _promises(grid: _Grid, months: list[Month], customers: Any) -> None:
    index = _month_index(months)
    promises = _scoped(
        PaymentPromise.objects.filter(
            status__in=(PromiseStatus.KEPT, PromiseStatus.BROKEN),
            resolved_on__range=(months[0].start, months[-1].end),
        ),
        "customer",
        customers,
    )
    for row in (
        promises.order_by()
        .values(**_keys("customer"), month=TruncMonth("resolved_on"), state=F("status"))
        .annotate(n=Count("pk"))
    ):
        cell = grid[(row["rep"], row["collector"])][index[month_start(row["month"])]]
        if row["state"] == PromiseStatus.KEPT:
            cell.kept += row["n"]
        else:
            cell.broken += row["n"]


def _days_to_collect(grid: _Grid, months: list[Month], customers: Any) -> None:
    """Installments settled in the period after a reminder: days from the first reminder."""
    index = _month_index(months)
    first_reminder = (
        DunningLogItem.objects.filter(installment=OuterRef("pk"))
        .order_by()
        .values("installment")
        .annotate(day=Min("log__run_date"))
        .values("day")
    )
    settled_on = (
        Allocation.objects.filter(installment=OuterRef("pk"))
        .order_by()
        .values("installment")
        .annotate(day=Max("date"))
        .values("day")
    )
    # Only installments that were dunned: the paid history without reminders is not read.
    settled = (
        _scoped(
            Installment.objects.filter(
                residual=0, pk__in=DunningLogItem.objects.values("installment_id")
            ),
            "invoice__customer",
            customers,
        )
        .annotate(
            reminded=Subquery(first_reminder, output_field=DateField()),
            settled=Subquery(settled_on, output_field=DateField()),
        )
        .filter(settled__range=(months[0].start, months[-1].end), reminded__lte=F("settled"))
    )
    for row in (
        settled.order_by()
        .values(**_keys("invoice__customer"), month=TruncMonth("settled"))
        .annotate(
            n=Count("pk"), days=Sum(F("settled") - F("reminded"), output_field=DurationField())
        )
    ):
        cell = grid[(row["rep"], row["collector"])][index[month_start(row["month"])]]
        cell.settled += row["n"]
        cell.settled_days += _days(row["days"])


def _days(value: timedelta | int | None) -> int:
    """A sum of whole days from the database: an interval, or microseconds on SQLite."""
    if value is None:
        return 0
    if isinstance(value, timedelta):
        return value.days
    return int(value) // 86_400_000_000


def _add(into: Figures, part: Figures) -> None:
    for name in (
        "opening",
        "sales",
        "cleared",
        "closing_current",
        "collected",
        "kept",
        "broken",
        "settled",
        "settled_days",
    ):
        setattr(into, name, getattr(into, name) + getattr(part, name))


def _chain(cells: dict[int, Figures], count: int) -> tuple[Figures, list[Figures]]:
    """The period's figures and the months', each month opening with the last's closing."""
    opening = cells[-1].opening
    months = []
    for n in range(count):
        month = Figures()
        _add(month, cells[n])
        month.opening = opening
        opening = month.closing
        months.append(month)
    total = Figures(opening=cells[-1].opening)
    for month in months:
        for name in ("sales", "cleared", "collected", "kept", "broken", "settled", "settled_days"):
            setattr(total, name, getattr(total, name) + getattr(month, name))
    total.closing_current = months[-1].closing_current
    return total, months


def _rows(
    grid: _Grid, count: int, position: int, names: dict[int, str], currency: str
) -> list[PerformanceRow]:
    merged: dict[int | None, dict[int, Figures]] = defaultdict(lambda: defaultdict(Figures))
    for key, cells in grid.items():
        for n, cell in cells.items():
            _add(merged[key[position]][n], cell)
    rows = []
    for user_id, cells in merged.items():
        total, months = _chain(cells, count)
        _round(currency, total, *months)
        rows.append(
            PerformanceRow(user_id, names.get(user_id, "") if user_id else "", total, months)
        )
    rows.sort(key=lambda r: (r.user_id is None, -r.total.collected, r.name))
    return rows


def _round(currency: str, *figures: Figures) -> None:
    for fig in figures:
        for name in ("opening", "sales", "cleared", "closing_current", "collected"):
            setattr(fig, name, quantize(getattr(fig, name), currency))


def collection_performance(
    *, user: User, date_from: date | str | None = None, date_to: date | str | None = None
) -> Performance:
    """Collected, CEI, promises kept rate and days to collect after the first reminder, per
    collector and per rep (only the customers the user may see), for the period and by
    month.  Five queries, whatever the number of invoices, customers or people."""
    start, end = performance_period(date_from=date_from, date_to=date_to)
    months = months_of(start, end)
    customers = _customers(user)
    grid: _Grid = defaultdict(lambda: defaultdict(Figures))
    _receivables(grid, months, customers)
    _promises(grid, months, customers)
    _days_to_collect(grid, months, customers)
    ids = {i for key in grid for i in key if i is not None}
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=ids)} if ids else {}
    currency = base_currency()
    result = Performance(start, end, currency, months)
    result.reps = _rows(grid, len(months), 0, names, currency)
    result.collectors = _rows(grid, len(months), 1, names, currency)
    everyone: _Grid = defaultdict(lambda: defaultdict(Figures))
    for cells in grid.values():
        for n, cell in cells.items():
            _add(everyone[(None, None)][n], cell)
    result.total, result.monthly = _chain(everyone[(None, None)], len(months))
    _round(currency, result.total, *result.monthly)
    return result


def trend_bars(perf: Performance, height: int = 130) -> list[dict[str, Any]]:
    """The page's SVG chart: a bar per month, its height (pixels) the amount collected."""
    top = max((f.collected for f in perf.monthly), default=Decimal(0))
    bars = []
    for month, figures in zip(perf.months, perf.monthly, strict=True):
        bar = int(figures.collected / top * height) if top > 0 and figures.collected > 0 else 0
        bars.append(
            {
                "month": month,
                "figures": figures,
                "height": bar,
                "top": 15 + height - bar,
                "label_y": 11 + height - bar,
            }
        )
    return bars
