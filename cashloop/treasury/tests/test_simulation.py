"""The forecast's Monte Carlo on receipts made up here (decision 055): where receipts land,
chances, the tail of long-overdue items, chunking, seeds, balances and shortfalls."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from cashloop.treasury import simulation
from cashloop.treasury.behaviour import QUANTILES, TAIL_DAYS
from cashloop.treasury.forecast import edges, months, simulate, weeks
from cashloop.treasury.history import day_number
from cashloop.treasury.receipts import OPEN_ITEM, Expected
from cashloop.treasury.simulation import Receipts, period_sums, sample_days

START = date(2026, 11, 24)
DAY = day_number(START)


def _receipts(amounts, late_rows, due, chance=None) -> Receipts:
    due = np.asarray(due, dtype=np.int64)
    return Receipts(
        amount=np.asarray(amounts, dtype=np.float64),
        rows=np.asarray(late_rows, dtype=np.float64),
        due=due,
        overdue=DAY - due,
        chance=np.ones(len(due)) if chance is None else np.asarray(chance, dtype=np.float64),
    )


def _fixed(days: float) -> list[float]:
    return [days] * QUANTILES


def test_a_receipt_paid_a_known_number_of_days_late_lands_in_its_week():
    # Due in 3 days, always paid 10 days late: day 13, the second week.
    receipts = _receipts([500.0, 200.0], [_fixed(10), _fixed(-2)], [DAY + 3, DAY + 20])
    sums = period_sums(receipts, edges(weeks(START, 4)), 50, np.random.default_rng(1))
    assert sums.shape == (50, 4)
    assert (sums[:, 1] == 500).all()
    assert (sums[:, 2] == 200).all()  # day 18: the third week
    assert sums.sum() == 50 * 700


def test_a_deal_lands_on_as_many_paths_as_its_chance():
    receipts = _receipts([1000.0], [_fixed(0)], [DAY + 1], chance=[0.3])
    sums = period_sums(receipts, edges(weeks(START, 2)), 20_000, np.random.default_rng(2))
    assert (sums[:, 0] > 0).mean() == pytest.approx(0.3, abs=0.02)


def test_overdue_receipts_land_after_today_and_the_long_overdue_wait_for_the_tail():
    rows = np.array([np.linspace(0, 40, QUANTILES), np.linspace(0, 40, QUANTILES)])
    overdue = np.array([20, 100])
    days = sample_days(rows, overdue, 20_000, np.random.default_rng(3))
    assert (days > overdue[:, None]).all()
    assert np.median(days[0]) == pytest.approx(30, abs=1.5)  # halfway through what is left
    assert np.median(days[1] - 100) == pytest.approx(TAIL_DAYS, rel=0.1)


def test_receipts_are_taken_a_chunk_at_a_time_and_the_seed_repeats_a_run(monkeypatch):
    monkeypatch.setattr(simulation, "CHUNK", 7)
    count = 40
    rng = np.random.default_rng(4)
    rows = np.sort(rng.uniform(-10, 40, (count, QUANTILES)), axis=1)
    receipts = _receipts(rng.uniform(100, 900, count), rows, DAY + rng.integers(-20, 30, count))
    window = edges(weeks(date(2026, 1, 1), 200))  # long enough to hold every receipt
    first = period_sums(receipts, window, 30, np.random.default_rng(5))
    again = period_sums(receipts, window, 30, np.random.default_rng(5))
    assert np.array_equal(first, again)
    assert first.sum(axis=1) == pytest.approx(np.full(30, receipts.amount.sum()))


def test_months_follow_the_calendar():
    periods = months(date(2026, 11, 24), 3)
    assert [(p.start, p.end) for p in periods] == [
        (date(2026, 11, 24), date(2026, 12, 1)),
        (date(2026, 12, 1), date(2027, 1, 1)),
        (date(2027, 1, 1), date(2027, 2, 1)),
    ]


def test_the_balance_bands_and_the_chance_of_falling_below_the_minimum():
    # 1,000 arrives in week 1 on half the paths; 600 goes out every week.
    receipts = _receipts([1000.0], [_fixed(0)], [DAY + 1], chance=[0.5])
    expected = Expected(
        DAY,
        receipts,
        np.array([1]),
        np.array([0]),
        np.array([OPEN_ITEM], dtype=np.int64),
        terms=np.array([0]),
        score=np.array([-1]),
    )
    result = simulate(
        expected,
        weeks(START, 3),
        opening=1000.0,
        outflow=np.array([600.0, 600.0, 600.0]),
        minimum=0.0,
        paths=4000,
        seed=9,
    )
    assert result.inflow.p10[0] == 0 and result.inflow.p90[0] == 1000
    assert result.inflow_mean[0] == pytest.approx(500, rel=0.05)
    # Week 1: 1,400 or 400; week 2: 800 or -200; week 3: 200 or -800.
    assert result.balance.p90.tolist() == [1400, 800, 200]
    assert result.balance.p10.tolist() == [400, -200, -800]
    assert result.shortfall[0] == 0
    assert result.shortfall[1] == pytest.approx(0.5, abs=0.03)
    assert result.shortfall[2] == pytest.approx(0.5, abs=0.03)


def test_a_common_shift_moves_every_receipt_of_a_path_together():
    # 200 receipts always paid 10 days late; with a common spread, whole paths move.
    receipts = _receipts([100.0] * 200, [_fixed(10)] * 200, [DAY + 1] * 200)
    window = edges(weeks(START, 4))
    alone = period_sums(receipts, window, 500, np.random.default_rng(6))
    assert (alone[:, 1] == 20_000).all()
    together = period_sums(receipts, window, 500, np.random.default_rng(6), common_spread=6)
    # Each path has all of it in one week or the next: never split between them.
    assert set(np.unique(together[:, 1])) <= {0.0, 20_000.0}
    assert 0.1 < (together[:, 1] == 0).mean() < 0.9
