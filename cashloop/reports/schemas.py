"""API schemas of reports: query parameters as typed, answers with money as decimal strings.

Dates, bases and buckets arrive as the strings the user typed, so that a bad one is
refused with its own code (`report.bad_date`, `report.bad_buckets`, `report.bad_basis`)
rather than a generic validation error.  Amounts leave as strings with the currency's
minor-unit decimals ("1130.00"), never as JSON numbers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from cashloop.reports.performance import Figures, Month, Performance, PerformanceRow
from cashloop.reports.revenue import (
    Compare,
    RevenueDocuments,
    RevenueParams,
    RevenueReport,
    RevenueRow,
    revenue_params,
)
from cashloop.reports.selectors import (
    DEFAULT_LIMIT,
    AgingItems,
    AgingParams,
    AgingSummary,
    ArKpis,
    Bucket,
    aging_params,
)


class AgingQuery(Schema):
    as_of: str = Field("", description="YYYY-MM-DD; default today.")
    basis: str = Field("", description="`due` (default) or `invoice`.")
    buckets: str = Field("", description="Upper bounds in days, default `30,60,90,120`.")
    currency: str = Field("", description="Only this currency; default all, a row each.")
    owner_id: int | None = None
    team_id: int | None = Field(None, description="The team and its sub-teams.")
    customer_id: int | None = None

    def params(self) -> AgingParams:
        return aging_params(**self.dict(include=set(AgingQuery.model_fields)))


class AgingSummaryQuery(AgingQuery):
    limit: int = Field(DEFAULT_LIMIT, ge=0, le=100_000, description="Rows, largest first.")


class AgingItemsQuery(AgingQuery):
    bucket: str = Field("", description="A bucket key (`not_due`, `b1`…), `overdue`, or all.")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


class KpiQuery(Schema):
    as_of: str = ""
    currency: str = Field("", description="Default: the base currency.")
    period_start: str = Field("", description="Start of 'collected'; default the 1st of the month.")


class BucketOut(Schema):
    key: str
    label: str
    from_days: int | None
    to_days: int | None


class AgingRowOut(Schema):
    customer_id: int
    customer_code: str
    customer_name: str
    owner: str
    currency: str
    buckets: dict[str, str]
    total: str
    advance: str = Field(..., description="Unapplied payments and credit, shown apart.")
    net: str = Field(..., description="total - advance")
    items: int


class AgingTotalOut(Schema):
    currency: str
    buckets: dict[str, str]
    total: str
    overdue: str
    advance: str
    net: str
    items: int
    customers: int


class AgingOut(Schema):
    as_of: dt.date
    basis: str
    currency: str
    buckets: list[BucketOut]
    rows: list[AgingRowOut]
    totals: list[AgingTotalOut]
    row_count: int = Field(..., description="Rows in all; `rows` holds the `limit` largest.")
    truncated: bool
    from_stored: bool = Field(..., description="Read from stored residuals (as of today).")


class AgingItemOut(Schema):
    installment_id: int
    invoice_id: int
    invoice_number: str
    sequence: int
    customer_id: int
    customer_code: str
    customer_name: str
    currency: str
    issue_date: dt.date
    due_date: dt.date
    days_overdue: int = Field(..., description="As-of date minus due date (<= 0: not due).")
    age_days: int = Field(..., description="As-of date minus invoice date.")
    bucket: str
    bucket_label: str
    amount: str
    residual: str = Field(..., description="What was still open as of the date.")


class AgingItemsOut(Schema):
    as_of: dt.date
    basis: str
    bucket: BucketOut | None
    count: int
    totals: dict[str, str]
    items: list[AgingItemOut]


class KpiOut(Schema):
    as_of: dt.date
    currency: str
    total_ar: str
    overdue_ar: str
    overdue_ratio: str | None = Field(..., description="overdue / total, 4 places; null: no AR")
    advances: str
    collected: str
    period_start: dt.date
    dso: str = Field(..., description="Days, countback method (docs/decisions/015).")


def _money(amount: Decimal) -> str:
    return str(amount)  # already quantized to the currency by the selectors


def bucket_out(bucket: Bucket) -> dict:
    return {
        "key": bucket.key,
        "label": str(bucket.label),
        "from_days": bucket.low,
        "to_days": bucket.high,
    }


def aging_out(summary: AgingSummary) -> dict:
    keys = [b.key for b in summary.buckets]
    return {
        "as_of": summary.params.as_of,
        "basis": summary.params.basis,
        "currency": summary.params.currency,
        "buckets": [bucket_out(b) for b in summary.buckets],
        "rows": [
            {
                "customer_id": r.customer_id,
                "customer_code": r.customer_code,
                "customer_name": r.customer_name,
                "owner": r.owner,
                "currency": r.currency,
                "buckets": {k: _money(a) for k, a in zip(keys, r.amounts, strict=True)},
                "total": _money(r.total),
                "advance": _money(r.advance),
                "net": _money(r.net),
                "items": r.items,
            }
            for r in summary.rows
        ],
        "totals": [
            {
                "currency": t.currency,
                "buckets": {k: _money(a) for k, a in zip(keys, t.amounts, strict=True)},
                "total": _money(t.total),
                "overdue": _money(t.overdue),
                "advance": _money(t.advance),
                "net": _money(t.net),
                "items": t.items,
                "customers": t.customers,
            }
            for t in summary.totals
        ],
        "row_count": summary.row_count,
        "truncated": summary.truncated,
        "from_stored": summary.from_stored,
    }


def aging_items_out(found: AgingItems) -> dict:
    return {
        "as_of": found.params.as_of,
        "basis": found.params.basis,
        "bucket": bucket_out(found.bucket) if found.bucket else None,
        "count": found.count,
        "totals": {cur: _money(v) for cur, v in found.totals.items()},
        "items": [
            {
                "installment_id": i.installment_id,
                "invoice_id": i.invoice_id,
                "invoice_number": i.invoice_number,
                "sequence": i.sequence,
                "customer_id": i.customer_id,
                "customer_code": i.customer_code,
                "customer_name": i.customer_name,
                "currency": i.currency,
                "issue_date": i.issue_date,
                "due_date": i.due_date,
                "days_overdue": i.days_overdue,
                "age_days": i.age_days,
                "bucket": i.bucket.key,
                "bucket_label": str(i.bucket.label),
                "amount": _money(i.amount),
                "residual": _money(i.residual),
            }
            for i in found.items
        ],
    }


def kpi_out(kpis: ArKpis) -> dict:
    ratio = kpis.overdue_ratio
    return {
        "as_of": kpis.as_of,
        "currency": kpis.currency,
        "total_ar": _money(kpis.total),
        "overdue_ar": _money(kpis.overdue),
        "overdue_ratio": None if ratio is None else str(ratio),
        "advances": _money(kpis.advances),
        "collected": _money(kpis.collected),
        "period_start": kpis.period_start,
        "dso": str(kpis.dso),
    }


# --- collection performance (decision 052) ---------------------------------------------------


class CollectionPerformanceQuery(Schema):
    date_from: str = Field("", alias="from", description="YYYY-MM-DD; default 11 months back.")
    date_to: str = Field("", alias="to", description="YYYY-MM-DD; default today.")


class CollectionPerformanceFiguresOut(Schema):
    opening: str = Field(description="Receivables the day before the period (base currency).")
    credit_sales: str
    cleared: str = Field(description="Opening + credit sales − closing.")
    closing: str
    closing_current: str = Field(description="Closing receivables not yet due.")
    collected: str = Field(description="Payments applied in the period.")
    cei: str | None = Field(description="Collection effectiveness index, percent.")
    promises_kept: int
    promises_broken: int
    promises_kept_rate: str | None = Field(description="Percent of the resolved promises.")
    settled_after_reminder: int
    days_to_collect: str | None = Field(description="Average days from the first reminder.")


class CollectionPerformanceMonthOut(CollectionPerformanceFiguresOut):
    month: str
    start: dt.date
    end: dt.date


class CollectionPerformanceRowOut(Schema):
    user_id: int | None = Field(description="None: customers without a collector.")
    name: str
    total: CollectionPerformanceFiguresOut
    months: list[CollectionPerformanceMonthOut]


class CollectionPerformanceOut(Schema):
    date_from: dt.date
    date_to: dt.date
    currency: str
    total: CollectionPerformanceFiguresOut
    months: list[CollectionPerformanceMonthOut]
    collectors: list[CollectionPerformanceRowOut]
    reps: list[CollectionPerformanceRowOut]


def _optional(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def performance_figures_out(f: Figures) -> dict:
    return {
        "opening": _money(f.opening),
        "credit_sales": _money(f.sales),
        "cleared": _money(f.cleared),
        "closing": _money(f.closing),
        "closing_current": _money(f.closing_current),
        "collected": _money(f.collected),
        "cei": _optional(f.cei),
        "promises_kept": f.kept,
        "promises_broken": f.broken,
        "promises_kept_rate": _optional(f.kept_rate),
        "settled_after_reminder": f.settled,
        "days_to_collect": _optional(f.days_to_collect),
    }


def _months_out(months: list[Month], figures: list[Figures]) -> list[dict]:
    return [
        {"month": m.key, "start": m.start, "end": m.end, **performance_figures_out(f)}
        for m, f in zip(months, figures, strict=True)
    ]


def performance_out(perf: Performance) -> dict:
    def rows(found: list[PerformanceRow]) -> list[dict]:
        return [
            {
                "user_id": r.user_id,
                "name": r.name,
                "total": performance_figures_out(r.total),
                "months": _months_out(perf.months, r.months),
            }
            for r in found
        ]

    return {
        "date_from": perf.date_from,
        "date_to": perf.date_to,
        "currency": perf.currency,
        "total": performance_figures_out(perf.total),
        "months": _months_out(perf.months, perf.monthly),
        "collectors": rows(perf.collectors),
        "reps": rows(perf.reps),
    }


# --- revenue analytics (decision 063) ---------------------------------------------------


class RevenueQuery(Schema):
    measure: str = Field(
        "", description="`recognised`, `invoiced` (default), `collected`, `backlog`."
    )
    dimension: str = Field(
        "",
        description="`customer` (default), `customer_group`, `product`, `product_family`, "
        "`rep`, `team`, `region` (the customer's country) or `period`.",
    )
    grain: str = Field("", description="`month` (default), `quarter` or `year`.")
    date_from: str = Field("", alias="from", description="YYYY-MM-DD; widened to its grain.")
    date_to: str = Field("", alias="to", description="YYYY-MM-DD; default today.")
    compare: str = Field("", description="`both` (default), `previous`, `year` or `none`.")
    limit: int = Field(1000, ge=0, le=100_000, description="Rows, largest first.")

    def params(self) -> RevenueParams:
        return revenue_params(
            measure=self.measure,
            dimension=self.dimension,
            grain=self.grain,
            date_from=self.date_from,
            date_to=self.date_to,
            compare=self.compare,
        )


class RevenueDocumentsQuery(Schema):
    measure: str = ""
    dimension: str = ""
    key: str = Field(
        "", description="The dimension's value (an id, a country code, `none`); empty: all."
    )
    date_from: str = Field(
        "", alias="from", description="YYYY-MM-DD; default the 1st of `to`'s month."
    )
    date_to: str = Field("", alias="to", description="YYYY-MM-DD; backlog: as of this day.")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


class RevenuePeriodOut(Schema):
    label: str
    start: dt.date
    end: dt.date


class RevenueRowOut(Schema):
    key: str | None = Field(description="The dimension's value; null: none (no group…).")
    label: str
    current: str
    previous: str | None = Field(description="The period just before (null: not compared).")
    previous_delta: str | None
    previous_percent: str | None = Field(description="Change, percent; null: nothing before.")
    year_before: str | None = Field(description="The same period a year before.")
    year_delta: str | None
    year_percent: str | None
    series: list[str] = Field(description="The figure in each period of the window.")


class RevenueOut(Schema):
    measure: str
    dimension: str
    grain: str
    compare: str
    date_from: dt.date
    date_to: dt.date
    previous_from: dt.date
    previous_to: dt.date
    year_from: dt.date
    year_to: dt.date
    currency: str
    periods: list[RevenuePeriodOut]
    rows: list[RevenueRowOut]
    total: RevenueRowOut
    row_count: int = Field(description="Rows in all; `rows` holds the `limit` largest.")


class RevenueDocumentOut(Schema):
    kind: str = Field(
        description="`invoice`, `credit_note`, `payment`, `journal_entry`, `contract`."
    )
    id: int
    number: str
    date: dt.date | None
    customer: str
    amount: str = Field(description="Its part of the figure, base currency.")
    url: str


class RevenueDocumentsOut(Schema):
    measure: str
    dimension: str
    key: str
    date_from: dt.date
    date_to: dt.date
    currency: str
    total: str
    count: int
    documents: list[RevenueDocumentOut]


def revenue_row_out(row: RevenueRow, compare: Compare) -> dict:
    previous = compare in (Compare.BOTH, Compare.PREVIOUS)
    year = compare in (Compare.BOTH, Compare.YEAR)
    return {
        "key": None if row.key is None else row.key_text,
        "label": row.label,
        "current": _money(row.current),
        "previous": _money(row.previous) if previous else None,
        "previous_delta": _money(row.delta_previous) if previous else None,
        "previous_percent": _optional(row.percent_previous) if previous else None,
        "year_before": _money(row.year_before) if year else None,
        "year_delta": _money(row.delta_year) if year else None,
        "year_percent": _optional(row.percent_year) if year else None,
        "series": [_money(v) for v in row.series],
    }


def revenue_out(report: RevenueReport) -> dict:
    p = report.params
    return {
        "measure": p.measure.value,
        "dimension": p.dimension.value,
        "grain": p.grain.value,
        "compare": p.compare.value,
        "date_from": p.window.start,
        "date_to": p.window.end,
        "previous_from": p.previous.start,
        "previous_to": p.previous.end,
        "year_from": p.year_before.start,
        "year_to": p.year_before.end,
        "currency": report.currency,
        "periods": [
            {"label": p.period_label(w), "start": w.start, "end": w.end} for w in report.periods
        ],
        "rows": [revenue_row_out(r, p.compare) for r in report.rows],
        "total": revenue_row_out(report.total, p.compare),
        "row_count": report.row_count,
    }


def revenue_documents_out(found: RevenueDocuments) -> dict:
    return {
        "measure": found.measure.value,
        "dimension": found.dimension.value,
        "key": "none" if found.key is None else str(found.key),
        "date_from": found.window.start,
        "date_to": found.window.end,
        "currency": found.currency,
        "total": _money(found.total),
        "count": found.count,
        "documents": [
            {
                "kind": d.kind,
                "id": d.id,
                "number": d.number,
                "date": d.date,
                "customer": d.customer,
                "amount": _money(d.amount),
                "url": d.url,
            }
            for d in found.rows
        ],
    }
