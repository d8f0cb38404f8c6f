"""The payment-behaviour model on histories made up here (decision 053): quantiles, shrinkage
toward the segment, recency, the Spring Festival, and the conditional median."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from cashloop.treasury.behaviour import (
    LEARN_LAG,
    LEVELS,
    TAIL_DAYS,
    conditional_median,
    fit,
    no_history,
    weighted_quantiles,
)
from cashloop.treasury.history import NOT_SETTLED, PaymentHistory, day_number

AS_OF = day_number(date(2026, 6, 30))


def _history(rows: list[tuple[int, int, int, int | None]]) -> PaymentHistory:
    """(customer, segment, due day, days late or None while open) per installment, issued
    30 days before it is due, 1,000 each, settled by payment."""
    customer, segment, due, late = (np.array(column) for column in zip(*rows, strict=True))
    settled = np.array(
        [NOT_SETTLED if d is None else due[i] + d for i, d in enumerate(late)], dtype=np.int64
    )
    count = len(rows)
    return PaymentHistory(
        installment=np.arange(1, count + 1, dtype=np.int64),
        customer=customer.astype(np.int64),
        segment=segment.astype(np.int64),
        issued=(due - 30).astype(np.int32),
        due=due.astype(np.int32),
        amount=np.full(count, 1000.0),
        settled=settled.astype(np.int32),
        by_payment=settled != NOT_SETTLED,
    )


def _paid(customer: int, segment: int, lates: list[int], *, every: int = 7, last: int = AS_OF):
    """Installments of a customer paid `lates` days late, the last one settled before
    `last`, each due `every` days before the next."""
    rows = []
    for n, late in enumerate(reversed(lates)):
        due = last - LEARN_LAG - 10 - late - n * every
        rows.append((customer, segment, due, late))
    return rows


def test_weighted_quantiles_interpolate_within_each_group_only():
    rng = np.random.default_rng(1)
    groups = rng.integers(0, 40, 4000)
    values = rng.normal(groups * 3.0, 5)
    weights = rng.uniform(0.5, 2, 4000)
    ids, quantiles = weighted_quantiles(groups, values, weights, np.array([0.05, 0.5, 0.95]))
    for group in (0, 17, 39):
        mine = groups == group
        order = np.argsort(values[mine])
        v, w = values[mine][order], weights[mine][order]
        position = (np.cumsum(w) - w / 2) / w.sum()
        expected = np.interp([0.05, 0.5, 0.95], position, v)
        assert quantiles[np.searchsorted(ids, group)] == pytest.approx(expected)
    # One value, or values far from the neighbours', stay the group's own.
    ids, quantiles = weighted_quantiles(
        np.array([3, 3, 9]), np.array([10.0, 20.0, 5.0]), np.ones(3), np.array([0.1, 0.5, 0.9])
    )
    assert ids.tolist() == [3, 9]
    assert quantiles.tolist() == [[10.0, 15.0, 20.0], [5.0, 5.0, 5.0]]


def test_conditional_median_is_the_median_of_what_is_left():
    rows = np.tile(np.linspace(0, 40, len(LEVELS)), (3, 1))
    medians = conditional_median(rows, np.array([-100, 20, 60]))
    assert medians[0] == 20  # not due yet: the whole distribution
    assert 29 <= medians[1] <= 31  # paid after 20 days late: halfway through the rest
    assert medians[2] == 60 + TAIL_DAYS  # later than anything seen


def test_a_customer_with_a_long_history_is_themselves_and_one_with_little_their_segment():
    rows = _paid(1, 5, [20] * 60) + _paid(2, 5, [0]) + _paid(3, 5, [2] * 40)
    model = fit(_history(rows), AS_OF)
    assert model is not None
    regular = model.explain(1)
    assert regular.payments == 60
    assert regular.typical_days_late == pytest.approx(20, abs=0.5)
    assert regular.own_weight > 0.9
    newcomer = model.explain(2)
    assert newcomer.payments == 1
    assert newcomer.own_weight < 0.3
    # Pulled from their own 0 toward the segment's (mostly 20 and 2 days late).
    assert newcomer.typical_days_late > 2
    # A customer never seen gets the company's.
    assert model.explain(99).payments == 0


def test_recent_payments_count_more_than_old_ones():
    # Used to pay 40 days late; for the last four months, on time.
    old = [(1, 0, AS_OF - 900 + 7 * n, 40) for n in range(60)]
    recent = [(1, 0, AS_OF - 150 + 7 * n, 0) for n in range(15)]
    model = fit(_history(old + recent), AS_OF)
    assert model is not None
    assert model.explain(1).typical_days_late < 10


def test_the_spring_festival_shift_is_measured_and_applied():
    festival = day_number(date(2026, 2, 17))
    rows = []
    for customer in range(1, 31):
        rows += [(customer, 0, AS_OF - 400 + 5 * n, customer % 7) for n in range(20)]
        rows += [(customer, 0, festival - 3 + n, customer % 7 + 12) for n in range(3)]
    model = fit(_history(rows), AS_OF)
    assert model is not None
    assert model.festival_shift == pytest.approx(12, abs=1)
    customers = np.array([3, 3])
    due = np.array([AS_OF + 10, day_number(date(2027, 2, 6))])  # the second in next lull
    predicted = model.predict(customers, np.zeros(2, np.int64), due) - due
    assert predicted[0] == pytest.approx(3, abs=1)
    assert predicted[1] == pytest.approx(15, abs=1)


def test_an_overdue_installment_is_predicted_after_the_day():
    rows = _paid(1, 0, list(range(0, 30)))
    model = fit(_history(rows), AS_OF)
    assert model is not None
    due = np.array([AS_OF - 25, AS_OF - 200])
    predicted = model.predict(np.array([1, 1]), np.zeros(2, np.int64), due)
    assert (predicted > AS_OF).all()
    assert predicted[1] == due[1] + 200 + TAIL_DAYS


def test_nothing_paid_yet_means_no_model_and_the_due_date_for_all():
    assert fit(_history(_paid(1, 0, [5, 6])), day_number(date(2020, 1, 1))) is None
    model = no_history(AS_OF)
    due = np.array([AS_OF + 5, AS_OF - 3])
    predicted = model.predict(np.array([1, 2]), np.zeros(2, np.int64), due)
    assert predicted.tolist() == [AS_OF + 5, AS_OF - 3 + 3 + TAIL_DAYS]


def test_recently_due_installments_are_not_learnt_from():
    # Only the early payers of last month's installments have paid yet: learning from them
    # would make everybody look prompt.
    rows = _paid(1, 0, [30] * 20) + [(1, 0, AS_OF - 20, 0) for _ in range(20)]
    model = fit(_history(rows), AS_OF)
    assert model is not None
    assert model.explain(1).payments == 20
    assert model.explain(1).typical_days_late == 30


def test_the_spread_common_to_all_customers_is_measured():
    # Every month, all forty customers pay 8 days later or earlier than usual, together.
    rows = []
    for month in range(24):
        common = 8 if month % 2 else -8
        for customer in range(1, 41):
            due = AS_OF - LEARN_LAG - 30 * (month + 1)
            rows += [(customer, 0, due + day, 10 + common) for day in (0, 10)]
    model = fit(_history(rows), AS_OF)
    assert model is not None
    assert model.common_spread == pytest.approx(8, abs=1)
    steady = fit(_history([(c, 0, d, 10) for c, _, d, _ in rows]), AS_OF)
    assert steady is not None
    assert steady.common_spread == 0
