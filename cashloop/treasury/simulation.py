"""The cash forecast's Monte Carlo: when each expected receipt lands, path by path, summed per
period (decision 055).

Pure numpy on arrays the forecast gathers: receipts (an amount, a quantile row of days late
from the payment-behaviour model, the due day, how overdue it is already, and a chance
that it happens at all, below 1 for weighted pipeline) are sampled `paths` times and
summed into periods.  Memory stays bounded: receipts are taken CHUNK at a time, so a
(receipts x paths) array of at most CHUNK x paths samples exists at once, never the
(receipts x paths x periods) cube.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cashloop.treasury.behaviour import QUANTILES, TAIL_DAYS

CHUNK = 2_000  # receipts sampled at a time: CHUNK x paths samples in memory
# Beyond a customer's latest quantile, the wait is exponential with TAIL_DAYS as median.
TAIL_MEAN = TAIL_DAYS / np.log(2)


@dataclass(frozen=True)
class Receipts:
    """Expected receipts: one entry each, amounts in the base currency."""

    amount: np.ndarray  # float64
    rows: np.ndarray  # (n, QUANTILES) days late
    due: np.ndarray  # int64 day numbers
    overdue: np.ndarray  # int64: days late already reached unpaid (below 0: not due yet)
    chance: np.ndarray  # float64 in (0, 1]: that it is received at all


def period_sums(
    receipts: Receipts,
    edges: np.ndarray,
    paths: int,
    rng: np.random.Generator,
    common_spread: float = 0.0,
) -> np.ndarray:
    """Per path and period, the amount received: (paths, periods).  Period k holds the days
    from edges[k] up to, not including, edges[k + 1].  On each path every receipt moves by
    the same normal shift of `common_spread` days' deviation: the company's customers pay
    faster or slower together (decision 053), which independent draws alone would miss."""
    periods = len(edges) - 1
    total = np.zeros(paths * periods)
    path_offset = (np.arange(paths) * periods)[None, :]
    shift = rng.normal(0, common_spread, paths) if common_spread > 0 else None
    for start in range(0, len(receipts.amount), CHUNK):
        part = slice(start, start + CHUNK)
        days = sample_days(receipts.rows[part], receipts.overdue[part], paths, rng, shift)
        day = receipts.due[part][:, None] + days
        period = np.searchsorted(edges, day, side="right") - 1
        landed = (period >= 0) & (period < periods)
        chance = receipts.chance[part]
        if (chance < 1).any():
            landed &= rng.random(day.shape) < chance[:, None]
        amount = np.broadcast_to(receipts.amount[part][:, None], day.shape)
        total += np.bincount(
            (period + path_offset)[landed], weights=amount[landed], minlength=paths * periods
        )
    return total.reshape(paths, periods)


def sample_days(
    rows: np.ndarray,
    overdue: np.ndarray,
    paths: int,
    rng: np.random.Generator,
    shift: np.ndarray | None = None,
) -> np.ndarray:
    """`paths` draws of days late per row, each later than its `overdue`: inverse-CDF
    sampling of the quantiles above the share already past, plus each path's `shift`.
    (rows, paths) integers."""
    count = len(rows)
    past = (rows <= overdue[:, None]).sum(axis=1) / QUANTILES
    level = past[:, None] + (1 - past[:, None]) * rng.random((count, paths))
    position = np.clip(level * QUANTILES - 0.5, 0, QUANTILES - 1)
    low = position.astype(np.int64)
    high = np.minimum(low + 1, QUANTILES - 1)
    take = np.arange(count)[:, None]
    low_value = rows[take, low]
    days = low_value + (position - low) * (rows[take, high] - low_value)
    floor = overdue[:, None] + 1
    beyond = (past >= 1 - 0.5 / QUANTILES)[:, None]
    if beyond.any():
        wait = rng.exponential(TAIL_MEAN, (count, paths))
        days = np.where(beyond, floor + wait, days)
    if shift is not None:
        days = days + shift[None, :]
    return np.maximum(np.rint(days), floor).astype(np.int64)


def sum_by_period(days: np.ndarray, amounts: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Amounts summed into the periods their days fall in (`period_sums`' periods); days
    outside them are left out."""
    period = np.searchsorted(edges, days, side="right") - 1
    inside = (period >= 0) & (period < len(edges) - 1)
    return np.bincount(period[inside], weights=amounts[inside], minlength=len(edges) - 1)


@dataclass(frozen=True)
class Bands:
    """P10, P50 and P90 per period of a (paths, periods) array."""

    p10: np.ndarray
    p50: np.ndarray
    p90: np.ndarray


def bands(values: np.ndarray) -> Bands:
    p10, p50, p90 = np.percentile(values, [10, 50, 90], axis=0)
    return Bands(p10, p50, p90)
