"""The role dashboards on the home page (decision 064): what a rep, a sales manager, finance
and the CFO or treasurer each look at first, every card linking to the report behind it.

Which boards a user sees follows their roles (`BOARDS`; an administrator sees them all), and
each card on a board is built only when the user may read its source (`may(user, "view",
Model)`): a custom role holding half a board's grants sees half of its cards.  Every figure
comes from the selector that its report uses, scoped to the user, so a card never says more
than the page it links to.  Each board runs a bounded number of queries whatever the size
of the book (tests assert the bound).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from cashloop.banking.choices import LineStatus
from cashloop.banking.models import StatementLine
from cashloop.banking.selectors import statement_line_list
from cashloop.collections import selectors as collection_selectors
from cashloop.collections.models import CollectionTask, DunningLog
from cashloop.core.dates import add_months, month_end, month_start
from cashloop.core.money import base_currency
from cashloop.core.scoping import may
from cashloop.credit import selectors as credit_selectors
from cashloop.identity.models import User
from cashloop.receivables.models import Invoice
from cashloop.reports import selectors as report_selectors
from cashloop.reports.schedules import monthly_revenue
from cashloop.reports.selectors import AgingParams, AgingRow, AgingSummary
from cashloop.sales import funnel
from cashloop.sales import selectors as sales_selectors
from cashloop.sales.choices import OpportunityStatus
from cashloop.sales.forecast import forecast_get, period_containing
from cashloop.sales.models import Opportunity
from cashloop.treasury import selectors as treasury_selectors
from cashloop.treasury.choices import Direction, ForecastStatus
from cashloop.treasury.models import BudgetLine, ForecastRun
from cashloop.treasury.views import Frame

TOP = 5  # rows a list card shows; its link leads to the rest
DSO_MONTHS = 6  # points of the DSO trend: the last five month ends and today
REVENUE_MONTHS = 12


@dataclass(frozen=True)
class Board:
    key: str
    title: Promise
    roles: tuple[str, ...]
    build: Callable[[User, date], dict[str, Any]]

    @property
    def template(self) -> str:
        return f"web/boards/{self.key}.html"


@dataclass(frozen=True)
class Sparkline:
    """A small server-side SVG line: its points, and the first and last values labelled."""

    points: str
    width: int
    height: int
    dots: list[tuple[int, int, Any, date]]


def sparkline(
    values: list[Any], days: list[date], width: int = 480, height: int = 110
) -> Sparkline:
    frame = Frame.around(values, len(values), width, height, 6, floor=True)
    dots = [
        (frame.x(i), frame.y(v), v, d) for i, (v, d) in enumerate(zip(values, days, strict=True))
    ]
    return Sparkline(frame.line(values), width, height, dots)


def _url(name: str, **query: Any) -> str:
    shown = {k: v for k, v in query.items() if v not in (None, "")}
    return reverse(name) + (f"?{urlencode(shown)}" if shown else "")


def _overdue(row: AgingRow) -> Decimal:
    """What a customer owes past its due dates: everything but the first (current) bucket."""
    return row.total - (row.amounts[0] if row.amounts else Decimal(0))


def _aging(user: User, today: date, owner_id: int | None = None) -> AgingSummary:
    """Every customer's aging in the base currency (the dashboards add up rows by owner or
    pick the worst ones; the aging totals stay exact for each currency on the report)."""
    params = AgingParams(as_of=today, currency=base_currency(), owner_id=owner_id)
    return report_selectors.aging_summary(user=user, params=params, limit=None)


def _worst(rows: list[AgingRow], count: int = TOP) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = [{"row": r, "overdue": _overdue(r)} for r in rows]
    found = [f for f in found if f["overdue"] > 0]
    found.sort(key=lambda f: (-f["overdue"], f["row"].customer_id))
    return found[:count]


# --- the rep ----------------------------------------------------------------------------------


def rep_board(user: User, today: date) -> dict[str, Any]:
    """My pipeline (this month against my target, and everything open), my overdue
    customers, my open collection tasks."""
    context: dict[str, Any] = {"currency": base_currency(), "today": today}
    if may(user, "view", Opportunity):
        forecast = forecast_get(user=user, period=period_containing(today))
        mine = next((r for g in forecast.groups for r in g.rows if r.user.pk == user.pk), None)
        open_deals = (
            Opportunity.objects.restrict(user, "view")
            .filter(owner=user, status=OpportunityStatus.OPEN)
            .aggregate(count=Count("pk"), amount=Sum("base_amount"))
        )
        context["pipeline"] = {
            "period": forecast.period,
            "row": mine,
            "open_count": open_deals["count"],
            "open_amount": open_deals["amount"] or Decimal(0),
            "url": _url("sales:opportunity_list", owner=user.pk, status=OpportunityStatus.OPEN),
            "forecast_url": _url("sales:forecast"),
        }
    if may(user, "view", Invoice):
        summary = _aging(user, today, owner_id=user.pk)
        context["ar"] = report_selectors.ar_kpis(user=user, params=summary.params, summary=summary)
        worst = _worst(summary.rows, count=len(summary.rows))
        context["overdue"] = {
            "rows": worst[:TOP],
            "count": len(worst),
            "url": _url("reports:aging", owner_id=user.pk),
        }
    if may(user, "view", CollectionTask):
        tasks = (
            CollectionTask.objects.restrict(user, "view")
            .filter(assignee=user, done_at__isnull=True)
            .select_related("customer")
            .order_by("due_date", "pk")
        )
        shown = list(tasks[:TOP])
        context["tasks"] = {
            "rows": shown,
            "count": tasks.count(),
            "late": sum(1 for t in shown if t.due_date < today),
            "url": _url("worklist:collections"),
        }
    return context


# --- the sales manager ------------------------------------------------------------------------


def manager_board(user: User, today: date) -> dict[str, Any]:
    """The team's forecast against target this month, the funnel of the last 90 days, and
    overdue receivables by rep."""
    context: dict[str, Any] = {"currency": base_currency()}
    if may(user, "view", Opportunity):
        context["forecast"] = forecast_get(user=user, period=period_containing(today))
        date_from, date_to = funnel.date_range(None, today)
        pipeline = sales_selectors.pipeline_list(user=user, active_only=True).first()
        if pipeline is not None:
            found = funnel.funnel_get(
                user=user, pipeline=pipeline, date_from=date_from, date_to=date_to
            )
            context["funnel"] = {
                "result": found,
                "stages": [s for s in found.stages if s.stage.kind != "lost"],
                "url": _url("sales:funnel", pipeline=pipeline.pk),
            }
    if may(user, "view", Invoice):
        by_owner: dict[str, dict[str, Any]] = defaultdict(
            lambda: {"overdue": Decimal(0), "customers": 0, "owner_id": None}
        )
        for row in _aging(user, today).rows:
            overdue = _overdue(row)
            if overdue <= 0:
                continue
            entry = by_owner[row.owner]
            entry["overdue"] += overdue
            entry["customers"] += 1
            entry["owner_id"] = row.owner_id
        reps = sorted(by_owner.items(), key=lambda kv: (-kv[1]["overdue"], kv[0]))
        context["overdue_by_rep"] = [
            {"name": name, **entry, "url": _url("reports:aging", owner_id=entry["owner_id"])}
            for name, entry in reps
        ]
        context["aging_url"] = _url("reports:aging")
    return context


# --- finance ------------------------------------------------------------------------------------


def _dso_trend(user: User, ar: report_selectors.ArKpis) -> Sparkline:
    """DSO at the end of each of the last months, the AR report's formula, and today's."""
    today = ar.as_of
    days = [month_end(add_months(today, -n)) for n in range(DSO_MONTHS - 1, 0, -1)]
    values = report_selectors.dso_trend(user=user, days=days)
    return sparkline([*values, ar.dso], [*days, today])


def finance_board(user: User, today: date) -> dict[str, Any]:
    """AR with DSO and its trend, the aging buckets, unmatched bank lines, today's dunning,
    promises to pay due and customers on hold."""
    context: dict[str, Any] = {"currency": base_currency(), "today": today}
    if may(user, "view", Invoice):
        params = AgingParams(as_of=today, currency=base_currency())
        summary = report_selectors.aging_summary(user=user, params=params, limit=0)
        context["ar"] = report_selectors.ar_kpis(user=user, params=params, summary=summary)
        total = summary.total_for(base_currency())
        if total is not None and total.total > 0:
            context["aging"] = [
                {
                    "bucket": bucket,
                    "amount": amount,
                    "percent": round(amount * 100 / total.total),
                    "url": _url("reports:aging_items", bucket=bucket.key),
                }
                for bucket, amount in zip(summary.buckets, total.amounts, strict=True)
            ]
        context["dso_trend"] = _dso_trend(user, context["ar"])
    if may(user, "view", StatementLine):
        unmatched = statement_line_list(user=user, status=LineStatus.UNMATCHED)
        context["unmatched"] = {
            **unmatched.aggregate(count=Count("pk"), incoming=Count("pk", filter=Q(amount__gt=0))),
            "url": _url("workbench:workbench"),
        }
    if may(user, "view", DunningLog):
        sent = collection_selectors.log_list(user=user).filter(run_date=today)
        context["dunning_today"] = {
            "count": sent.count(),
            "url": _url("collections:log"),
        }
    context["overdue_levels"] = collection_selectors.overdue_by_level(user=user, today=today)
    context["promises_due"] = collection_selectors.promises_due(user=user, today=today)
    context["customers_on_hold"] = credit_selectors.customers_on_hold_count(user=user)
    return context


# --- the CFO and the treasurer -------------------------------------------------------------


def _forecast(user: User) -> dict[str, Any]:
    """The latest forecast's P50 and P10 balance at its horizon and its worst week's chance
    of going below the minimum, as the treasury page shows them."""
    run = treasury_selectors.forecast_latest(user=user)
    if run is None or run.status != ForecastStatus.DONE or not run.weeks:
        return {"run": run, "done": False, "pending": run is not None}
    last = run.weeks[-1]
    worst = max(run.weeks, key=lambda w: w["shortfall"])
    return {
        "run": run,
        "done": True,
        "balance_p50": Decimal(str(last["balance_p50"])),
        "balance_p10": Decimal(str(last["balance_p10"])),
        "end": date.fromisoformat(last["start"]),
        "shortfall": round(worst["shortfall"] * 100),
        "shortfall_week": date.fromisoformat(worst["start"]),
        "alert": treasury_selectors.treasury_settings().shortfall_alert_percent,
    }


def _budget(user: User, today: date) -> dict[str, Any]:
    """Budget against actual, year to date, per direction (only mapped categories have an
    actual; the others are left out of both sides so the variance compares like with like)."""
    year = treasury_selectors.fiscal_year_of(today)
    budget = treasury_selectors.budget_get(user=user, year=year)
    done = [n for n, m in enumerate(budget.months) if m <= today]
    sides = []
    for direction in (Direction.INFLOW, Direction.OUTFLOW):
        rows = [
            r
            for r in budget.rows
            if r.category.direction == direction and r.actual_total is not None
        ]
        planned = sum((r.budget[n] for r in rows for n in done), Decimal(0))
        actual = sum((r.actual[n] or Decimal(0) for r in rows for n in done), Decimal(0))
        sides.append(
            {
                "direction": direction,
                "budget": planned,
                "actual": actual,
                "variance": actual - planned,
            }
        )
    return {"year": year, "sides": sides, "url": _url("treasury:budget_vs_actual", year=year)}


def _revenue(user: User, today: date) -> dict[str, Any]:
    """Invoiced and collected by month over the last year, as the revenue report has them."""
    start = add_months(month_start(today), -(REVENUE_MONTHS - 1))
    months = monthly_revenue(user, start, today)
    return {
        "this": months[-1],
        "trend": sparkline([m["invoiced"] for m in months], [m["month"] for m in months]),
        "url": _url("reports:revenue"),
    }


def cfo_board(user: User, today: date) -> dict[str, Any]:
    """The cash forecast and the chance of a shortfall, the top risks, the budget variance,
    and revenue invoiced and collected."""
    context: dict[str, Any] = {"currency": base_currency(), "today": today}
    if may(user, "view", ForecastRun):
        context["forecast"] = _forecast(user)
    if may(user, "view", Invoice):
        context["risks"] = {"rows": _worst(_aging(user, today).rows), "url": _url("reports:aging")}
        context["revenue"] = _revenue(user, today)
    context["customers_on_hold"] = credit_selectors.customers_on_hold_count(user=user)
    if may(user, "view", BudgetLine):
        context["budget"] = _budget(user, today)
    return context


BOARDS = (
    Board("rep", _("My sales"), ("sales_rep",), rep_board),
    Board("manager", _("My team"), ("sales_manager",), manager_board),
    Board("finance", _("Receivables"), ("finance", "collector"), finance_board),
    Board("cfo", _("Cash and risk"), ("treasurer",), cfo_board),
)
BOARDS_BY_KEY = {b.key: b for b in BOARDS}


def boards_for(user: User) -> list[Board]:
    """The boards of the user's roles, in `BOARDS` order; an administrator sees every one."""
    codes = set(user.role_codes())
    if user.is_superuser or "admin" in codes:
        return list(BOARDS)
    return [b for b in BOARDS if codes.intersection(b.roles)]
