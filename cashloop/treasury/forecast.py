"""The cash forecast (the financial twin): expected receipts simulated into weekly or monthly
periods, planned outflows taken away, from the opening cash position, with P10/P50/P90
bands and the probability that the balance falls below the treasurer's minimum
(decision 055).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from cashloop.treasury.history import day_number
from cashloop.treasury.receipts import Expected
from cashloop.treasury.simulation import Bands, bands, period_sums

WEEKS = 13
MONTHS = 12
PATHS = 1_000


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
