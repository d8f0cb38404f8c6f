"""Customers' payment behaviour: how many days after the due date each customer pays, learnt
from the history known on a day, explainable, and fast on a million installments.

The formula (decision 053):

* Each installment a customer settled by payment is one observation, `days late` =
  settlement day - due day, weighted by `sqrt(amount) x 0.5 ** (age / HALF_LIFE)`: larger
  invoices and recent payments say more, without one large invoice or last week deciding.
* A customer's behaviour is the weighted quantiles of their days late (QUANTILES levels),
  shrunk toward their segment (customer group), the segment's toward the company's:
  `q = n / (n + k) x q_own + k / (n + k) x q_prior`, n the effective number of
  observations (`(sum w)^2 / sum w^2`), k PRIOR_CUSTOMER or PRIOR_SEGMENT.  A customer with
  few payments is mostly their segment, one with many is themselves.
* The Spring Festival shifts everybody's days late on installments due in its lull, by the
  amount measured in the history (`festival_shift`), against each customer's own median.
* An installment still open on the day is paid after it: its distribution is the customer's
  conditioned on `days late > days already overdue` (the quantiles above that point).  The
  point prediction is that conditional distribution's median (what minimises the mean
  absolute error in days).  Beyond everything the history has seen, TAIL_DAYS more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cashloop.core.seasons import spring_festival_mask
from cashloop.treasury.history import EPOCH, PaymentHistory

QUANTILES = 41
LEVELS = (np.arange(QUANTILES) + 0.5) / QUANTILES
HALF_LIFE = 180.0  # days: a payment half a year old counts half
PRIOR_CUSTOMER = 4.0  # the segment counts as this many of the customer's own payments
PRIOR_SEGMENT = 20.0  # the company counts as this many of the segment's
DAYS_LOW, DAYS_HIGH = -120, 540  # days late outside this are data errors, clipped
TAIL_DAYS = 30  # the wait predicted beyond the latest payment the history has seen
LATE = 30  # "more than a month late" in explanations
LEARN_LAG = 60  # days: installments due more recently are not learnt from (see fit)
COMMON_MONTHS = 24  # the months whose common shift is measured
PREDICT_CHUNK = 100_000  # installments predicted at a time: bounds the memory used


@dataclass(frozen=True)
class Behaviour:
    """The model fitted on one day: quantiles of days late per customer, segment, company."""

    as_of: int
    customers: np.ndarray  # sorted customer ids
    quantiles: np.ndarray  # (customers, QUANTILES), shrunk
    own_weight: np.ndarray  # (customers,) the share of the customer's own history in it
    payments: np.ndarray  # (customers,) observations
    segments: np.ndarray  # sorted segment ids
    segment_quantiles: np.ndarray  # (segments, QUANTILES), shrunk toward the company
    company: np.ndarray  # (QUANTILES,)
    festival_shift: float
    common_spread: float  # days: the standard deviation of a shift common to all customers
    observations: int

    def quantiles_of(self, customers: np.ndarray, segments: np.ndarray) -> np.ndarray:
        """The quantile rows of each customer: their own if known, else their segment's,
        else the company's."""
        rows = np.broadcast_to(self.company, (len(customers), QUANTILES)).copy()
        seg = _lookup(self.segments, segments)
        rows[seg >= 0] = self.segment_quantiles[seg[seg >= 0]]
        own = _lookup(self.customers, customers)
        rows[own >= 0] = self.quantiles[own[own >= 0]]
        return rows

    def rows_for(self, customers: np.ndarray, segments: np.ndarray, due: np.ndarray) -> np.ndarray:
        """Quantile rows for installments: the customer's, shifted in the festival's lull."""
        rows = self.quantiles_of(customers, segments)
        rows[spring_festival_mask(due + EPOCH.toordinal())] += self.festival_shift
        return rows

    def predict(self, customers: np.ndarray, segments: np.ndarray, due: np.ndarray) -> np.ndarray:
        """The predicted payment day of installments open on `as_of` (day numbers)."""
        result = np.empty(len(due), dtype=np.int64)
        for start in range(0, len(due), PREDICT_CHUNK):
            part = slice(start, start + PREDICT_CHUNK)
            rows = self.rows_for(customers[part], segments[part], due[part])
            overdue = self.as_of - due[part]  # days late already, unpaid
            late = conditional_median(rows, overdue)
            result[part] = due[part] + np.maximum(late, overdue + 1)
        return result

    def explain(self, customer_id: int) -> Explanation:
        """What the model says of a customer, in numbers a person can check."""
        index = _lookup(self.customers, np.array([customer_id]))[0]
        if index < 0:
            return Explanation(
                customer_id, float(np.median(self.company)), _share_above(self.company), 0, 0.0
            )
        row = self.quantiles[index]
        return Explanation(
            customer_id,
            float(np.interp(0.5, LEVELS, row)),
            _share_above(row),
            int(self.payments[index]),
            float(self.own_weight[index]),
        )


@dataclass(frozen=True)
class Explanation:
    customer_id: int
    typical_days_late: float  # the median
    share_over_month: float  # of invoices paid more than LATE days late
    payments: int  # settled installments the model learnt from
    own_weight: float  # how much of it is the customer's own history (the rest: segment)


def no_history(as_of: int) -> Behaviour:
    """The model of a company nobody has paid yet: everyone pays on the due date."""
    none = np.empty(0, dtype=np.int64)
    return Behaviour(
        as_of=as_of,
        customers=none,
        quantiles=np.empty((0, QUANTILES)),
        own_weight=np.empty(0),
        payments=none,
        segments=none,
        segment_quantiles=np.empty((0, QUANTILES)),
        company=np.zeros(QUANTILES),
        festival_shift=0.0,
        common_spread=0.0,
        observations=0,
    )


def fit(history: PaymentHistory, as_of: int) -> Behaviour | None:
    """The model from what was known on `as_of`; None when nothing had been paid by then."""
    known = history.known(as_of) & (history.due <= as_of - LEARN_LAG)
    if not known.any():
        return None
    customer = history.customer[known]
    segment = history.segment[known]
    due = history.due[known]
    late = np.clip(history.settled[known] - due, DAYS_LOW, DAYS_HIGH).astype(np.float64)
    age = (as_of - history.settled[known]).astype(np.float64)
    weight = np.sqrt(np.maximum(history.amount[known], 1.0)) * 0.5 ** (age / HALF_LIFE)
    festival = spring_festival_mask(due + EPOCH.toordinal())

    # Measure the festival's shift against each customer's own median, then take it out.
    ids, median = weighted_quantiles(customer, late, weight, np.array([0.5]))
    own_median = median[np.searchsorted(ids, customer), 0]
    shift = 0.0
    if festival.any() and (~festival).any():
        residual = late - own_median
        shift = float(
            weighted_quantiles(np.zeros(festival.sum(), np.int64), residual[festival],
                               weight[festival], np.array([0.5]))[1][0, 0]
            - weighted_quantiles(np.zeros((~festival).sum(), np.int64), residual[~festival],
                                 weight[~festival], np.array([0.5]))[1][0, 0]
        )  # fmt: skip
        late = late - shift * festival

    common = _common_spread(late - own_median, weight, history.settled[known], as_of)
    _, company = weighted_quantiles(np.zeros(len(late), np.int64), late, weight, LEVELS)
    segments, seg_q = weighted_quantiles(segment, late, weight, LEVELS)
    seg_n = _effective(segment, weight, segments)
    seg_own = seg_n / (seg_n + PRIOR_SEGMENT)
    seg_q = seg_own[:, None] * seg_q + (1 - seg_own[:, None]) * company[0]
    customers, cust_q = weighted_quantiles(customer, late, weight, LEVELS)
    cust_n = _effective(customer, weight, customers)
    own = cust_n / (cust_n + PRIOR_CUSTOMER)
    # A customer's segment: the one of their latest installment.
    order = np.lexsort((history.settled[known], customer))
    last = np.r_[np.flatnonzero(np.diff(customer[order])), len(order) - 1]
    prior = seg_q[np.searchsorted(segments, segment[order][last])]
    payments = np.bincount(np.searchsorted(customers, customer), minlength=len(customers))
    return Behaviour(
        as_of=as_of,
        customers=customers,
        quantiles=own[:, None] * cust_q + (1 - own[:, None]) * prior,
        own_weight=own,
        payments=payments,
        segments=segments,
        segment_quantiles=seg_q,
        company=company[0],
        festival_shift=shift,
        common_spread=common,
        observations=int(known.sum()),
    )


def _common_spread(
    residual: np.ndarray, weight: np.ndarray, settled: np.ndarray, as_of: int
) -> float:
    """How far, in days, the whole company's paying moves from month to month: the standard
    deviation of each month's mean residual (days late - the customer's median) over the
    last COMMON_MONTHS months, less the part that the months' own sampling explains (the
    simulation draws that already, receipt by receipt)."""
    month = (as_of - settled) // 30
    recent = month < COMMON_MONTHS
    if np.unique(month[recent]).size < 6:
        return 0.0
    month, residual, weight = month[recent], residual[recent], weight[recent]
    total = np.bincount(month, weight)
    used = total > 0
    mean = np.bincount(month, weight * residual)[used] / total[used]
    within = np.bincount(month, weight * residual**2)[used] / total[used] - mean**2
    count = _effective(month, weight, np.flatnonzero(used))
    share = total[used] / total[used].sum()
    overall = (share * mean).sum()
    between = (share * (mean - overall) ** 2).sum() - (share * within / count).sum()
    return float(np.sqrt(max(between, 0.0)))


def weighted_quantiles(
    groups: np.ndarray, values: np.ndarray, weights: np.ndarray, levels: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per group, the weighted quantiles of `values` at `levels` (each value standing at the
    middle of its weight, linear between): -> (sorted group ids, (groups, levels)).  One
    sort for all groups."""
    order = np.lexsort((values, groups))
    g, v, w = groups[order], values[order], weights[order]
    ids, start, counts = np.unique(g, return_index=True, return_counts=True)
    index = np.repeat(np.arange(len(ids)), counts)
    cum = np.cumsum(w)
    before = np.r_[0.0, cum][start]  # the weight of earlier groups
    total = np.add.reduceat(w, start)
    # Each value's position in its group, in (0, 1), offset by its group's index: one
    # increasing key for all groups, searched once.
    position = index + (cum - before[index] - w / 2) / total[index]
    wanted = (np.arange(len(ids))[:, None] + levels[None, :]).ravel()
    right = np.searchsorted(position, wanted).clip(1, len(v) - 1)
    left = right - 1
    span = position[right] - position[left]
    frac = np.where(span > 0, (wanted - position[left]) / np.where(span > 0, span, 1), 0.0)
    result = v[left] + frac.clip(0, 1) * (v[right] - v[left])
    # Before a group's first value or after its last, the search lands in a neighbour.
    group_of = np.repeat(np.arange(len(ids)), len(levels))
    result = np.where(index[left] != group_of, v[start][group_of], result)
    result = np.where(index[right] != group_of, v[start + counts - 1][group_of], result)
    return ids, result.reshape(len(ids), len(levels))


def conditional_median(rows: np.ndarray, overdue: np.ndarray) -> np.ndarray:
    """Per row of quantiles, the median of days late given more than `overdue` days: the
    quantile halfway between the share already past and 1.  Beyond the last quantile, the
    last one or the overdue days plus TAIL_DAYS, whichever is later."""
    past = (rows <= overdue[:, None]).sum(axis=1) / QUANTILES
    level = past + (1 - past) / 2
    # np.interp per row, vectorised: the levels are the same for every row.
    position = np.clip(level * QUANTILES - 0.5, 0, QUANTILES - 1)
    low = np.floor(position).astype(np.int64)
    high = np.minimum(low + 1, QUANTILES - 1)
    frac = position - low
    take = np.arange(len(rows))
    value = rows[take, low] + frac * (rows[take, high] - rows[take, low])
    beyond = past >= 1 - 0.5 / QUANTILES
    return np.where(beyond, np.maximum(rows[:, -1], overdue + TAIL_DAYS), value).round()


def _effective(groups: np.ndarray, weights: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Kish's effective number of observations per group: (sum w)^2 / sum w^2."""
    index = np.searchsorted(ids, groups)
    total = np.bincount(index, weights, minlength=len(ids))
    squares = np.bincount(index, weights**2, minlength=len(ids))
    return total**2 / np.where(squares > 0, squares, 1)


def _lookup(sorted_ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Index of each wanted id in `sorted_ids`, -1 where absent."""
    if len(sorted_ids) == 0:
        return np.full(len(wanted), -1, dtype=np.int64)
    index = np.searchsorted(sorted_ids, wanted).clip(0, len(sorted_ids) - 1)
    return np.where(sorted_ids[index] == wanted, index, -1)


def _share_above(row: np.ndarray) -> float:
    return float((row > LATE).sum() / QUANTILES)
