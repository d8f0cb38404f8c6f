"""The cash forecast (the financial twin): expected receipts simulated into weekly or monthly
periods, planned outflows taken away, from the opening cash position, with P10/P50/P90
bands and the probability that the balance falls below the treasurer's minimum
(decision 055).

`figures` makes one forecast's numbers, as the JSON a `ForecastRun` keeps; the service
(`services.forecast_run_compute`) stores them.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from cashloop.core.dates import month_start
from cashloop.core.errors import DomainError
from cashloop.customers.models import Customer
from cashloop.treasury.backtest import INFLOW_WEEKS, backtest
from cashloop.treasury.behaviour import QUANTILES, Behaviour, fit, no_history
from cashloop.treasury.choices import Direction
from cashloop.treasury.history import PaymentHistory, day_number, payment_history
from cashloop.treasury.models import BudgetLine, PlannedItem
from cashloop.treasury.receipts import Expected, expected
from cashloop.treasury.scenarios import ScenarioParams, apply
from cashloop.treasury.selectors import occurrences
from cashloop.treasury.simulation import Bands, bands, period_sums, sum_by_period

WEEKS = 13
MONTHS = 12
PATHS = 1_000
# Each forecast backtests its model from this many weeks back (INFLOW_WEEKS scored + 1).
BACKTEST_WEEKS = 5


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # the first day after it


def weeks(start: date, count: int = WEEKS) -> list[Period]:
    """`count` weeks from `start` (the forecast's first day)."""
    return [
        Period(start + timedelta(weeks=n), start + timedelta(weeks=n + 1)) for n in range(count)
    ]


def months(start: date, count: int = MONTHS) -> list[Period]:
    """The rest of `start`'s month, then `count - 1` calendar months."""
    periods = []
    first = start
    for _ in range(count):
        last_day = calendar.monthrange(first.year, first.month)[1]
        end = date(first.year, first.month, last_day) + timedelta(days=1)
        periods.append(Period(first, end))
        first = end
    return periods


def edges(periods: list[Period]) -> np.ndarray:
    return np.array([day_number(p.start) for p in periods] + [day_number(periods[-1].end)])


@dataclass(frozen=True)
class Simulated:
    """What the simulation says per period (amounts in the base currency, as floats: they
    are estimates, shown rounded)."""

    periods: list[Period]
    paths: int
    inflow: Bands
    inflow_mean: np.ndarray
    outflow: np.ndarray  # planned, the same on every path
    balance: Bands  # at each period's end
    shortfall: np.ndarray  # the share of paths whose balance is below the minimum
    opening: float
    minimum: float


def simulate(
    expected: Expected,
    periods: list[Period],
    *,
    opening: float,
    outflow: np.ndarray,
    minimum: float,
    common_spread: float = 0.0,
    paths: int = PATHS,
    seed: int = 0,
) -> Simulated:
    """Simulate `paths` futures of the receipts over `periods` (seedable: the same seed and
    inputs give the same figures)."""
    rng = np.random.default_rng(seed)
    inflow = period_sums(expected.receipts, edges(periods), paths, rng, common_spread)
    balance = opening + np.cumsum(inflow - outflow[None, :], axis=1)
    return Simulated(
        periods=periods,
        paths=paths,
        inflow=bands(inflow),
        inflow_mean=inflow.mean(axis=0),
        outflow=outflow,
        balance=bands(balance),
        shortfall=(balance < minimum).mean(axis=0),
        opening=opening,
        minimum=minimum,
    )


def planned(
    periods: list[Period], moves: dict[int, int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Budgeted and planned money in and out per period, for the categories in the forecast:
    a month's budget line spread evenly over its days, planned items on their days (moved
    by `moves`: planned item id -> days, a scenario's)."""
    start, end = periods[0].start, periods[-1].end
    first = edges(periods)
    days_in: list[tuple[int, float]] = []  # (day number, amount)
    days_out: list[tuple[int, float]] = []
    lines = BudgetLine.objects.filter(
        category__in_forecast=True,
        category__active=True,
        month__gte=month_start(start),
        month__lt=end,
    ).values_list("month", "amount", "category__direction")
    for month, amount, direction in lines:
        length = calendar.monthrange(month.year, month.month)[1]
        daily = float(amount) / length
        target = days_in if direction == Direction.INFLOW else days_out
        target += [(day_number(month) + d, daily) for d in range(length)]
    moves = moves or {}
    earlier = max((-days for days in moves.values()), default=0)
    items = PlannedItem.objects.filter(
        category__in_forecast=True,
        category__active=True,
        first_date__lt=end + timedelta(days=max(earlier, 0)),
    ).select_related("category")
    for item in items:
        target = days_in if item.category.direction == Direction.INFLOW else days_out
        shift = moves.get(item.pk, 0)
        # Occurrences from before the horizon may move into it, and out of it.
        since = start - timedelta(days=max(shift, 0))
        target += [
            (day_number(day) + shift, float(item.amount))
            for day in occurrences(
                item, since, end - timedelta(days=1) - timedelta(days=min(shift, 0))
            )
        ]
    return _per_period(days_in, first), _per_period(days_out, first)


def _per_period(flows: list[tuple[int, float]], window: np.ndarray) -> np.ndarray:
    if not flows:
        return np.zeros(len(window) - 1)
    days, amounts = (np.array(column) for column in zip(*flows, strict=True))
    return sum_by_period(days, amounts, window)


def landing_chance(found: Expected, start: int, end: int) -> np.ndarray:
    """Per receipt, the chance it is received in [start, end): its behaviour's distribution,
    given what is already overdue, read off the quantiles (no sampling)."""
    receipts = found.receipts

    def share_before(day: int) -> np.ndarray:
        """Each receipt's chance of being paid before `day`: the share of its quantiles
        below the days late that day would be."""
        return (receipts.rows < (day - receipts.due)[:, None]).sum(axis=1) / QUANTILES

    past = share_before(int(found.day) + 1)
    rest = np.where(past < 1, 1 - past, 1.0)
    window = np.clip(share_before(end) - np.maximum(share_before(start), past), 0, None)
    return receipts.chance * window / rest


def drivers(found: Expected, period: Period, count: int = 5) -> list[dict[str, Any]]:
    """The customers expected to bring the most in `period`, with what makes it up."""
    chance = landing_chance(found, day_number(period.start), day_number(period.end))
    weighted = chance * found.receipts.amount
    ids, index = np.unique(found.customer, return_inverse=True)
    totals = np.bincount(index, weights=weighted)
    top = np.argsort(-totals)[:count]
    names = dict(Customer.objects.filter(pk__in=ids[top].tolist()).values_list("pk", "name"))
    result = []
    for i in top:
        if totals[i] <= 0:
            break
        mine = index == i
        result.append(
            {
                "customer_id": int(ids[i]),
                "customer": names.get(int(ids[i]), ""),
                "expected": round(float(totals[i]), 2),
                "open_amount": round(float(found.receipts.amount[mine].sum()), 2),
                "receipts": int(mine.sum()),
            }
        )
    return result


def naive(found: Expected, periods: list[Period]) -> np.ndarray:
    """The due-date forecast, the baseline the accuracy report compares with: every receipt
    (weighted by its chance) on its due day, or tomorrow when that has passed."""
    receipts = found.receipts
    day = np.maximum(receipts.due, int(found.day) + 1)
    return sum_by_period(day, receipts.amount * receipts.chance, edges(periods))


Progress = Callable[[int], None]


def figures(
    *,
    as_of: date,
    opening: float,
    minimum: float,
    paths: int,
    seed: int,
    progress: Progress,
    scenario: ScenarioParams | None = None,
) -> dict[str, Any]:
    """One forecast from `as_of`: the model fitted on the history, the receipts expected,
    13 weeks and 12 months simulated.  -> the fields of a `ForecastRun`, as JSON.  With a
    scenario, its figures, and the base's as `base_weeks` / `base_months` from the same
    data and seed."""
    day = day_number(as_of)
    history = payment_history()
    progress(20)
    model = fit(history, day) or no_history(day)
    found = expected(model, as_of)
    progress(40)
    result: dict[str, Any] = {"model": _model_summary(model, len(found.receipts.amount))}
    variants: list[tuple[str, Expected, dict[int, int]]] = [("", found, {})]
    if scenario is not None:
        item = scenario.planned_item_id
        moved = {item: scenario.planned_shift_days} if item is not None else {}
        variants = [("", apply(scenario, found), moved), ("base_", found, {})]
    for prefix, receipts, moves in variants:
        for name, periods, offset in (("weeks", weeks(as_of), 0), ("months", months(as_of), 1)):
            money_in, money_out = planned(periods, moves)
            simulated = simulate(
                receipts,
                periods,
                opening=opening,
                outflow=money_out - money_in,
                minimum=minimum,
                common_spread=model.common_spread,
                paths=paths,
                seed=seed + offset,
            )
            result[prefix + name] = _rows(simulated, naive(receipts, periods), money_in, money_out)
        progress(65 if prefix == "" and scenario is not None else 90)
    result["drivers"] = drivers(variants[0][1], months(as_of, 2)[1])
    if scenario is None:
        result["model"]["backtest"] = _backtest_summary(history, as_of)
    return result


def _backtest_summary(history: PaymentHistory, as_of: date) -> dict[str, Any] | None:
    """The model's backtest from BACKTEST_WEEKS weeks ago: what it would have said then, and
    how it went (decision 053).  None while the history is too short for one."""
    try:
        result = backtest(history, as_of - timedelta(weeks=BACKTEST_WEEKS), as_of)
    except DomainError:
        return None
    inflow = result.inflow
    return {
        "as_of": result.as_of.isoformat(),
        "evaluated": result.evaluated,
        "mae_days": round(result.score("model").mae_days, 1),
        "mae_due_date": round(result.score("due_date").mae_days, 1),
        "mae_customer_average": round(result.score("customer_average").mae_days, 1),
        "wape": round(inflow.wape, 4) if inflow else None,
        "wape_due_date": round(inflow.wape_due_date, 4) if inflow else None,
        "covered": inflow.covered if inflow else None,
        "weeks": INFLOW_WEEKS,
    }


def _model_summary(model: Behaviour, receipts: int) -> dict[str, Any]:
    return {
        "learnt_from": model.observations,
        "customers": len(model.customers),
        "festival_shift_days": round(model.festival_shift, 1),
        "common_spread_days": round(model.common_spread, 1),
        "receipts": receipts,
    }


def _rows(
    simulated: Simulated, due_date: np.ndarray, money_in: np.ndarray, money_out: np.ndarray
) -> list[dict[str, Any]]:
    def cents(values: np.ndarray, k: int) -> float:
        return round(float(values[k]), 2)

    return [
        {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "inflow_p10": cents(simulated.inflow.p10, k),
            "inflow_p50": cents(simulated.inflow.p50, k),
            "inflow_p90": cents(simulated.inflow.p90, k),
            "inflow_mean": cents(simulated.inflow_mean, k),
            "inflow_due_date": cents(due_date, k),
            "planned_in": cents(money_in, k),
            "planned_out": cents(money_out, k),
            "balance_p10": cents(simulated.balance.p10, k),
            "balance_p50": cents(simulated.balance.p50, k),
            "balance_p90": cents(simulated.balance.p90, k),
            "shortfall": round(float(simulated.shortfall[k]), 4),
        }
        for k, period in enumerate(simulated.periods)
    ]
