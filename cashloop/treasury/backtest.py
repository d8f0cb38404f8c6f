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
from cashloop.treasury.behaviour import fit
from cashloop.treasury.errors import TreasuryError
from cashloop.treasury.history import PaymentHistory, day_date, day_number

METHODS = ("model", "due_date", "customer_average")


@dataclass(frozen=True)
class Score:
    method: str
    mae_days: float  # mean absolute error of the payment day
    timing: float  # share of installments rightly said to be paid late / on time


@dataclass(frozen=True)
class BacktestResult:
    as_of: date
    learnt_from: int  # installments paid by then
    evaluated: int  # open then, paid since
    still_open: int  # open then and still unpaid
    not_paid: int  # open then, settled since without payment
    scores: tuple[Score, ...]

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
    return BacktestResult(
        as_of=as_of,
        learnt_from=model.observations,
        evaluated=int(paid.sum()),
        still_open=int((open_then & ~settled_since).sum()),
        not_paid=int((settled_since & ~history.by_payment).sum()),
        scores=scores,
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
