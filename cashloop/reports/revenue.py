"""Revenue analytics (decision 063): revenue recognised, invoiced and collected, and the
contracted backlog, by a dimension and by period, compared with the period before and
the same period a year earlier, with the documents behind every figure.

Every amount is in the base currency:

* Recognised: the ledger's postings to revenue accounts (account type "revenue"), credit
  positive, dated by their entry: invoices of lines recognised at invoicing, the monthly
  recognition run, credit notes taking revenue back.  A line names its customer, or the
  entry does on another line (an invoice's receivable).
* Invoiced: the net amount of issued invoices (not drafts, not cancelled) at the
  invoice's rate by invoice date, less the net amount of credit notes at theirs by their
  date; the same expressions as customer value (`cashloop.treasury.value`).
* Collected: payments applied to invoices (open-item rows with a payment, un-applying
  rows negative) at the invoice's rate, by the row's date, as collection performance.
* Backlog: a stock, not a flow: as of a day, the net amount of the lines of contracts
  signed by then and not yet closed then (active, or completed or terminated later), less
  what their invoices issued by then billed of those lines, at the contract's rate; of a
  migrated contract, less what the old system billed before (decision 068).

Dimensions: the customer, its group, its owner (rep), its team, its country (region);
the product of a contract line and its family (invoiced and backlog only: payments and
ledger postings do not name products); or the period itself.  A period range is snapped
to whole months, quarters or years; the previous period is as many of them just before,
the year before the same range twelve months earlier.

Cost: one grouped statement per source of the measure (invoice lines and credit notes for
invoiced, one for the others; two for backlog), grouped by (dimension, month) over the
three windows at once, whatever the number of documents; then one query for the names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from operator import attrgetter
from typing import Any

from babel import Locale
from django.db.models import (
    Case,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cashloop.contracts.choices import ContractStatus, PlanItemStatus
from cashloop.contracts.models import Contract, ContractLine, PlanItem
from cashloop.core.dates import add_months, month_end, month_start
from cashloop.core.errors import DomainError
from cashloop.core.money import base_currency, quantize
from cashloop.core.scoping import ALL, object_type_of, require
from cashloop.core.verify import money_exact
from cashloop.cpq.models import Product, ProductFamily
from cashloop.customers.models import Customer, CustomerGroup
from cashloop.identity.models import Team, User
from cashloop.ledger.choices import AccountType
from cashloop.ledger.models import JournalEntry, JournalLine
from cashloop.receivables.models import Allocation, CreditNote, Invoice, InvoiceLine, Payment
from cashloop.reports.errors import ReportError
from cashloop.reports.selectors import parse_date
from cashloop.treasury.value import MONEY, credit_note_revenue, line_revenue, not_sold

ZERO = Decimal(0)
MAX_MONTHS = 120
DEFAULT_MONTHS = 12
NONE_KEY = "none"


class Measure(StrEnum):
    RECOGNISED = "recognised"
    INVOICED = "invoiced"
    COLLECTED = "collected"
    BACKLOG = "backlog"


class Dimension(StrEnum):
    CUSTOMER = "customer"
    CUSTOMER_GROUP = "customer_group"
    PRODUCT = "product"
    PRODUCT_FAMILY = "product_family"
    REP = "rep"
    TEAM = "team"
    REGION = "region"
    PERIOD = "period"


class Grain(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class Compare(StrEnum):
    BOTH = "both"
    PREVIOUS = "previous"
    YEAR = "year"
    NONE = "none"


MEASURE_LABELS = {
    Measure.RECOGNISED: _("Recognised"),
    Measure.INVOICED: _("Invoiced"),
    Measure.COLLECTED: _("Collected"),
    Measure.BACKLOG: _("Contracted backlog"),
}
DIMENSION_LABELS = {
    Dimension.CUSTOMER: _("Customer"),
    Dimension.CUSTOMER_GROUP: _("Customer group"),
    Dimension.PRODUCT: _("Product"),
    Dimension.PRODUCT_FAMILY: _("Product family"),
    Dimension.REP: _("Sales rep"),
    Dimension.TEAM: _("Team"),
    Dimension.REGION: _("Region"),
    Dimension.PERIOD: _("Period"),
}
GRAIN_LABELS = {Grain.MONTH: _("Month"), Grain.QUARTER: _("Quarter"), Grain.YEAR: _("Year")}
COMPARE_LABELS = {
    Compare.BOTH: _("Previous period and year before"),
    Compare.PREVIOUS: _("Previous period"),
    Compare.YEAR: _("Same period a year before"),
    Compare.NONE: _("No comparison"),
}
NONE_LABELS = {
    Dimension.CUSTOMER: _("No customer"),
    Dimension.CUSTOMER_GROUP: _("No group"),
    Dimension.PRODUCT: _("No product"),
    Dimension.PRODUCT_FAMILY: _("No family"),
    Dimension.REP: _("No owner"),
    Dimension.TEAM: _("No team"),
    Dimension.REGION: _("No country"),
}
GRAIN_MONTHS = {Grain.MONTH: 1, Grain.QUARTER: 3, Grain.YEAR: 12}
PRODUCT_DIMENSIONS = (Dimension.PRODUCT, Dimension.PRODUCT_FAMILY)
# The customer's field each customer dimension groups by ("pk": the customer itself).
CUSTOMER_FIELDS = {
    Dimension.CUSTOMER: "pk",
    Dimension.CUSTOMER_GROUP: "group",
    Dimension.REP: "owner",
    Dimension.TEAM: "team",
    Dimension.REGION: "country",
}
# Contracts that hold backlog: signed and activated; a closed one only until it closed.
BACKLOG_STATUSES = (ContractStatus.ACTIVE, ContractStatus.COMPLETED, ContractStatus.TERMINATED)


@dataclass(frozen=True)
class Window:
    """A range of days, both included."""

    start: date
    end: date

    def months(self) -> list[date]:
        found, month = [], month_start(self.start)
        while month <= self.end:
            found.append(month)
            month = add_months(month, 1)
        return found

    def shifted(self, months: int) -> Window:
        return Window(add_months(self.start, months), month_end(add_months(self.end, months)))


@dataclass(frozen=True)
class RevenueParams:
    measure: Measure
    dimension: Dimension
    grain: Grain
    window: Window
    compare: Compare

    @property
    def span(self) -> int:
        """Months in the window (whole grains)."""
        return len(self.window.months())

    @property
    def previous(self) -> Window:
        return self.window.shifted(-self.span)

    @property
    def year_before(self) -> Window:
        return self.window.shifted(-12)

    def periods(self) -> list[Window]:
        """The window's months, quarters or years."""
        step = GRAIN_MONTHS[self.grain]
        months = self.window.months()
        return [
            Window(months[n], month_end(months[min(n + step, len(months)) - 1]))
            for n in range(0, len(months), step)
        ]

    def period_label(self, period: Window) -> str:
        if self.grain == Grain.YEAR:
            return f"{period.start:%Y}"
        if self.grain == Grain.QUARTER:
            return f"{period.start:%Y} Q{(period.start.month - 1) // 3 + 1}"
        return f"{period.start:%Y-%m}"

    def query(self) -> dict[str, str]:
        return {
            "measure": self.measure.value,
            "dimension": self.dimension.value,
            "grain": self.grain.value,
            "from": self.window.start.isoformat(),
            "to": self.window.end.isoformat(),
            "compare": self.compare.value,
        }


def _choice(enum: type[StrEnum], value: str | None, error: ReportError, default: Any) -> Any:
    if value is None or value == "":
        return default
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        raise DomainError(error, value=value) from None


def _grain_start(day: date, grain: Grain) -> date:
    step = GRAIN_MONTHS[grain]
    return date(day.year, (day.month - 1) // step * step + 1, 1)


def revenue_params(
    *,
    measure: str | None = None,
    dimension: str | None = None,
    grain: str | None = None,
    date_from: date | str | None = None,
    date_to: date | str | None = None,
    compare: str | None = None,
    today: date | None = None,
) -> RevenueParams:
    """The report's parameters as typed; the range is widened to whole grains.

    Default: invoiced by customer, by month over the last 12 months to today, compared
    with both the previous period and the year before.  Bad values answer 422 with
    `report.bad_measure`, `bad_dimension`, `bad_grain`, `bad_compare`, `bad_date`,
    `bad_range`, `period_too_long` or `dimension_unavailable`.
    """
    chosen_measure = _choice(Measure, measure, ReportError.BAD_MEASURE, Measure.INVOICED)
    chosen_dimension = _choice(Dimension, dimension, ReportError.BAD_DIMENSION, Dimension.CUSTOMER)
    chosen_grain = _choice(Grain, grain, ReportError.BAD_GRAIN, Grain.MONTH)
    chosen_compare = _choice(Compare, compare, ReportError.BAD_COMPARE, Compare.BOTH)
    dimension_check(chosen_measure, chosen_dimension)
    end = parse_date(date_to, field="to", default=today or timezone.localdate())
    start = parse_date(
        date_from, field="from", default=add_months(month_start(end), -(DEFAULT_MONTHS - 1))
    )
    if start > end:
        raise DomainError(ReportError.BAD_RANGE)
    step = GRAIN_MONTHS[chosen_grain]
    window = Window(
        _grain_start(start, chosen_grain),
        month_end(add_months(_grain_start(end, chosen_grain), step - 1)),
    )
    if len(window.months()) > MAX_MONTHS:
        raise DomainError(ReportError.PERIOD_TOO_LONG, most=MAX_MONTHS)
    return RevenueParams(chosen_measure, chosen_dimension, chosen_grain, window, chosen_compare)


def dimension_check(measure: Measure, dimension: Dimension) -> None:
    """Products are named by invoice and contract lines only."""
    if dimension in PRODUCT_DIMENSIONS and measure in (Measure.RECOGNISED, Measure.COLLECTED):
        raise DomainError(
            ReportError.DIMENSION_UNAVAILABLE,
            measure=MEASURE_LABELS[measure],
            dimension=DIMENSION_LABELS[dimension],
        )


# --- where each measure's amounts come from -------------------------------------------------


@dataclass(frozen=True)
class _Source:
    """Rows that carry a measure: a dated amount, a customer, perhaps a product, and the
    document it belongs to (what the drill-down lists)."""

    kind: str
    rows: Callable[[], QuerySet[Any]]
    date: str
    amount: Any
    customer: str  # the path to the customer, or "who" (an annotation) for ledger lines
    document: str
    product: str | None = None

    def customer_field(self, name: str) -> Any:
        if self.customer == "who":
            if name == "pk":
                return F("who")
            return Subquery(Customer.objects.filter(pk=OuterRef("who")).values(name)[:1])
        return F(self.customer) if name == "pk" else F(f"{self.customer}__{name}")

    def key(self, dimension: Dimension) -> Any:
        if dimension in PRODUCT_DIMENSIONS:
            if self.product is None:
                return Value(None, output_field=IntegerField())
            return F(self.product if dimension == Dimension.PRODUCT else f"{self.product}__family")
        return self.customer_field(CUSTOMER_FIELDS[dimension])


def _ledger_lines() -> QuerySet[Any]:
    """Postings to revenue accounts, with the customer they name or their entry names."""
    entry_customer = (
        JournalLine.objects.filter(entry_id=OuterRef("entry_id"), customer__isnull=False)
        .order_by()
        .values("customer_id")[:1]
    )
    return JournalLine.objects.filter(account__type=AccountType.REVENUE).annotate(
        who=Coalesce(F("customer_id"), Subquery(entry_customer), output_field=IntegerField())
    )


SOURCES: dict[Measure, tuple[_Source, ...]] = {
    Measure.RECOGNISED: (
        _Source(
            kind="journal_entry",
            rows=_ledger_lines,
            date="entry__date",
            amount=-F("base_amount"),
            customer="who",
            document="entry_id",
        ),
    ),
    Measure.INVOICED: (
        _Source(
            kind="invoice",
            rows=lambda: InvoiceLine.objects.exclude(not_sold("invoice__")),
            date="invoice__issue_date",
            amount=line_revenue(),
            customer="invoice__customer",
            document="invoice_id",
            product="contract_line__product",
        ),
        _Source(
            kind="credit_note",
            rows=lambda: CreditNote.objects.all(),
            date="date",
            amount=-credit_note_revenue(),
            customer="customer",
            document="pk",
        ),
    ),
    Measure.COLLECTED: (
        _Source(
            kind="payment",
            rows=lambda: Allocation.objects.filter(payment__isnull=False),
            date="date",
            amount=F("base_amount"),
            customer="installment__invoice__customer",
            document="payment_id",
        ),
    ),
}
# What the old system billed of a migrated contract before it came over (decision 068):
# billed, not backlog, though no invoice line of Cashloop bills it.
_BILLED_BEFORE = Coalesce(
    Subquery(
        PlanItem.objects.filter(
            contract=OuterRef("contract_id"), status=PlanItemStatus.BILLED_BEFORE
        )
        .order_by()
        .values("contract")
        .annotate(total=Sum("amount"))
        .values("total"),
        output_field=MONEY,
    ),
    Value(0, output_field=MONEY),
)
CONTRACT_LINES = _Source(
    kind="contract",
    rows=lambda: ContractLine.objects.filter(contract__status__in=BACKLOG_STATUSES).annotate(
        billed_before=_BILLED_BEFORE
    ),
    date="contract__signing_date",
    # A line's part of what was billed before is in proportion to the contract's total.
    amount=Case(
        When(billed_before=0, then=F("net") * F("contract__rate")),
        default=F("net")
        * (F("contract__total") - F("billed_before"))
        / F("contract__total")
        * F("contract__rate"),
        output_field=MONEY,
    ),
    customer="contract__customer",
    document="contract_id",
    product="product",
)
BILLED_LINES = _Source(
    kind="contract",
    rows=lambda: InvoiceLine.objects.filter(
        contract_line__contract__status__in=BACKLOG_STATUSES
    ).exclude(not_sold("invoice__")),
    date="invoice__issue_date",
    amount=-F("net") * F("contract_line__contract__rate"),
    customer="invoice__customer",
    document="contract_line__contract_id",
    product="contract_line__product",
)


def _customers(user: User) -> QuerySet[Customer] | None:
    """The customers the user may see; None when that is every one (and the rows naming
    no customer, such as manual revenue entries)."""
    require(user, "view", Invoice)
    if user.data_scope(object_type_of(Customer), "view") == ALL:
        return None
    return Customer.objects.restrict(user, "view").order_by().values("pk")  # type: ignore[return-value]


def _scoped(source: _Source, customers: QuerySet[Customer] | None) -> QuerySet[Any]:
    rows = source.rows()
    if customers is None:
        return rows
    path = "who" if source.customer == "who" else source.customer
    return rows.filter(**{f"{path}__in": customers})


def _total(expression: Any) -> Any:
    return money_exact(Sum(expression, output_field=MONEY))


def _in_backlog(contract: str, on: date) -> Q:
    """A contract (at the path) holds backlog on the day: signed by then, open then."""
    signed = Q(**{f"{contract}__signing_date__lte": on}) | Q(
        **{f"{contract}__signing_date__isnull": True, f"{contract}__start_date__lte": on}
    )
    still_open = Q(**{f"{contract}__status": ContractStatus.ACTIVE}) | Q(
        **{f"{contract}__closed_at__date__gt": on}
    )
    return signed & still_open


def _backlog_at(source: _Source, on: date) -> Q:
    if source is CONTRACT_LINES:
        return _in_backlog("contract", on)
    return _in_backlog("contract_line__contract", on) & Q(invoice__issue_date__lte=on)


# key -> month -> amount (flows), or key -> day -> amount (backlog as of the day)
_Grid = dict[Any, dict[date, Decimal]]


def _flows(params: RevenueParams, customers: Any, months: Window) -> _Grid:
    """Per dimension value and month, the measure over `months`: a statement per source."""
    grid: _Grid = defaultdict(lambda: defaultdict(Decimal))
    for source in SOURCES[params.measure]:
        rows = _scoped(source, customers).filter(
            **{f"{source.date}__range": (months.start, months.end)}
        )
        keys: dict[str, Any] = {"month": TruncMonth(source.date)}
        if params.dimension != Dimension.PERIOD:
            keys["key"] = source.key(params.dimension)
        for row in rows.order_by().values(**keys).annotate(amount=_total(source.amount)):
            month = row["month"]
            if not isinstance(month, date):  # SQLite may answer with a string
                month = date.fromisoformat(str(month)[:10])
            grid[row.get("key")][month_start(month)] += row["amount"] or ZERO
    return grid


def _stocks(params: RevenueParams, customers: Any, days: Iterable[date]) -> _Grid:
    """Per dimension value, the backlog as of each day: a statement per source, a column
    per day."""
    days = sorted(set(days))
    grid: _Grid = defaultdict(lambda: defaultdict(Decimal))
    for source in (CONTRACT_LINES, BILLED_LINES):
        sums = {
            f"d{n}": _total(
                Case(
                    When(_backlog_at(source, day), then=source.amount),
                    default=Value(ZERO),
                    output_field=MONEY,
                )
            )
            for n, day in enumerate(days)
        }
        rows = _scoped(source, customers)
        keys = {} if params.dimension == Dimension.PERIOD else {"key": source.key(params.dimension)}
        for row in rows.order_by().values(**keys).annotate(**sums):
            for n, day in enumerate(days):
                grid[row.get("key")][day] += row[f"d{n}"] or ZERO
    return grid


# --- the report -------------------------------------------------------------------------


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part / abs(whole) * 100).quantize(Decimal("0.1"))


@dataclass
class RevenueRow:
    """A dimension value (or a period) with its figure now, before, a year before."""

    key: Any
    label: str
    current: Decimal = ZERO
    previous: Decimal = ZERO
    year_before: Decimal = ZERO
    window: Window | None = None  # a period row's own period
    series: list[Decimal] = field(default_factory=list)  # per period of the window

    @property
    def key_text(self) -> str:
        """The key as the drill-down takes it."""
        if self.key is None:
            return NONE_KEY
        return self.key.isoformat() if isinstance(self.key, date) else str(self.key)

    @property
    def delta_previous(self) -> Decimal:
        return self.current - self.previous

    @property
    def percent_previous(self) -> Decimal | None:
        return _percent(self.delta_previous, self.previous)

    @property
    def delta_year(self) -> Decimal:
        return self.current - self.year_before

    @property
    def percent_year(self) -> Decimal | None:
        return _percent(self.delta_year, self.year_before)


@dataclass
class RevenueReport:
    params: RevenueParams
    currency: str
    periods: list[Window]
    rows: list[RevenueRow]
    total: RevenueRow
    row_count: int

    def windows(self, row: RevenueRow) -> dict[str, Window]:
        """The ranges of a row's three figures (what their drill-downs read)."""
        if row.window is not None:
            return {
                "current": row.window,
                "previous": Window(
                    add_months(row.window.start, -GRAIN_MONTHS[self.params.grain]),
                    row.window.start - timedelta(days=1),
                ),
                "year_before": row.window.shifted(-12),
            }
        return {
            "current": self.params.window,
            "previous": self.params.previous,
            "year_before": self.params.year_before,
        }


def _has(model: Any, name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


def dimension_labels(dimension: Dimension, keys: Iterable[Any]) -> dict[Any, str]:
    """The names of the dimension's values, in the language of the request."""
    wanted = [k for k in keys if k is not None]
    english = (get_language() or "").startswith("en")
    if not wanted:
        return {}
    if dimension == Dimension.REGION:
        territories = Locale.parse("en" if english else "zh_Hans").territories
        return {k: territories.get(k, k) for k in wanted}
    if dimension == Dimension.REP:
        return {u.pk: str(u) for u in User.objects.filter(pk__in=wanted)}
    models: dict[Dimension, Any] = {
        Dimension.CUSTOMER: Customer,
        Dimension.CUSTOMER_GROUP: CustomerGroup,
        Dimension.PRODUCT: Product,
        Dimension.PRODUCT_FAMILY: ProductFamily,
        Dimension.TEAM: Team,
    }
    model = models[dimension]
    fields = ["pk", "name", *(["name_en"] if english and _has(model, "name_en") else [])]
    return {
        pk: (english and rest and rest[0]) or name
        for pk, name, *rest in model.objects.filter(pk__in=wanted).values_list(*fields)
    }


def _round(currency: str, *rows: RevenueRow) -> None:
    # `quantize` of core.money, with the exponent worked out once for the many figures.
    exponent = quantize(Decimal(1), currency)
    for row in rows:
        row.current = row.current.quantize(exponent, rounding=ROUND_HALF_UP)
        row.previous = row.previous.quantize(exponent, rounding=ROUND_HALF_UP)
        row.year_before = row.year_before.quantize(exponent, rounding=ROUND_HALF_UP)
        row.series = [v.quantize(exponent, rounding=ROUND_HALF_UP) for v in row.series]


def revenue_report(*, user: User, params: RevenueParams, limit: int | None = None) -> RevenueReport:
    """The measure by the dimension over the window, the previous period and the year
    before, with a series per period of the window; the `limit` largest rows (all when
    None), and the total of every row.  Only the customers the user may see."""
    customers = _customers(user)
    periods = params.periods()
    step = GRAIN_MONTHS[params.grain]
    is_period = params.dimension == Dimension.PERIOD
    # Read back only as far as the comparisons asked for need.
    starts = [params.window.start]
    if params.compare in (Compare.BOTH, Compare.PREVIOUS):
        starts.append(
            add_months(params.window.start, -step) if is_period else params.previous.start
        )
    if params.compare in (Compare.BOTH, Compare.YEAR):
        starts.append(params.year_before.start)
    earliest = min(starts)
    if params.measure == Measure.BACKLOG:
        days = {params.window.end, params.previous.end, params.year_before.end}
        for p in periods:
            days |= {p.end, p.start - timedelta(days=1), p.shifted(-12).end}
        grid = _stocks(params, customers, days)

        def figure(cells: dict[date, Decimal], window: Window) -> Decimal:
            return cells.get(window.end, ZERO)

        def series(cells: dict[date, Decimal]) -> list[Decimal]:
            return [cells.get(p.end, ZERO) for p in periods]

    else:
        grid = _flows(params, customers, Window(earliest, params.window.end))

        spans: dict[Window, list[date]] = {}  # each window's months, worked out once

        def figure(cells: dict[date, Decimal], window: Window) -> Decimal:
            if window not in spans:
                spans[window] = window.months()
            return sum((cells[m] for m in spans[window] if m in cells), ZERO)

        period_months = [p.months() for p in periods]

        def series(cells: dict[date, Decimal]) -> list[Decimal]:
            return [sum((cells[m] for m in ms if m in cells), ZERO) for ms in period_months]

    currency = base_currency()
    everything: dict[date, Decimal] = defaultdict(Decimal)
    for cells in grid.values():
        for day, amount in cells.items():
            everything[day] += amount

    report = RevenueReport(params, currency, periods, [], RevenueRow(None, ""), 0)
    common = report.windows(report.total)  # a dimension's rows all read the same windows

    def filled(row: RevenueRow, cells: dict[date, Decimal]) -> RevenueRow:
        windows = common if row.window is None else report.windows(row)
        row.current = figure(cells, windows["current"])
        row.previous = figure(cells, windows["previous"])
        row.year_before = figure(cells, windows["year_before"])
        return row

    def with_series(row: RevenueRow, cells: dict[date, Decimal]) -> None:
        row.series = series(cells)

    if is_period:
        rows = [
            filled(RevenueRow(p.start, params.period_label(p), window=p), everything)
            for p in periods
        ]
    else:
        rows = [filled(RevenueRow(key, ""), cells) for key, cells in grid.items()]
        rows = [r for r in rows if r.current or r.previous or r.year_before]
        rows.sort(key=lambda r: (-r.current, -r.previous, str(r.key)))
    report.total = filled(RevenueRow(None, ""), everything)
    with_series(report.total, everything)
    report.row_count = len(rows)
    shown = rows if limit is None else rows[:limit]
    for row in shown:  # the series only of the rows shown: the chart draws no others
        with_series(row, everything if is_period else grid[row.key])
    if not is_period:
        names = dimension_labels(params.dimension, (r.key for r in shown))
        for row in shown:
            row.label = names.get(row.key, str(row.key)) if row.key is not None else ""
    _round(currency, report.total, *shown)
    report.rows = shown
    return report


# --- the drill-down ---------------------------------------------------------------------


@dataclass
class RevenueDocument:
    kind: str
    id: int
    number: str
    date: date | None
    customer: str
    amount: Decimal
    url: str


@dataclass
class RevenueDocuments:
    measure: Measure
    dimension: Dimension
    key: Any
    window: Window
    currency: str
    total: Decimal
    count: int
    rows: list[RevenueDocument]


def parse_key(dimension: Dimension, value: str | None) -> tuple[bool, Any]:
    """(whether a value was given, the value: None for "none") of the drill-down's key."""
    if value is None or value == "" or dimension == Dimension.PERIOD:
        return False, None
    if value == NONE_KEY:
        return True, None
    if dimension == Dimension.REGION:
        if len(value) == 2 and value.isascii() and value.isalpha():
            return True, value.upper()
    elif value.isascii() and value.isdigit() and len(value) <= 18:  # fits a bigint
        return True, int(value)
    raise DomainError(ReportError.BAD_KEY, value=value, dimension=dimension.value)


# A kind of document: its model, its number and date, and its page.
_DOCUMENT_KINDS: dict[str, tuple[Any, Callable[[Any], str], Callable[[Any], date | None], str]] = {
    "invoice": (
        Invoice,
        attrgetter("number"),
        attrgetter("issue_date"),
        "receivables:invoice_detail",
    ),
    "credit_note": (
        CreditNote,
        attrgetter("number"),
        attrgetter("date"),
        "receivables:credit_note_detail",
    ),
    "payment": (Payment, attrgetter("number"), attrgetter("date"), "receivables:payment_detail"),
    "contract": (
        Contract,
        lambda c: c.number or c.title,
        lambda c: c.signing_date or c.start_date,
        "contracts:detail",
    ),
}


def _documents(kind: str, ids: list[int]) -> dict[int, tuple[str, date | None, str, str]]:
    """id -> (number, date, customer's name, link) of the documents of a kind."""
    if not ids:
        return {}
    if kind in _DOCUMENT_KINDS:
        model, number, day, page = _DOCUMENT_KINDS[kind]
        rows = model.objects.filter(pk__in=ids).select_related("customer")
        return {
            row.pk: (number(row), day(row), row.customer.name, reverse(page, args=[row.pk]))
            for row in rows
        }
    entries = JournalEntry.objects.filter(pk__in=ids)
    return {
        e.pk: (e.number, e.date, e.source_repr, reverse("ledger:entry_detail", args=[e.pk]))
        for e in entries
    }


def revenue_documents(
    *,
    user: User,
    measure: str | None = None,
    dimension: str | None = None,
    key: str | None = None,
    date_from: date | str | None = None,
    date_to: date | str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> RevenueDocuments:
    """The documents that make a figure of the report: the measure for one value of the
    dimension (every value when no key) from `from` to `to`, both included, each with its
    part of the figure; they sum to the figure.  Backlog lists the contracts as of `to`.
    Largest first."""
    chosen_measure = _choice(Measure, measure, ReportError.BAD_MEASURE, Measure.INVOICED)
    chosen_dimension = _choice(Dimension, dimension, ReportError.BAD_DIMENSION, Dimension.CUSTOMER)
    dimension_check(chosen_measure, chosen_dimension)
    keyed, value = parse_key(chosen_dimension, key)
    end = parse_date(date_to, field="to", default=timezone.localdate())
    start = parse_date(date_from, field="from", default=month_start(end))
    if start > end:
        raise DomainError(ReportError.BAD_RANGE)
    customers = _customers(user)
    if chosen_measure == Measure.BACKLOG:
        sources: tuple[_Source, ...] = (CONTRACT_LINES, BILLED_LINES)
    else:
        sources = SOURCES[chosen_measure]
    parts: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for source in sources:
        rows = _scoped(source, customers)
        if chosen_measure == Measure.BACKLOG:
            rows = rows.filter(_backlog_at(source, end))
        else:
            rows = rows.filter(**{f"{source.date}__range": (start, end)})
        if keyed:
            rows = rows.alias(cell=source.key(chosen_dimension))
            rows = rows.filter(cell__isnull=True) if value is None else rows.filter(cell=value)
        for row in (
            rows.order_by().values(doc=F(source.document)).annotate(amount=_total(source.amount))
        ):
            parts[(source.kind, row["doc"])] += row["amount"] or ZERO
    currency = base_currency()
    amounts = {k: quantize(v, currency) for k, v in parts.items() if v}
    ordered = sorted(amounts.items(), key=lambda item: (-item[1], item[0]))
    page = ordered[offset : offset + limit]
    details: dict[str, dict[int, tuple[str, date | None, str, str]]] = {}
    for kind in {k for (k, _pk), _amount in page}:
        details[kind] = _documents(kind, [pk for (k, pk), _amount in page if k == kind])
    rows_out = []
    for (kind, pk), amount in page:
        number, day, customer, url = details[kind][pk]
        rows_out.append(RevenueDocument(kind, pk, number, day, customer, amount, url))
    return RevenueDocuments(
        measure=chosen_measure,
        dimension=chosen_dimension,
        key=value if keyed else "",
        window=Window(start, end),
        currency=currency,
        total=quantize(sum(parts.values(), ZERO), currency),
        count=len(ordered),
        rows=rows_out,
    )
