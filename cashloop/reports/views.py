"""Pages of reports: the aging with its KPI cards, the drill-down to items, the exports,
collection performance, and revenue analytics with its drill-down to documents."""

from __future__ import annotations

from math import ceil
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cashloop.core.errors import CoreError, DomainError
from cashloop.core.money import base_currency
from cashloop.core.scoping import ALL, OWN, may
from cashloop.customers.models import Customer
from cashloop.identity.models import Team, User
from cashloop.receivables.models import Invoice
from cashloop.reports import charts, exports, performance, revenue, revenue_exports, selectors
from cashloop.reports.selectors import BASIS_CHOICES, AgingParams

PAGE_ROWS = 200
PAGE_ITEMS = 50
FILTERS = ("as_of", "basis", "buckets", "currency", "owner_id", "team_id", "customer_id")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _params(request: HttpRequest) -> tuple[AgingParams, DomainError | None]:
    """The filters typed in the form; bad ones are reported and the defaults used instead."""
    raw = {name: request.GET.get(name, "").strip() for name in FILTERS}
    try:
        params = selectors.aging_params(
            as_of=raw["as_of"],
            basis=raw["basis"],
            buckets=raw["buckets"],
            currency=raw["currency"],
            owner_id=_int(raw["owner_id"]),
            team_id=_int(raw["team_id"]),
            customer_id=_int(raw["customer_id"]),
        )
    except DomainError as exc:
        return AgingParams(as_of=timezone.localdate()), exc
    return params, None


def _require(request: HttpRequest, action: str) -> None:
    if not may(request.user, action, Invoice):
        raise PermissionDenied(str(CoreError.PERMISSION_DENIED.message))


def _choices(user: User) -> dict[str, Any]:
    """Owners and teams to filter by: only those within the user's own scope."""
    visible = Customer.objects.restrict(user, "view")
    scope = user.data_scope("customers.customer", "view")
    owners = User.objects.filter(pk__in=visible.values("owner_id")).order_by("username")
    if scope == ALL:
        teams = Team.objects.order_by("name")
    elif scope == OWN:
        teams = Team.objects.none()
    else:
        teams = Team.objects.filter(pk__in=list(user.scope_team_ids())).order_by("name")
    return {"owners": owners, "teams": teams, "currencies": selectors.report_currencies(user=user)}


@login_required
def index(request: HttpRequest, section: str = "reports") -> HttpResponse:
    return redirect("reports:aging")


@login_required
def aging(request: HttpRequest, section: str = "reports") -> HttpResponse:
    _require(request, "view")
    params, error = _params(request)
    summary = selectors.aging_summary(user=request.user, params=params, limit=PAGE_ROWS)
    kpi_params = (
        params
        if params.currency
        else AgingParams(
            as_of=params.as_of,
            owner_id=params.owner_id,
            team_id=params.team_id,
            customer_id=params.customer_id,
            currency=base_currency(),
        )
    )
    kpis = selectors.ar_kpis(user=request.user, params=kpi_params, summary=summary)
    keys = [b.key for b in summary.buckets]
    rows = [
        {"row": row, "cells": list(zip(keys, row.amounts, strict=True))} for row in summary.rows
    ]
    totals = [
        {"total": total, "cells": list(zip(keys, total.amounts, strict=True))}
        for total in summary.totals
    ]
    context = {
        "params": params,
        "error": error,
        "summary": summary,
        "rows": rows,
        "totals": totals,
        "kpis": kpis,
        "bases": BASIS_CHOICES,
        "query": urlencode(params.query()),
        "cell_query": urlencode(
            {k: v for k, v in params.query().items() if k not in ("currency", "customer_id")}
        ),
        "columns": len(summary.buckets) + 6,
        "can_export": may(request.user, "export", Invoice),
        **_choices(request.user),
    }
    return render(request, "reports/aging.html", context)


@login_required
def aging_items(request: HttpRequest, section: str = "reports") -> HttpResponse:
    _require(request, "view")
    params, error = _params(request)
    bucket = request.GET.get("bucket", "")
    page = max(_int(request.GET.get("page")) or 1, 1)
    try:
        found = selectors.aging_items(
            user=request.user,
            params=params,
            bucket=bucket,
            limit=PAGE_ITEMS,
            offset=(page - 1) * PAGE_ITEMS,
        )
    except DomainError as exc:  # an unknown bucket: show every item instead
        error = error or exc
        bucket = ""
        found = selectors.aging_items(
            user=request.user, params=params, limit=PAGE_ITEMS, offset=(page - 1) * PAGE_ITEMS
        )
    customer = None
    if params.customer_id is not None:
        customer = (
            Customer.objects.restrict(request.user, "view").filter(pk=params.customer_id).first()
        )
    pages = max(ceil(found.count / PAGE_ITEMS), 1)
    context = {
        "params": params,
        "error": error,
        "found": found,
        "customer": customer,
        "bucket": bucket,
        "page": page,
        "pages": pages,
        "query": urlencode(params.query(bucket=bucket)),
        "summary_query": urlencode({k: v for k, v in params.query().items() if k != "customer_id"}),
    }
    return render(request, "reports/aging_items.html", context)


@login_required
def aging_export(request: HttpRequest, fmt: str, section: str = "reports") -> HttpResponse:
    _require(request, "export")
    params, error = _params(request)
    if error is not None:  # the page shows what is wrong with the filters
        return redirect(f"{reverse('reports:aging')}?{request.GET.urlencode()}")
    summary = selectors.aging_summary(user=request.user, params=params, limit=None)
    return exports.aging_export(summary, fmt)


@login_required
def collection_performance(request: HttpRequest, section: str = "reports") -> HttpResponse:
    """Per collector and per rep: collected, CEI, promises kept, days to collect; by month."""
    _require(request, "view")
    error = None
    try:
        perf = performance.collection_performance(
            user=request.user,
            date_from=request.GET.get("from", "").strip(),
            date_to=request.GET.get("to", "").strip(),
        )
    except DomainError as exc:  # bad dates: say so and show the default period
        error = exc
        perf = performance.collection_performance(user=request.user)
    bars = performance.trend_bars(perf)
    context = {
        "perf": perf,
        "error": error,
        "bars": bars,
        "chart_width": max(60 * len(bars), 300),
        "tables": [
            (_("By collector"), perf.collectors, "collectors"),
            (_("By sales rep"), perf.reps, "reps"),
        ],
    }
    return render(request, "reports/collection_performance.html", context)


# --- revenue analytics (decision 063) ---------------------------------------------------

REVENUE_FILTERS = ("measure", "dimension", "grain", "from", "to", "compare")
CHARTS = ("bar", "line", "stacked")

DOCUMENT_KINDS = {
    "invoice": gettext_lazy("Invoice"),
    "credit_note": gettext_lazy("Credit note"),
    "payment": gettext_lazy("Payment"),
    "journal_entry": gettext_lazy("Journal entry"),
    "contract": gettext_lazy("Contract"),
}


def _revenue_params(request: HttpRequest) -> tuple[revenue.RevenueParams, DomainError | None]:
    """The filters typed in the form; bad ones are reported and the defaults used instead."""
    raw = {name: request.GET.get(name, "").strip() for name in REVENUE_FILTERS}
    try:
        params = revenue.revenue_params(
            measure=raw["measure"],
            dimension=raw["dimension"],
            grain=raw["grain"],
            date_from=raw["from"],
            date_to=raw["to"],
            compare=raw["compare"],
        )
    except DomainError as exc:
        return revenue.revenue_params(), exc
    return params, None


def _documents_url(params: revenue.RevenueParams, key: str, window: revenue.Window) -> str:
    query = {
        "measure": params.measure.value,
        "dimension": params.dimension.value,
        "from": window.start.isoformat(),
        "to": window.end.isoformat(),
    }
    if key:
        query["key"] = key
    return f"{reverse('reports:revenue_documents')}?{urlencode(query)}"


def _revenue_chart(report: revenue.RevenueReport, kind: str) -> charts.Chart:
    none_label = str(revenue.NONE_LABELS.get(report.params.dimension, ""))
    if kind == "line":
        return charts.line_chart(report)
    if kind == "stacked":
        return charts.stacked_chart(report, none_label=none_label)
    compare = {
        revenue.Compare.BOTH: "previous",
        revenue.Compare.PREVIOUS: "previous",
        revenue.Compare.YEAR: "year",
    }.get(report.params.compare, "")
    label = _("Previous period") if compare == "previous" else _("Same period a year before")
    return charts.bar_chart(report, compare=compare, none_label=none_label, compare_label=label)


@login_required
def revenue_report(request: HttpRequest, section: str = "reports") -> HttpResponse:
    """Revenue by a dimension and period, compared, charted; every figure drills down."""
    _require(request, "view")
    params, error = _revenue_params(request)
    found = revenue.revenue_report(user=request.user, params=params, limit=PAGE_ROWS)
    is_period = params.dimension == revenue.Dimension.PERIOD
    chart_kind = request.GET.get("chart", "")
    if chart_kind not in CHARTS:
        chart_kind = "line" if is_period else "bar"

    def linked(row: revenue.RevenueRow, total: bool = False) -> dict[str, Any]:
        key = "" if total or is_period else row.key_text
        windows = found.windows(row)
        return {
            "row": row,
            "links": {name: _documents_url(params, key, w) for name, w in windows.items()},
        }

    context = {
        "params": params,
        "error": error,
        "report": found,
        "rows": [linked(row) for row in found.rows],
        "total": linked(found.total, total=True),
        "none_label": revenue.NONE_LABELS.get(params.dimension, ""),
        "show_previous": params.compare in (revenue.Compare.BOTH, revenue.Compare.PREVIOUS),
        "show_year": params.compare in (revenue.Compare.BOTH, revenue.Compare.YEAR),
        "chart": _revenue_chart(found, chart_kind),
        "chart_kind": chart_kind,
        "charts": [
            ("bar", _("Bar chart")),
            ("line", _("Line chart")),
            ("stacked", _("Stacked columns")),
        ],
        "measures": list(revenue.MEASURE_LABELS.items()),
        "dimensions": list(revenue.DIMENSION_LABELS.items()),
        "grains": list(revenue.GRAIN_LABELS.items()),
        "compares": list(revenue.COMPARE_LABELS.items()),
        "query": urlencode(params.query()),
        "can_export": may(request.user, "export", Invoice),
    }
    return render(request, "reports/revenue.html", context)


@login_required
def revenue_export(request: HttpRequest, fmt: str, section: str = "reports") -> HttpResponse:
    """The revenue table, every row, as CSV or Excel."""
    _require(request, "export")
    params, error = _revenue_params(request)
    if error is not None:  # the page shows what is wrong with the filters
        return redirect(f"{reverse('reports:revenue')}?{request.GET.urlencode()}")
    found = revenue.revenue_report(user=request.user, params=params)
    return revenue_exports.revenue_export(found, fmt)


@login_required
def revenue_documents(request: HttpRequest, section: str = "reports") -> HttpResponse:
    """The documents behind a figure of the revenue report, each linking to its page."""
    _require(request, "view")
    page = max(_int(request.GET.get("page")) or 1, 1)
    raw = {name: request.GET.get(name, "").strip() for name in ("measure", "dimension", "key")}
    try:
        found = revenue.revenue_documents(
            user=request.user,
            measure=raw["measure"],
            dimension=raw["dimension"],
            key=raw["key"],
            date_from=request.GET.get("from", "").strip(),
            date_to=request.GET.get("to", "").strip(),
            limit=PAGE_ITEMS,
            offset=(page - 1) * PAGE_ITEMS,
        )
    except DomainError as exc:
        return render(
            request, "reports/revenue_documents.html", {"error": exc, "found": None}, status=422
        )
    label = ""
    if raw["key"] and found.dimension != revenue.Dimension.PERIOD:
        if found.key is None:
            label = str(revenue.NONE_LABELS.get(found.dimension, ""))
        else:
            names = revenue.dimension_labels(found.dimension, [found.key])
            label = names.get(found.key, str(found.key))
    back = {
        "measure": found.measure.value,
        "dimension": found.dimension.value,
        "from": found.window.start.isoformat(),
        "to": found.window.end.isoformat(),
    }
    context = {
        "found": found,
        "error": None,
        "label": label,
        "measure_label": revenue.MEASURE_LABELS[found.measure],
        "dimension_label": revenue.DIMENSION_LABELS[found.dimension],
        "is_backlog": found.measure == revenue.Measure.BACKLOG,
        "kinds": DOCUMENT_KINDS,
        "page": page,
        "pages": max(ceil(found.count / PAGE_ITEMS), 1),
        "query": urlencode({k: v for k, v in request.GET.items() if k != "page"}),
        "back_query": urlencode(back),
    }
    return render(request, "reports/revenue_documents.html", context)
