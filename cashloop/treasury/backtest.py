"""Backtest of the payment-behaviour model: rebuild it from what was known on a past day,
predict when every installment open that day would be paid, and compare with what happened
and with two naive forecasts (decision 053).

The naive forecasts: "pays on the due date" and "pays at the customer's historical average
days late" (the company's for a customer without history).  Neither may predict a payment
on or before the day itself (the installment was still open then): like the model, each
predicts at the earliest the next day.  Installments still open today, or settled by a
credit note or write-off rather than paid, have no payment date to compare and are counted
apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from cashloop.core.errors import DomainError
from cashloop.treasury.behaviour import Behaviour, fit
from cashloop.treasury.errors import TreasuryError
from cashloop.treasury.history import PaymentHistory, day_date, day_number
from cashloop.treasury.simulation import Receipts, bands, period_sums, sum_by_period

METHODS = ("model", "due_date", "customer_average")
INFLOW_WEEKS = 4  # the inflow forecast scored: the next four weeks, week by week
PATHS = 1_000


@dataclass(frozen=True)
class Score:
    method: str
    mae_days: float  # mean absolute error of the payment day
    timing: float  # share of installments rightly said to be paid late / on time


@dataclass(frozen=True)
class InflowScore:
    """The weekly inflow forecast from the installments open on the day, against what they
    brought in: installments as wholes, each counted in the week it was settled."""

    actual: tuple[float, ...]  # per week
    p10: tuple[float, ...]
    p50: tuple[float, ...]
    p90: tuple[float, ...]
    due_date: tuple[float, ...]  # the naive forecast: every installment paid when due
    wape: float  # sum |actual - P50| / sum actual
    wape_due_date: float
    covered: int  # weeks whose actual is within P10-P90


@dataclass(frozen=True)
class BacktestResult:
    as_of: date
    learnt_from: int  # installments paid by then
    evaluated: int  # open then, paid since
    still_open: int  # open then and still unpaid
    not_paid: int  # open then, settled since without payment
    scores: tuple[Score, ...]
    inflow: InflowScore | None  # None until INFLOW_WEEKS have passed since `as_of`

    def score(self, method: str) -> Score:
        return next(score for score in self.scores if score.method == method)

    def ratio(self, baseline: str) -> float:
        """How many times the baseline's error is the model's (above 1: the model is better)."""
        model = self.score("model").mae_days
        return self.score(baseline).mae_days / model if model else float("inf")


def backtest(history: PaymentHistory, as_of: date, today: date) -> BacktestResult:
    """The backtest on `as_of`.  Refused when nothing had been paid by then
    (`treasury.backtest_no_history`) or nothing open then has been paid since
    (`treasury.backtest_no_outcome`)."""
    day = day_number(as_of)
    model = fit(history, day)
    if model is None:
        first = history.first_day
        raise DomainError(
            TreasuryError.BACKTEST_NO_HISTORY,
            as_of=as_of.isoformat(),
            first=day_date(first).isoformat() if first is not None else "-",
        )
    open_then = history.open_on(day)
    paid = open_then & history.by_payment & (history.settled <= day_number(today))
    if not paid.any():
        raise DomainError(TreasuryError.BACKTEST_NO_OUTCOME, as_of=as_of.isoformat())
    due = history.due[paid]
    actual = history.settled[paid]
    customers = history.customer[paid]
    predictions = {
        "model": model.predict(customers, history.segment[paid], due),
        "due_date": np.maximum(due, day + 1),
        "customer_average": np.maximum(
            due + np.round(_average_late(history, day, customers)).astype(np.int64), day + 1
        ),
    }
    actual_late = actual > due
    scores = tuple(
        Score(
            method,
            float(np.abs(predictions[method] - actual).mean()),
            float(((predictions[method] > due) == actual_late).mean()),
        )
        for method in METHODS
    )
    settled_since = open_then & (history.settled <= day_number(today))
    inflow = (
        _inflow(history, model, day, open_then)
        if day + 7 * INFLOW_WEEKS < day_number(today)
        else None
    )
    return BacktestResult(
        as_of=as_of,
        learnt_from=model.observations,
        evaluated=int(paid.sum()),
        still_open=int((open_then & ~settled_since).sum()),
        not_paid=int((settled_since & ~history.by_payment).sum()),
        scores=scores,
        inflow=inflow,
    )


def _inflow(
    history: PaymentHistory, model: Behaviour, day: int, open_then: np.ndarray
) -> InflowScore:
    """Simulate the next INFLOW_WEEKS weeks' receipts of what was open on `day` (seeded),
    and score them against the weeks the installments were settled in by payment."""
    due = history.due[open_then]
    amount = history.amount[open_then]
    receipts = Receipts(
        amount=amount,
        rows=model.rows_for(history.customer[open_then], history.segment[open_then], due),
        due=due.astype(np.int64),
        overdue=(day - due).astype(np.int64),
        chance=np.ones(len(due)),
    )
    window = day + 1 + 7 * np.arange(INFLOW_WEEKS + 1)
    band = bands(
        period_sums(receipts, window, PATHS, np.random.default_rng(0), model.common_spread)
    )
    paid = history.by_payment[open_then]
    actual = sum_by_period(history.settled[open_then][paid], amount[paid], window)
    naive = sum_by_period(np.maximum(due, day + 1), amount, window)
    total = actual.sum()
    return InflowScore(
        actual=tuple(actual.tolist()),
        p10=tuple(band.p10.tolist()),
        p50=tuple(band.p50.tolist()),
        p90=tuple(band.p90.tolist()),
        due_date=tuple(naive.tolist()),
        wape=float(np.abs(actual - band.p50).sum() / total) if total else float("nan"),
        wape_due_date=float(np.abs(actual - naive).sum() / total) if total else float("nan"),
        covered=int(((band.p10 <= actual) & (actual <= band.p90)).sum()),
    )


def _average_late(history: PaymentHistory, day: int, customers: np.ndarray) -> np.ndarray:
    """Each customer's plain mean days late over what they had paid by `day`; the company's
    for those who had paid nothing."""
    known = history.known(day)
    late = (history.settled[known] - history.due[known]).astype(np.float64)
    ids, index = np.unique(history.customer[known], return_inverse=True)
    means = np.bincount(index, late) / np.bincount(index)
    found = np.searchsorted(ids, customers).clip(0, max(len(ids) - 1, 0))
    has = ids[found] == customers
    return np.where(has, means[found], late.mean())
