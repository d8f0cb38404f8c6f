"""Funnel analysis of a pipeline over a date range, read from the stage history.

For each stage (docs/decisions/027):

* entered: the moves into it in the range (count and base amount at that moment);
* reached: the deals that, in the range, entered it or any later stage other than a lost
  one, so a deal that skipped a stage still counts as having passed it;
* conversion to the next stage: reached(next) / reached(this); the drop-off is the rest;
* average days in stage: over the moves out of it in the range, from the deal's entry
  into it to the move out.

Win rate by source and by rep counts deals closed in the range: won / (won + lost).
"Where the funnel loses most" is the open stage with the lowest conversion to the next
(ties: the larger number of deals lost).  Everything runs in the user's scope and in a
fixed number of queries whatever the amount of history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from cashloop.core.errors import DomainError
from cashloop.core.money import base_currency, quantize
from cashloop.identity.models import User
from cashloop.sales.choices import LeadSource, OpportunityStatus, StageKind
from cashloop.sales.errors import SalesError
from cashloop.sales.models import Opportunity, Pipeline, Stage, StageChange
from cashloop.sales.selectors import MONEY

ZERO = Decimal(0)
RATE = Decimal("0.1")
DAYS = Decimal("0.1")


def rate(part: int, whole: int) -> Decimal | None:
    """part / whole as a percentage to one decimal, or None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(RATE)


@dataclass
class FunnelStage:
    stage: Stage
    entered: int = 0
    entered_amount: Decimal = ZERO
    reached: int = 0
    conversion: Decimal | None = None
    dropped: int = 0
    average_days: Decimal | None = None
    bar: Decimal = ZERO  # reached as a share of the widest bar, for the chart


@dataclass
class WinRate:
    key: str
    label: str
    won: int = 0
    lost: int = 0
    won_amount: Decimal = ZERO

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def rate(self) -> Decimal | None:
        return rate(self.won, self.closed)


@dataclass
class Funnel:
    pipeline: Pipeline
    date_from: date
    date_to: date
    currency: str
    stages: list[FunnelStage]
    by_source: list[WinRate] = field(default_factory=list)
    by_rep: list[WinRate] = field(default_factory=list)

    @property
    def weakest(self) -> FunnelStage | None:
        """The open stage where the largest share of deals never got further."""
        candidates = [s for s in self.stages if s.conversion is not None]
        if not candidates:
            return None
        return min(candidates, key=lambda s: (s.conversion, -s.dropped))


def date_range(date_from: date | None, date_to: date | None) -> tuple[date, date]:
    """The range asked for; by default the last 90 days.  A reversed range is refused."""
    date_to = date_to or timezone.localdate()
    date_from = date_from or date_to - timedelta(days=89)
    if date_from > date_to:
        raise DomainError(SalesError.DATE_RANGE_INVALID, details={"field": "date_from"})
    return date_from, date_to


def _bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(date_from, time.min))
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min))
    return start, end


def _stage_figures(
    changes: QuerySet[StageChange], stages: list[Stage]
) -> dict[str, int | Decimal | None]:
    """Entered, entered amount and reached of every stage: one aggregate."""
    aggregates: dict[str, object] = {}
    not_lost = ~Q(to_stage__kind=StageKind.LOST)
    for stage in stages:
        aggregates[f"n{stage.pk}"] = Count("id", filter=Q(to_stage=stage))
        aggregates[f"a{stage.pk}"] = Coalesce(
            Sum("base_amount", filter=Q(to_stage=stage)), Value(ZERO), output_field=MONEY
        )
        if stage.kind != StageKind.LOST:
            aggregates[f"r{stage.pk}"] = Count(
                "opportunity",
                distinct=True,
                filter=not_lost & Q(to_stage__position__gte=stage.position),
            )
    return changes.aggregate(**aggregates)  # type: ignore[arg-type]


def _average_days(changes: QuerySet[StageChange]) -> dict[int, Decimal]:
    """Average days from entering a stage to leaving it, over the moves out in the range."""
    entered = (
        StageChange.objects.filter(
            opportunity=OuterRef("opportunity"),
            to_stage=OuterRef("from_stage"),
            changed_at__lte=OuterRef("changed_at"),
        )
        .exclude(pk=OuterRef("pk"))
        .order_by("-changed_at", "-id")
        .values("changed_at")[:1]
    )
    rows = (
        changes.filter(from_stage__isnull=False)
        .annotate(entered_at=Subquery(entered))
        .filter(entered_at__isnull=False)
        .order_by()
        .values("from_stage_id")
        .annotate(
            spent=Avg(
                ExpressionWrapper(F("changed_at") - F("entered_at"), output_field=DurationField())
            )
        )
    )
    day = Decimal(86400)
    return {
        row["from_stage_id"]: (Decimal(row["spent"].total_seconds()) / day).quantize(DAYS)
        for row in rows
        if row["spent"] is not None
    }


def _win_rates(closed: QuerySet[Opportunity], key: str) -> dict[object, WinRate]:
    rows = (
        closed.order_by()
        .values(key)
        .annotate(
            won=Count("id", filter=Q(status=OpportunityStatus.WON)),
            lost=Count("id", filter=Q(status=OpportunityStatus.LOST)),
            won_amount=Coalesce(
                Sum("base_amount", filter=Q(status=OpportunityStatus.WON)),
                Value(ZERO),
                output_field=MONEY,
            ),
        )
    )
    base = base_currency()
    return {
        row[key]: WinRate(
            key=str(row[key]),
            label="",
            won=row["won"],
            lost=row["lost"],
            won_amount=quantize(row["won_amount"], base),
        )
        for row in rows
    }


def funnel_get(*, user: User, pipeline: Pipeline, date_from: date, date_to: date) -> Funnel:
    """The funnel of `pipeline` from `date_from` to `date_to` (both included), in scope."""
    start, end = _bounds(date_from, date_to)
    stages = list(pipeline.stages.all())
    # The history is seen through the deals: a move of a deal the user may see.
    visible = Opportunity.objects.restrict(user, "view").filter(pipeline=pipeline)
    changes = StageChange.objects.filter(
        opportunity__in=visible.values("pk"),
        to_stage__pipeline=pipeline,
        changed_at__gte=start,
        changed_at__lt=end,
    )
    figures = _stage_figures(changes, stages)
    days = _average_days(changes)
    base = base_currency()
    rows = [
        FunnelStage(
            stage=stage,
            entered=int(figures[f"n{stage.pk}"] or 0),
            entered_amount=quantize(figures[f"a{stage.pk}"] or ZERO, base),
            reached=int(figures.get(f"r{stage.pk}") or 0),
            average_days=days.get(stage.pk),
        )
        for stage in stages
    ]
    flowing = [row for row in rows if row.stage.kind != StageKind.LOST]
    for row, following in pairwise(flowing):
        if row.stage.kind == StageKind.OPEN:
            row.conversion = rate(following.reached, row.reached)
            row.dropped = row.reached - following.reached
    widest = max((row.reached for row in rows), default=0) or 1
    for row in rows:
        row.bar = (Decimal(row.reached) * 100 / widest).quantize(RATE)
    closed = visible.filter(
        status__in=[OpportunityStatus.WON, OpportunityStatus.LOST],
        closed_at__gte=start,
        closed_at__lt=end,
    )
    sources = dict(LeadSource.choices)
    by_source = sorted(_win_rates(closed, "source").values(), key=lambda w: -w.closed)
    for item in by_source:
        item.label = str(sources.get(item.key, "—"))
    by_rep = _win_rates(closed, "owner_id")
    people = {p.pk: str(p) for p in User.objects.filter(pk__in=list(by_rep))}
    for pk, item in by_rep.items():
        item.label = people.get(pk, "—")  # type: ignore[call-overload]
    return Funnel(
        pipeline=pipeline,
        date_from=date_from,
        date_to=date_to,
        currency=base,
        stages=rows,
        by_source=by_source,
        by_rep=sorted(by_rep.values(), key=lambda w: (-w.closed, w.label)),
    )
