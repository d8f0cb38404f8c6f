"""How good the kept forecasts were (decision 055): the weeks that have passed of every
finished base forecast of the last year, held against the customer payments that really
came in those weeks.

For each horizon (the forecast's 1st, 4th and 13th week): WAPE, the weighted absolute
percentage error `sum |actual - P50| / sum actual`, of the forecast and of its naive
baseline (every receipt on its due date); and the band's coverage, the share of weeks whose
actual fell within P10-P90 (near 80% when the band is honest).  A forecast made every day
scores every day's 13 weeks: each (forecast, week) pair counts once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.db.models import Sum

from cashloop.receivables.models import Payment
from cashloop.treasury.choices import ForecastStatus
from cashloop.treasury.history import day_number
from cashloop.treasury.models import ForecastRun

HORIZONS = (1, 4, 13)
RECENT = 12  # weeks shown one by one
SCORED_DAYS = 365  # forecasts made this far back are scored


@dataclass(frozen=True)
class HorizonScore:
    weeks_ahead: int
    pairs: int  # (forecast, week) pairs scored
    wape: float | None
    wape_due_date: float | None
    coverage: float | None


@dataclass(frozen=True)
class PastWeek:
    """A week that has passed, as the forecast made just before it saw it."""

    start: date
    end: date
    actual: float
    p10: float
    p50: float
    p90: float
    due_date: float

    @property
    def inside(self) -> bool:
        return self.p10 <= self.actual <= self.p90


@dataclass(frozen=True)
class Accuracy:
    horizons: list[HorizonScore]
    recent: list[PastWeek]
    forecasts: int  # kept forecasts with at least one week passed


def accuracy(today: date) -> Accuracy:
    """The scores of the passed weeks of the base forecasts kept in the year to `today`.

    A year bounds what a page reads (a forecast a day) and keeps the score about the model
    as it is now."""
    runs = list(
        ForecastRun.objects.filter(
            status=ForecastStatus.DONE,
            scenario__isnull=True,
            as_of__lt=today,
            as_of__gte=today - timedelta(days=SCORED_DAYS),
        )
        .order_by("as_of", "pk")
        .only("pk", "weeks")
    )
    rows = [
        (run.pk, k + 1, week)
        for run in runs
        for k, week in enumerate(run.weeks)
        if date.fromisoformat(week["end"]) <= today
    ]
    if not rows:
        return Accuracy([HorizonScore(h, 0, None, None, None) for h in HORIZONS], [], 0)
    first = min(date.fromisoformat(w["start"]) for _, _, w in rows)
    received = _received(first, today)
    pairs = [
        (
            horizon,
            week,
            received(date.fromisoformat(week["start"]), date.fromisoformat(week["end"])),
        )
        for _, horizon, week in rows
    ]
    horizons = [_score(h, [(w, a) for k, w, a in pairs if k == h]) for h in HORIZONS]
    # The latest forecast made before each week: its first week.
    nearest: dict[str, tuple[dict[str, Any], float]] = {}
    for horizon, week, actual in pairs:
        if horizon == 1:
            nearest[week["start"]] = (week, actual)
    recent = [
        PastWeek(
            start=date.fromisoformat(week["start"]),
            end=date.fromisoformat(week["end"]),
            actual=actual,
            p10=week["inflow_p10"],
            p50=week["inflow_p50"],
            p90=week["inflow_p90"],
            due_date=week["inflow_due_date"],
        )
        for week, actual in sorted(nearest.values(), key=lambda pair: pair[0]["start"])
    ][-RECENT:]
    return Accuracy(horizons, recent, len({run_id for run_id, _, _ in rows}))


def _received(first: date, today: date) -> Callable[[date, date], float]:
    """A function of (start, end) -> the customer payments received from start up to, not
    including, end (voided ones not counted): one query, then cumulative sums."""
    daily = (
        Payment.objects.filter(date__gte=first, date__lt=today, voided_on__isnull=True)
        .values("date")
        .annotate(total=Sum("base_amount"))
        .values_list("date", "total")
    )
    start = day_number(first)
    amounts = np.zeros(day_number(today) - start + 1)
    for day, total in daily:
        amounts[day_number(day) - start] += float(total)
    cumulative = np.r_[0.0, np.cumsum(amounts)]

    def received(begin: date, end: date) -> float:
        return float(cumulative[day_number(end) - start] - cumulative[day_number(begin) - start])

    return received


def _score(horizon: int, pairs: list[tuple[dict[str, Any], float]]) -> HorizonScore:
    if not pairs:
        return HorizonScore(horizon, 0, None, None, None)
    actual = np.array([a for _, a in pairs])
    p50 = np.array([w["inflow_p50"] for w, _ in pairs])
    naive = np.array([w["inflow_due_date"] for w, _ in pairs])
    low = np.array([w["inflow_p10"] for w, _ in pairs])
    high = np.array([w["inflow_p90"] for w, _ in pairs])
    total = actual.sum()
    return HorizonScore(
        weeks_ahead=horizon,
        pairs=len(pairs),
        wape=float(np.abs(actual - p50).sum() / total) if total else None,
        wape_due_date=float(np.abs(actual - naive).sum() / total) if total else None,
        coverage=float(((low <= actual) & (actual <= high)).mean()),
    )
