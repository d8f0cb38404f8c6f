"""The credit score (0-100) from payment behaviour and risk signals, with its reasons.

The formula is decision 048's: start at 100, then
* days late, weighted by amount, over the last 12 months: minus one point per day, at most
  40 (a payment's days late are its allocation's date minus the installment's due date;
  an amount still open past its due date counts as late until today);
* trend: the last 3 months against the 9 before: 5 points either way when the weighted
  days late differ by more than 5 days;
* write-offs in 12 months: minus 10 each, at most 20;
* risk signals in 12 months: minus 5 / 10 / 20 by severity, at most 40;
* further factors other apps register (broken promises, disputes) through
  `score_factor_register`.
The result is clamped to 0-100.  Each step that moved the score is an explanation item
`{"code", "points", "params"}`, rendered in the reader's language by `explanation_text`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext, ngettext

SEVERITY_POINTS = {"low": 5, "medium": 10, "high": 20}
LATE_CAP, WRITE_OFF_POINTS, WRITE_OFF_CAP, SIGNAL_CAP, TREND_POINTS, TREND_DAYS = (
    40,
    10,
    20,
    40,
    5,
    5,
)

Item = dict[str, Any]
# A factor another app adds: (customer id, today) -> explanation items with their points.
Factor = Callable[[int, date], list[Item]]
FACTORS: list[Factor] = []


def score_factor_register(factor: Factor) -> None:
    """Let another app (collections: broken promises, disputes) move the score."""
    if factor not in FACTORS:
        FACTORS.append(factor)


@dataclass(frozen=True)
class Score:
    score: int
    explained: list[Item]


def _days_late(customer_id: int, start: date, end: date) -> Decimal | None:
    """Amount-weighted days late of what fell due in [start, end), or None if nothing did."""
    from cashloop.receivables.models import Allocation, Installment

    weight = Decimal(0)
    weighted = Decimal(0)
    paid = Allocation.objects.filter(
        installment__invoice__customer_id=customer_id,
        installment__due_date__gte=start,
        installment__due_date__lt=end,
        kind__in=("allocation", "credit"),
        undone_by__isnull=True,
        amount__gt=0,
    ).values_list("base_amount", "date", "installment__due_date")
    for amount, on, due in paid:
        weight += amount
        weighted += amount * max(0, (on - due).days)
    still_open = Installment.objects.filter(
        invoice__customer_id=customer_id,
        invoice__status__in=("issued", "partially_paid"),
        due_date__gte=start,
        due_date__lt=min(end, date.max),
        base_residual__gt=0,
    ).values_list("base_residual", "due_date")
    for amount, due in still_open:
        weight += amount
        weighted += amount * max(0, (end - due).days)
    return weighted / weight if weight else None


def score_compute(customer_id: int, today: date) -> Score:
    from cashloop.credit.models import RiskSignal
    from cashloop.receivables.models import Allocation

    year_ago = today - timedelta(days=365)
    items: list[Item] = []
    late = _days_late(customer_id, year_ago, today)
    if late is not None:
        days = int(late.to_integral_value())
        items.append(
            {"code": "days_late", "points": -min(LATE_CAP, days), "params": {"days": days}}
        )
        recent = _days_late(customer_id, today - timedelta(days=91), today)
        before = _days_late(customer_id, year_ago, today - timedelta(days=91))
        if recent is not None and before is not None and abs(recent - before) > TREND_DAYS:
            worse = recent > before
            items.append(
                {
                    "code": "trend_worse" if worse else "trend_better",
                    "points": -TREND_POINTS if worse else TREND_POINTS,
                    "params": {"recent": int(recent), "before": int(before)},
                }
            )
    write_offs = Allocation.objects.filter(
        installment__invoice__customer_id=customer_id,
        kind="write_off",
        undone_by__isnull=True,
        date__gt=year_ago,
    ).count()
    if write_offs:
        items.append(
            {
                "code": "write_offs",
                "points": -min(WRITE_OFF_CAP, WRITE_OFF_POINTS * write_offs),
                "params": {"count": write_offs},
            }
        )
    signals = list(
        RiskSignal.objects.filter(customer_id=customer_id, date__gt=year_ago).values_list(
            "severity", flat=True
        )
    )
    if signals:
        points = sum(SEVERITY_POINTS.get(s, 0) for s in signals)
        items.append(
            {
                "code": "signals",
                "points": -min(SIGNAL_CAP, points),
                "params": {"count": len(signals)},
            }
        )
    for factor in FACTORS:
        items.extend(factor(customer_id, today))
    score = max(0, min(100, 100 + sum(int(item["points"]) for item in items)))
    return Score(score=score, explained=items)


def explanation_text(item: Item) -> str:
    """One reason of a score in the reader's language."""
    params = item.get("params", {})
    code = item.get("code")
    if code == "days_late":
        return gettext("paid %(days)s days late on average over 12 months") % params
    if code == "trend_worse":
        return gettext("paying later lately (%(recent)s days late, %(before)s before)") % params
    if code == "trend_better":
        return gettext("paying sooner lately (%(recent)s days late, %(before)s before)") % params
    if code == "write_offs":
        return (
            ngettext(
                "%(count)s write-off in 12 months",
                "%(count)s write-offs in 12 months",
                params["count"],
            )
            % params
        )
    if code == "signals":
        return (
            ngettext(
                "%(count)s risk signal in 12 months",
                "%(count)s risk signals in 12 months",
                params["count"],
            )
            % params
        )
    return str(item.get("text") or code)


def score_summary(score: int | None, items: list[Item]) -> str:
    """ "score 62: paid 18 days late on average over 12 months, 2 risk signals in 12 months"."""
    if score is None:
        return gettext("no score yet")
    reasons = ", ".join(explanation_text(item) for item in items if item.get("points"))
    if not reasons:
        return gettext("score %(score)s: nothing held against the customer") % {"score": score}
    return gettext("score %(score)s: %(reasons)s") % {"score": score, "reasons": reasons}
