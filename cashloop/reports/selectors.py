"""Reads of AR reports: aging (by customer, and by installment) and AR KPIs, as of a date.

Every figure is "as of D" (ARCHITECTURE.md, money rule 8: a past date gives the same
answer whenever it is asked), from the open-item ledger of receivables:

* An installment is an open item once its invoice is neither a draft nor cancelled and
  was issued on or before D.  Its residual as of D is its amount less the signed
  open-item rows (`Allocation`) against it dated on or before D: payments and credit
  notes applied, write-offs and discounts reduce it; un-applications restore it.
* An advance as of D is what was left of a payment dated on or before D: its amount less
  its rows and its refunds dated on or before D, and all of it once voided on or before D
  (decision 046); a credit note's likewise.  Advances are
  shown beside the buckets, per customer and currency, never netted into them.
* Age in days is D minus the due date (basis "due": an item due on or after D is "not
  yet due", a column of its own and never overdue) or D minus the invoice date (basis
  "invoice": no not-yet-due column).  Amounts stay in the document's currency; a
  customer with items in two currencies has a row per currency.

The summary is one SQL statement (plus a look-up of the shown customers' names): the
residual of each installment as of D in a subquery, summed per customer and currency
with one `CASE WHEN` per bucket, the largest rows and the per-currency totals taken from
the same aggregate.  Sums are rounded to the stored 4 places inside SQL (as
`core.verify.money_exact` does: SQLite adds decimals as binary floats) and quantized to
the currency in Python.

Fast path: when D is today or later and no row (allocation, refund, payment, credit note)
is dated after D, each stored figure (installment residual, customer advance balance)
already *is* the figure as of D, and `cashloop verify` proves it; the report then reads
those instead of summing history, so its cost follows the open items, not the paid ones.
For any earlier date it always sums the rows.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cashloop.core.dates import add_months, month_end, month_start
from cashloop.core.errors import DomainError
from cashloop.core.money import MONEY_DECIMAL_PLACES, base_currency, currency_check, quantize
from cashloop.core.scoping import ALL, object_type_of, require
from cashloop.core.verify import MONEY, money_exact, money_sum
from cashloop.customers.models import Customer
from cashloop.identity.models import Team, User
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
from cashloop.reports.errors import ReportError

DUE, INVOICE = "due", "invoice"
BASES = (DUE, INVOICE)
BASIS_CHOICES = ((DUE, _("Due date")), (INVOICE, _("Invoice date")))
DEFAULT_BOUNDS = (30, 60, 90, 120)
MAX_BOUNDS = 12
MAX_DAYS = 36_500
DEFAULT_LIMIT = 1000
NOT_DUE, OVERDUE = "not_due", "overdue"
NOT_OPEN = (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED)
DSO_WINDOW_MONTHS = 24


# --- parameters -------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    """A column of the aging: items aged `low` to `high` days (both inclusive).

    `high` None is open-ended ("120+"); the not-yet-due column has `low` None (0 days
    or less: due on or after the as-of date).
    """

    key: str
    label: str | Promise
    low: int | None
    high: int | None

    def contains(self, days: int) -> bool:
        return (self.low is None or days >= self.low) and (self.high is None or days <= self.high)


def buckets_for(bounds: Iterable[int], basis: str) -> list[Bucket]:
    """`(30, 60, 90, 120)` -> not yet due, 0-30, 31-60, 61-90, 91-120, 120+.

    On the due basis the first bucket holds 1 to 30 days overdue (day 0 is not yet due);
    on the invoice basis 0 to 30 days since the invoice.  Labels read as finance writes
    them ("0-30").
    """
    found: list[Bucket] = [Bucket(NOT_DUE, _("Not yet due"), None, 0)] if basis == DUE else []
    previous, n_bounds = 0, 0
    for n, bound in enumerate(bounds, 1):
        low = (1 if basis == DUE else 0) if n == 1 else previous + 1
        label = f"0-{bound}" if n == 1 else f"{previous + 1}-{bound}"
        found.append(Bucket(f"b{n}", label, low, bound))
        previous, n_bounds = bound, n
    found.append(Bucket(f"b{n_bounds + 1}", f"{previous}+", previous + 1, None))
    return found


@dataclass(frozen=True)
class AgingParams:
    as_of: date
    basis: str = DUE
    bounds: tuple[int, ...] = DEFAULT_BOUNDS
    currency: str = ""
    owner_id: int | None = None
    team_id: int | None = None
    customer_id: int | None = None

    @property
    def buckets(self) -> list[Bucket]:
        return buckets_for(self.bounds, self.basis)

    def bucket(self, key: str) -> Bucket | None:
        """The bucket called `key`; "" or None for all; `overdue` for every overdue bucket."""
        if not key:
            return None
        if key == OVERDUE and self.basis == DUE:
            return Bucket(OVERDUE, _("Overdue"), 1, None)
        for bucket in self.buckets:
            if bucket.key == key:
                return bucket
        raise DomainError(ReportError.BAD_BUCKET, value=key)

    def query(self, **extra: Any) -> dict[str, str]:
        """The parameters as a page's or export's query string (empty ones left out)."""
        values = {
            "as_of": self.as_of.isoformat(),
            "basis": self.basis,
            "buckets": ",".join(str(b) for b in self.bounds),
            "currency": self.currency,
            "owner_id": self.owner_id,
            "team_id": self.team_id,
            "customer_id": self.customer_id,
            **extra,
        }
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


def parse_date(value: date | str | None, *, field: str, default: date) -> date:
    if value is None or value == "":
        return default
    if isinstance(value, date):
        return value
    try:
        parsed = date.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError(ReportError.BAD_DATE, field=field, value=value) from None
    if parsed.year < 1900:  # ages of up to MAX_DAYS are subtracted from it
        raise DomainError(ReportError.BAD_DATE, field=field, value=value)
    return parsed


def parse_bounds(value: str | Iterable[int] | None) -> tuple[int, ...]:
    """ "30,60,90,120" -> (30, 60, 90, 120); anything but increasing positive ints is refused."""
    if value is None or value == "":
        return DEFAULT_BOUNDS
    parts = value.split(",") if isinstance(value, str) else list(value)
    try:
        bounds = tuple(int(str(part).strip()) for part in parts)
    except ValueError:
        raise DomainError(ReportError.BAD_BUCKETS, most=MAX_BOUNDS) from None
    if (
        not bounds
        or len(bounds) > MAX_BOUNDS
        or bounds[0] < 1
        or bounds[-1] > MAX_DAYS
        or any(b <= a for a, b in pairwise(bounds))
    ):
        raise DomainError(ReportError.BAD_BUCKETS, most=MAX_BOUNDS)
    return bounds


def aging_params(
    *,
    as_of: date | str | None = None,
    basis: str | None = None,
    buckets: str | Iterable[int] | None = None,
    currency: str | None = None,
    owner_id: int | None = None,
    team_id: int | None = None,
    customer_id: int | None = None,
) -> AgingParams:
    """Read what a user typed (API query or page form); bad input raises `report.*` 422."""
    chosen_basis = (basis or DUE).strip().lower()
    if chosen_basis not in BASES:
        raise DomainError(ReportError.BAD_BASIS, value=basis)
    return AgingParams(
        as_of=parse_date(as_of, field="as_of", default=timezone.localdate()),
        basis=chosen_basis,
        bounds=parse_bounds(buckets),
        currency=currency_check(currency) if currency else "",
        owner_id=owner_id,
        team_id=team_id,
        customer_id=customer_id,
    )


# --- scope --------------------------------------------------------------------------------


def _customers(user: User, params: AgingParams) -> QuerySet[Customer] | None:
    """The customers the report may show, or None when that is every customer.

    Reading a report takes "view" on invoices; which customers it covers is the user's
    customer scope (a rep: their own; a manager: their teams'), narrowed by the filters.
    """
    require(user, "view", Invoice)
    qs = Customer.objects.restrict(user, "view")
    narrowed = user.data_scope(object_type_of(Customer), "view") != ALL
    if params.owner_id is not None:
        qs, narrowed = qs.filter(owner_id=params.owner_id), True
    if params.team_id is not None:
        team = Team.objects.filter(pk=params.team_id).first()
        qs, narrowed = qs.filter(team_id__in=team.subtree_ids() if team else []), True
    if params.customer_id is not None:
        qs, narrowed = qs.filter(pk=params.customer_id), True
    return qs.order_by().values("pk") if narrowed else None  # type: ignore[return-value]


def _customers_sql(column: str, customers: QuerySet[Customer] | None) -> tuple[str, list[Any]]:
    """` AND column IN (SELECT id FROM customers …)`, compiled by the ORM.

    A user who may see no customer at all makes the ORM raise `EmptyResultSet`.
    """
    if customers is None:
        return "", []
    sql, params = customers.query.sql_with_params()
    return f" AND {column} IN ({sql})", list(params)


def _db_date(value: date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def stored_figures_hold(as_of: date) -> bool:
    """Whether each stored residual and advance equals its figure as of `as_of`.

    True when `as_of` is today or later and nothing (an open-item row, a refund, a payment,
    a credit note, a payment's void) is dated after it: then "rows dated on or before D"
    are all the rows.
    """
    if as_of < timezone.localdate():
        return False
    qn = connection.ops.quote_name
    dated = [(model, "date") for model in (Allocation, Refund, Payment, CreditNote)]
    checks = " OR ".join(
        f"EXISTS (SELECT 1 FROM {qn(model._meta.db_table)} WHERE {qn(column)} > %s)"  # noqa: S608
        for model, column in [*dated, (Payment, "voided_on")]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT CASE WHEN {checks} THEN 1 ELSE 0 END", [_db_date(as_of)] * 5)
        row = cursor.fetchone()
    return not row[0]


# --- the summary ---------------------------------------------------------------------------


def _exact_sql(expression: str) -> str:
    """`core.verify.money_exact` in raw SQL: round to the stored precision in the database."""
    return f"ROUND({expression}, {MONEY_DECIMAL_PLACES})"


def _taken(
    model: type, fk: str, owner: str, alias: str, as_of: date, correlated: bool
) -> tuple[str, str, list[Any]]:
    """What the rows of `model` (allocations, refunds) dated on or before D take from the
    document `owner` through `fk`: `(join, expression, args)`.

    For a narrowed scope (a rep's customers) a correlated subquery per document, which
    the index on `fk` answers; otherwise one pass over the rows, summed per document and
    joined (a hash join on PostgreSQL), instead of one index probe per document.
    """
    qn = connection.ops.quote_name
    table, day = qn(model._meta.db_table), qn("date")
    if correlated:
        expression = (
            f"COALESCE((SELECT SUM({alias}.amount) FROM {table} {alias}"  # noqa: S608
            f" WHERE {alias}.{fk} = {owner}.id AND {alias}.{day} <= %s), 0)"
        )
        return "", expression, [_db_date(as_of)]
    join = (
        f" LEFT JOIN (SELECT {fk} AS id, SUM(amount) AS amount FROM {table}"  # noqa: S608
        f" WHERE {day} <= %s GROUP BY {fk}) {alias} ON {alias}.id = {owner}.id"
    )
    return join, f"COALESCE({alias}.amount, 0)", [_db_date(as_of)]


def _select(
    columns: str, source: str, takes: list[tuple[str, str, list[Any]]], where: str
) -> tuple[str, list[Any]]:
    """A SELECT with `_taken` parts; the args are those that come before the WHERE."""
    select_args = [arg for join, _, args in takes if not join for arg in args]
    join_args = [arg for join, _, args in takes if join for arg in args]
    joins = "".join(join for join, _, _ in takes)
    sql = f"SELECT {columns} FROM {source}{joins} WHERE {where}"  # noqa: S608
    return sql, select_args + join_args


def _open_items_sql(
    params: AgingParams, customers: QuerySet[Customer] | None, fast: bool
) -> tuple[str, list[Any]]:
    """Rows (customer_id, currency, day, residual, 0): each open item as of D.

    `day` is the date its age counts from (due date or invoice date).
    """
    qn = connection.ops.quote_name
    inst, inv = qn(Installment._meta.db_table), qn(Invoice._meta.db_table)
    d = _db_date(params.as_of)
    day = "i.due_date" if params.basis == DUE else "inv.issue_date"
    where = "inv.status NOT IN (%s, %s) AND inv.issue_date <= %s"
    where_args: list[Any] = [*NOT_OPEN, d]
    if fast:
        residual, takes = "i.residual", []
        where += " AND i.residual <> 0"
    else:
        taken = _taken(Allocation, "installment_id", "i", "a", params.as_of, customers is not None)
        residual, takes = f"i.amount - {taken[1]}", [taken]
    if params.currency:
        where += " AND inv.currency = %s"
        where_args.append(params.currency)
    scope_sql, scope_args = _customers_sql("inv.customer_id", customers)
    sql, args = _select(
        f"inv.customer_id, inv.currency, {day}, {_exact_sql(residual)}, 0",
        f"{inst} i INNER JOIN {inv} inv ON inv.id = i.invoice_id",
        takes,
        where + scope_sql,
    )
    return sql, args + where_args + scope_args


def _advances_sql(
    params: AgingParams, customers: QuerySet[Customer] | None, fast: bool
) -> tuple[str, list[Any]]:
    """Rows (customer_id, currency, NULL, advance, 1): unapplied payments and credit as of D."""
    qn = connection.ops.quote_name
    d = _db_date(params.as_of)
    correlated = customers is not None
    sources: list[tuple[str, list[tuple[str, str, list[Any]]], str, list[Any]]] = []
    if fast:
        sources.append(
            (f"{qn(CustomerBalance._meta.db_table)} s", [], "s.advance <> 0", []),
        )
    else:
        paid = _taken(Allocation, "payment_id", "s", "a", params.as_of, correlated)
        refunded = _taken(Refund, "payment_id", "s", "f", params.as_of, correlated)
        voided = ("", f"CASE WHEN s.{qn('voided_on')} <= %s THEN s.amount ELSE 0 END", [d])
        credited = _taken(Allocation, "credit_note_id", "s", "a", params.as_of, correlated)
        on_or_before = f"s.{qn('date')} <= %s"
        sources += [
            (f"{qn(Payment._meta.db_table)} s", [paid, refunded, voided], on_or_before, [d]),
            (f"{qn(CreditNote._meta.db_table)} s", [credited], on_or_before, [d]),
        ]
    parts, args = [], []
    scope_sql, scope_args = _customers_sql("s.customer_id", customers)
    for source, takes, where, where_args in sources:
        left = "s.advance" if fast else " - ".join(["s.amount", *(t[1] for t in takes)])
        if params.currency:
            where += " AND s.currency = %s"
            where_args = [*where_args, params.currency]
        sql, select_args = _select(
            f"s.customer_id, s.currency, NULL, {_exact_sql(left)}, 1",
            source,
            takes,
            where + scope_sql,
        )
        parts.append(sql)
        args += select_args + where_args + scope_args
    return " UNION ALL ".join(parts), args


def _bucket_sql(bucket: Bucket, as_of: date) -> tuple[str, list[Any]]:
    """The condition on an item's `day` that puts it in `bucket` (ages as date ranges)."""
    if bucket.key == NOT_DUE:
        return "day >= %s", [_db_date(as_of)]
    conditions, args = [], []
    if bucket.high is not None:
        conditions.append("day >= %s")
        args.append(_db_date(as_of - timedelta(days=bucket.high)))
    conditions.append("day <= %s")
    args.append(_db_date(as_of - timedelta(days=bucket.low or 0)))
    return " AND ".join(conditions), args


@dataclass
class AgingRow:
    customer_id: int
    currency: str
    amounts: list[Decimal]
    total: Decimal
    advance: Decimal
    items: int
    customer_code: str = ""
    customer_name: str = ""
    owner: str = ""
    owner_id: int | None = None

    @property
    def net(self) -> Decimal:
        """What the customer owes after their advances (negative: we owe them)."""
        return self.total - self.advance


@dataclass
class AgingTotal:
    currency: str
    amounts: list[Decimal]
    total: Decimal
    advance: Decimal
    items: int
    customers: int

    @property
    def net(self) -> Decimal:
        return self.total - self.advance

    @property
    def overdue(self) -> Decimal:
        return self.total - (self.amounts[0] if self.amounts else Decimal(0))


@dataclass
class AgingSummary:
    params: AgingParams
    buckets: list[Bucket]
    rows: list[AgingRow] = field(default_factory=list)
    totals: list[AgingTotal] = field(default_factory=list)
    limit: int | None = DEFAULT_LIMIT
    from_stored: bool = False

    @property
    def row_count(self) -> int:
        return sum(total.customers for total in self.totals)

    @property
    def truncated(self) -> bool:
        return len(self.rows) < self.row_count

    def total_for(self, currency: str) -> AgingTotal | None:
        return next((t for t in self.totals if t.currency == currency), None)


def _decimal(value: Any, currency: str) -> Decimal:
    """A sum from the database (Decimal on PostgreSQL, int or float on SQLite), quantized."""
    if value is None:
        value = 0
    elif isinstance(value, float):
        value = str(value)  # already rounded to 4 places in SQL: its shortest repr is exact
    return quantize(Decimal(value), currency)


def aging_summary(
    *,
    user: User,
    params: AgingParams,
    limit: int | None = DEFAULT_LIMIT,
    from_stored: bool | None = None,
) -> AgingSummary:
    """The aging by customer and currency: the `limit` largest rows by total open, and the
    totals of every row per currency.  `limit=None` gives every row (exports).

    `from_stored` forces the fast path on or off (tests compare both); by default it is
    taken whenever `stored_figures_hold(as_of)`.
    """
    buckets = params.buckets
    summary = AgingSummary(params=params, buckets=buckets, limit=limit)
    customers = _customers(user, params)
    fast = stored_figures_hold(params.as_of) if from_stored is None else from_stored
    summary.from_stored = fast
    try:
        items_sql, items_args = _open_items_sql(params, customers, fast)
        advances_sql, advances_args = _advances_sql(params, customers, fast)
    except EmptyResultSet:
        return summary
    sums, sum_args = [], []
    for n, bucket in enumerate(buckets):
        condition, args = _bucket_sql(bucket, params.as_of)
        sums.append(
            f"{_exact_sql(f'SUM(CASE WHEN adv = 0 AND {condition} THEN r ELSE 0 END)')} AS c{n}"
        )
        sum_args += args
    columns = [f"c{n}" for n in range(len(buckets))]
    top_limit = "" if limit is None else f" LIMIT {int(limit)}"
    totals = ", ".join(_exact_sql(f"SUM({c})") for c in [*columns, "total", "advance"])
    sql = (
        "WITH items (customer_id, currency, day, r, adv) AS"  # noqa: S608
        f" ({items_sql} UNION ALL {advances_sql}),"
        f" agg AS (SELECT customer_id, currency, {', '.join(sums)},"
        f" {_exact_sql('SUM(CASE WHEN adv = 0 THEN r ELSE 0 END)')} AS total,"
        f" {_exact_sql('SUM(CASE WHEN adv = 1 THEN r ELSE 0 END)')} AS advance,"
        " SUM(CASE WHEN adv = 0 THEN 1 ELSE 0 END) AS n"
        " FROM items WHERE r <> 0 GROUP BY customer_id, currency)"
        f" SELECT 0, customer_id, currency, {', '.join(columns)}, total, advance, n, 1 FROM"
        f" (SELECT * FROM agg ORDER BY total DESC, advance DESC, customer_id, currency{top_limit})"
        " top_rows"
        f" UNION ALL SELECT 1, NULL, currency, {totals}, SUM(n), COUNT(*)"
        " FROM agg GROUP BY currency"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, items_args + advances_args + sum_args)
        fetched = cursor.fetchall()
    width = len(buckets)
    for level, customer_id, currency, *figures in fetched:
        amounts = [_decimal(v, currency) for v in figures[:width]]
        total, advance = (_decimal(v, currency) for v in figures[width : width + 2])
        items, count = int(figures[width + 2] or 0), int(figures[width + 3] or 0)
        if level == 0:
            summary.rows.append(AgingRow(customer_id, currency, amounts, total, advance, items))
        else:
            summary.totals.append(AgingTotal(currency, amounts, total, advance, items, count))
    summary.rows.sort(key=lambda r: (-r.total, -r.advance, r.customer_id, r.currency))
    summary.totals.sort(key=lambda t: t.currency)
    _name_rows(summary.rows)
    return summary


def _name_rows(rows: list[AgingRow]) -> None:
    """Customer code, name and owner for the shown rows: one query, whatever their number."""
    if not rows:
        return
    found = {
        c.pk: c
        for c in Customer.objects.filter(pk__in={r.customer_id for r in rows}).select_related(
            "owner"
        )
    }
    for row in rows:
        customer = found.get(row.customer_id)
        if customer is not None:
            row.customer_code, row.customer_name = customer.code, customer.name
            row.owner = str(customer.owner) if customer.owner_id else ""
            row.owner_id = customer.owner_id


# --- the items (drill-down) -----------------------------------------------------------------


@dataclass
class AgingItem:
    installment_id: int
    invoice_id: int
    invoice_number: str
    sequence: int
    customer_id: int
    customer_code: str
    customer_name: str
    currency: str
    issue_date: date
    due_date: date
    days_overdue: int
    age_days: int
    bucket: Bucket
    amount: Decimal
    residual: Decimal


@dataclass
class AgingItems:
    params: AgingParams
    bucket: Bucket | None
    items: list[AgingItem]
    count: int
    totals: dict[str, Decimal]
    from_stored: bool = False


def _items_queryset(
    user: User, params: AgingParams, bucket: Bucket | None, fast: bool
) -> QuerySet[Installment]:
    customers = _customers(user, params)
    qs = Installment.objects.filter(invoice__issue_date__lte=params.as_of).exclude(
        invoice__status__in=NOT_OPEN
    )
    if customers is not None:
        qs = qs.filter(invoice__customer__in=customers)
    if params.currency:
        qs = qs.filter(invoice__currency=params.currency)
    if fast:
        qs = qs.exclude(residual=0).annotate(residual_as_of=F("residual"))
    else:
        applied = (
            Allocation.objects.filter(installment=OuterRef("pk"), date__lte=params.as_of)
            .order_by()
            .values("installment")
            .annotate(s=Sum("amount"))
            .values("s")
        )
        qs = qs.annotate(
            residual_as_of=money_exact(
                F("amount")
                - Coalesce(Subquery(applied, output_field=MONEY), Value(0, output_field=MONEY))
            )
        ).exclude(residual_as_of=0)
    if bucket is not None:
        day = "due_date" if params.basis == DUE else "invoice__issue_date"
        if bucket.key == NOT_DUE:
            qs = qs.filter(**{f"{day}__gte": params.as_of})
        else:
            if bucket.high is not None:
                qs = qs.filter(**{f"{day}__gte": params.as_of - timedelta(days=bucket.high)})
            qs = qs.filter(**{f"{day}__lte": params.as_of - timedelta(days=bucket.low or 0)})
    return qs


def aging_items(
    *,
    user: User,
    params: AgingParams,
    bucket: str = "",
    limit: int = 100,
    offset: int = 0,
    from_stored: bool | None = None,
) -> AgingItems:
    """The open items behind a cell of the summary, oldest due first (two queries)."""
    chosen = params.bucket(bucket)
    fast = stored_figures_hold(params.as_of) if from_stored is None else from_stored
    qs = _items_queryset(user, params, chosen, fast)
    sums = {
        row["invoice__currency"]: (row["n"], row["s"])
        for row in qs.order_by()
        .values("invoice__currency")
        .annotate(n=Count("pk"), s=money_sum("residual_as_of"))
    }
    page = qs.select_related("invoice__customer").order_by(
        "due_date", "invoice__issue_date", "invoice_id", "sequence"
    )[offset : offset + limit]
    buckets = params.buckets
    items = []
    for inst in page:
        invoice = inst.invoice
        overdue = (params.as_of - inst.due_date).days
        age = (params.as_of - invoice.issue_date).days
        days = overdue if params.basis == DUE else age
        items.append(
            AgingItem(
                installment_id=inst.pk,
                invoice_id=invoice.pk,
                invoice_number=invoice.number,
                sequence=inst.sequence,
                customer_id=invoice.customer_id,
                customer_code=invoice.customer.code,
                customer_name=invoice.customer.name,
                currency=invoice.currency,
                issue_date=invoice.issue_date,
                due_date=inst.due_date,
                days_overdue=overdue,
                age_days=age,
                bucket=next(b for b in buckets if b.contains(days)),
                amount=quantize(inst.amount, invoice.currency),
                residual=quantize(inst.residual_as_of, invoice.currency),
            )
        )
    return AgingItems(
        params=params,
        bucket=chosen,
        items=items,
        count=sum(n for n, _ in sums.values()),
        totals={cur: quantize(s, cur) for cur, (_, s) in sorted(sums.items())},
        from_stored=fast,
    )


# --- KPIs ------------------------------------------------------------------------------------


@dataclass
class ArKpis:
    as_of: date
    currency: str
    period_start: date
    total: Decimal
    overdue: Decimal
    advances: Decimal
    collected: Decimal
    dso: Decimal

    @property
    def overdue_ratio(self) -> Decimal | None:
        """Overdue AR / total AR (0.4235 is 42.35%); none without AR."""
        if self.total <= 0:
            return None
        return (self.overdue / self.total).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)

    @property
    def overdue_percent(self) -> Decimal | None:
        ratio = self.overdue_ratio
        return None if ratio is None else (ratio * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def dso_countback(
    ar: Decimal, as_of: date, sales: Mapping[date, Decimal], first_month: date
) -> tuple[Decimal, bool]:
    """Days sales outstanding by the countback method; returns (DSO, whether AR ran out).

    Periods, newest first: the month of D from its 1st to D (D.day days), then each whole
    calendar month before it, back to `first_month`.  S(p) is what was invoiced in
    period p (`sales`, keyed by the month's first day).  Walking back with R = AR as of D:

        while R > S(p): R -= S(p); DSO += days(p)        # the month's sales all unpaid
        then:           DSO += days(p) * R / S(p)        # the part of the month still owed

    Rounded half up to one decimal.  Example: AR 5,500 on 15 March; March 1-15 invoiced
    1,000, February 3,000, January 4,000: 15 + 28 + 31 x 1,500 / 4,000 = 54.6 days.  No
    AR gives 0.  If invoicing runs out before the AR does, the days walked are returned
    and the flag is False (the caller may look further back).
    """
    remaining = ar
    days = Decimal(0)
    month = month_start(as_of)
    exhausted = remaining <= 0
    while not exhausted and month >= first_month:
        period_days = (
            as_of.day
            if month == month_start(as_of)
            else calendar.monthrange(month.year, month.month)[1]
        )
        invoiced = sales.get(month, Decimal(0))
        if invoiced > 0 and remaining <= invoiced:
            days += Decimal(period_days) * remaining / invoiced
            exhausted = True
            break
        remaining -= max(invoiced, Decimal(0))
        days += period_days
        month = add_months(month, -1)
    return days.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), exhausted


def _monthly_sales(
    customers: QuerySet[Customer] | None, currency: str, as_of: date, since: date | None
) -> dict[date, Decimal]:
    qs = Invoice.objects.exclude(status__in=NOT_OPEN).filter(
        currency=currency, issue_date__lte=as_of
    )
    if since is not None:
        qs = qs.filter(issue_date__gte=since)
    if customers is not None:
        qs = qs.filter(customer__in=customers)
    rows = (
        qs.order_by()
        .annotate(month=TruncMonth("issue_date"))
        .values("month")
        .annotate(invoiced=money_sum("total"))
    )
    return {month_start(row["month"]): row["invoiced"] for row in rows}


def _same_report(done: AgingParams, wanted: AgingParams) -> bool:
    """Whether totals computed for `done` hold those `wanted` (any buckets, due basis)."""
    keys = ("as_of", "basis", "owner_id", "team_id", "customer_id")
    return all(getattr(done, k) == getattr(wanted, k) for k in keys) and done.currency in (
        "",
        wanted.currency,
    )


def ar_kpis(
    *,
    user: User,
    params: AgingParams,
    period_start: date | str | None = None,
    summary: AgingSummary | None = None,
) -> ArKpis:
    """Total AR, overdue AR and ratio, advances, collected in the period, DSO: one currency.

    `params` gives the date, the scope filters and the currency (empty: the base
    currency); the age buckets do not matter (overdue is anything past its due date).
    The period for "collected" runs from `period_start` (default: the 1st of D's month) to
    D; collected is the sum of payments dated in it, less those voided by D.  A `summary`
    already computed for the same date and filters (any currency) saves running the aging
    again.
    """
    cur = params.currency or base_currency()
    params = replace(params, currency=cur, basis=DUE)
    start = parse_date(period_start, field="period_start", default=month_start(params.as_of))
    if start > params.as_of:
        raise DomainError(ReportError.BAD_PERIOD)
    if summary is None or not _same_report(summary.params, params):
        summary = aging_summary(user=user, params=params, limit=0)
    zero = quantize(0, cur)
    totals = summary.total_for(cur)
    total = totals.total if totals else zero
    customers = _customers(user, params)
    payments = Payment.objects.filter(
        currency=cur, date__gte=start, date__lte=params.as_of
    ).exclude(voided_on__lte=params.as_of)
    if customers is not None:
        payments = payments.filter(customer__in=customers)
    collected = payments.aggregate(s=money_sum("amount"))["s"]
    window = add_months(month_start(params.as_of), -(DSO_WINDOW_MONTHS - 1))
    sales = _monthly_sales(customers, cur, params.as_of, window)
    dso, exhausted = dso_countback(total, params.as_of, sales, window)
    if not exhausted and total > 0:  # older invoices still owed: look at the whole history
        sales = _monthly_sales(customers, cur, params.as_of, None)
        dso, _ = dso_countback(total, params.as_of, sales, min(sales, default=window))
    return ArKpis(
        as_of=params.as_of,
        currency=cur,
        period_start=start,
        total=total,
        overdue=totals.overdue if totals else zero,
        advances=totals.advance if totals else zero,
        collected=quantize(collected, cur),
        dso=dso,
    )


def dso_trend(*, user: User, days: list[date], currency: str = "") -> list[Decimal]:
    """DSO at each of `days`, as `ar_kpis` gives it: one aging per day and one read of the
    monthly invoicing for them all.  Every day but the latest must be a month's last day,
    so that the invoicing of each day's month is the whole month (the dashboards' trend)."""
    cur = currency or base_currency()
    latest = max(days)
    if any(day != latest and day != month_end(day) for day in days):
        raise ValueError("a DSO trend takes month ends and one latest day")
    params = AgingParams(as_of=latest, currency=cur)
    sales = _monthly_sales(_customers(user, params), cur, latest, None)
    values = []
    for day in days:
        summary = aging_summary(user=user, params=replace(params, as_of=day), limit=0)
        totals = summary.total_for(cur)
        owned = {month: s for month, s in sales.items() if month <= month_start(day)}
        first = min(owned, default=month_start(day))
        dso, _exhausted = dso_countback(totals.total if totals else Decimal(0), day, owned, first)
        values.append(dso)
    return values


def report_currencies(*, user: User) -> list[str]:
    """Currencies that customers the user may see hold balances in, base currency first."""
    qs = CustomerBalance.objects.filter(Q(receivable__gt=0) | Q(advance__gt=0))
    customers = Customer.objects.restrict(user, "view")
    if user.data_scope(object_type_of(Customer), "view") != ALL:
        qs = qs.filter(customer__in=customers.values("pk"))
    base = base_currency()
    found = set(qs.values_list("currency", flat=True).distinct())
    return [base, *sorted(found - {base})]
