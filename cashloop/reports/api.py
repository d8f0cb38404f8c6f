"""Report endpoints under /api/v1/reports: aging (summary, items, exports), AR KPIs,
collection performance and revenue analytics with its drill-down.

Reading a report takes "view" on invoices and shows only the customers the user may see;
exports take "export".  Bad dates, buckets or bases answer 422 with a `report.*` code.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from cashloop.core.scoping import require
from cashloop.receivables.models import Invoice
from cashloop.reports import exports, performance, revenue, selectors
from cashloop.reports.schemas import (
    AgingItemsOut,
    AgingItemsQuery,
    AgingOut,
    AgingQuery,
    AgingSummaryQuery,
    CollectionPerformanceOut,
    CollectionPerformanceQuery,
    KpiOut,
    KpiQuery,
    RevenueDocumentsOut,
    RevenueDocumentsQuery,
    RevenueOut,
    RevenueQuery,
    aging_items_out,
    aging_out,
    kpi_out,
    performance_out,
    revenue_documents_out,
    revenue_out,
)

router = Router(tags=["reports"])


def _export(request: HttpRequest, filters: AgingQuery, fmt: str) -> HttpResponse:
    fmt = exports.check_format(fmt)
    require(request.user, "export", Invoice)
    summary = selectors.aging_summary(user=request.user, params=filters.params(), limit=None)
    return exports.aging_export(summary, fmt)


@router.get("/aging", response=AgingOut)
def aging(request: HttpRequest, filters: Query[AgingSummaryQuery], format: str = "") -> Any:
    """Aging by customer and currency as of a date: the `limit` largest rows, all totals.

    `format=csv` or `format=xlsx` answers with the export of every row instead.
    """
    if format and format != "json":
        return _export(request, filters, format)
    summary = selectors.aging_summary(
        user=request.user, params=filters.params(), limit=filters.limit
    )
    return aging_out(summary)


@router.get("/aging.csv", response={200: None})
def aging_csv(request: HttpRequest, filters: Query[AgingQuery]) -> Any:
    """Every row of the aging and the totals per currency, as CSV (UTF-8 with a BOM)."""
    return _export(request, filters, "csv")


@router.get("/aging.xlsx", response={200: None})
def aging_xlsx(request: HttpRequest, filters: Query[AgingQuery]) -> Any:
    """Every row of the aging and the totals per currency, as an Excel workbook."""
    return _export(request, filters, "xlsx")


@router.get("/aging/items", response=AgingItemsOut)
def aging_items(request: HttpRequest, filters: Query[AgingItemsQuery]) -> Any:
    """The open items behind the aging (a bucket of a customer: the drill-down)."""
    found = selectors.aging_items(
        user=request.user,
        params=filters.params(),
        bucket=filters.bucket,
        limit=filters.limit,
        offset=filters.offset,
    )
    return aging_items_out(found)


@router.get("/kpis", response=KpiOut)
def kpis(request: HttpRequest, filters: Query[KpiQuery]) -> Any:
    """Total and overdue AR, overdue ratio, advances, collected in the period, DSO."""
    params = selectors.aging_params(as_of=filters.as_of, currency=filters.currency)
    kpis = selectors.ar_kpis(user=request.user, params=params, period_start=filters.period_start)
    return kpi_out(kpis)


@router.get("/collection-performance", response=CollectionPerformanceOut)
def collection_performance(request: HttpRequest, filters: Query[CollectionPerformanceQuery]) -> Any:
    """Per collector and per rep, for the period and by month: collected, CEI, promises
    kept rate, average days to collect after the first reminder (decision 052).

    Amounts in the base currency; only the customers the user may see (a rep: own, a
    manager: the team's, finance: all).  `from`/`to` default to the last 12 months.
    """
    found = performance.collection_performance(
        user=request.user, date_from=filters.date_from, date_to=filters.date_to
    )
    return performance_out(found)


@router.get("/revenue", response=RevenueOut)
def revenue_report(request: HttpRequest, filters: Query[RevenueQuery]) -> Any:
    """Revenue recognised, invoiced or collected, or the contracted backlog, by a dimension
    over a range of whole months, quarters or years, with the previous period and the same
    period a year before (decision 063).

    Amounts in the base currency; only the customers the user may see.  Bad measures,
    dimensions, grains, comparisons or ranges answer 422 with a `report.*` code.
    """
    found = revenue.revenue_report(user=request.user, params=filters.params(), limit=filters.limit)
    return revenue_out(found)


@router.get("/revenue/documents", response=RevenueDocumentsOut)
def revenue_documents(request: HttpRequest, filters: Query[RevenueDocumentsQuery]) -> Any:
    """The documents behind a figure of the revenue report (the drill-down): invoices and
    credit notes, payments, journal entries or contracts, each with its part; they sum to
    the figure."""
    found = revenue.revenue_documents(
        user=request.user,
        measure=filters.measure,
        dimension=filters.dimension,
        key=filters.key,
        date_from=filters.date_from,
        date_to=filters.date_to,
        limit=filters.limit,
        offset=filters.offset,
    )
    return revenue_documents_out(found)
