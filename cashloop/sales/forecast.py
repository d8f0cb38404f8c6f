"""The sales forecast: periods, categories, each rep's figures, snapshots and accuracy.

A rep's figures for a period (docs/decisions/027), all in base currency:

* closed won: deals won with `closed_at` in the period;
* commit: closed won + open deals in the commit category closing in the period;
* best case: commit + open best-case deals closing in the period;
* pipeline: every open deal closing in the period that is not omitted;
* weighted: closed won + the open, not omitted deals at amount x probability / 100;
* adjusted commit: the newest manager adjustment of the rep's commit, else the commit.

The figures are one grouped aggregate over the opportunities the viewer may see (live),
or over the last `StageChange` of every opportunity before a past date (what was open
then, for snapshots taken after the fact); the number of queries never depends on the
number of deals.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from cashloop.core.errors import DomainError
from cashloop.core.money import base_currency, quantize
from cashloop.identity.models import Team, User
from cashloop.sales.choices import ForecastCategory, OpportunityStatus, StageKind
from cashloop.sales.errors import SalesError
from cashloop.sales.models import (
    ForecastAdjustment,
    ForecastSnapshot,
    Opportunity,
    Pipeline,
    SalesTarget,
    StageChange,
)
from cashloop.sales.selectors import MONEY, users_within, weighted

ZERO = Decimal(0)
PERCENT = Decimal("0.1")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


# --- periods ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A calendar month (`2026-11`) or quarter (`2026-Q4`); `end` is its last day."""

    key: str
    start: date
    end: date

    @property
    def is_quarter(self) -> bool:
        return "Q" in self.key

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as aware datetimes [from, to) in the installation's time zone."""
        return _midnight(self.start), _midnight(self.end + timedelta(days=1))

    def next(self) -> Period:
        return period_containing(self.end + timedelta(days=1), quarter=self.is_quarter)

    def previous(self) -> Period:
        return period_containing(self.start - timedelta(days=1), quarter=self.is_quarter)

    def __str__(self) -> str:
        return self.key


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def period_containing(day: date, *, quarter: bool = False) -> Period:
    if quarter:
        q = (day.month - 1) // 3 + 1
        return parse_period(f"{day.year}-Q{q}")
    return parse_period(f"{day.year}-{day.month:02d}")


def parse_period(text: str | None) -> Period:
    """`2026-11` or `2026-Q4` (case-insensitive) -> Period; anything else is refused."""
    raw = (text or "").strip().upper()
    if m := _MONTH.match(raw):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12 and year >= 1900:
            last = calendar.monthrange(year, month)[1]
            return Period(raw, date(year, month, 1), date(year, month, last))
    elif (m := _QUARTER.match(raw)) and int(m[1]) >= 1900:
        year, first = int(m[1]), 3 * int(m[2]) - 2
        last = calendar.monthrange(year, first + 2)[1]
        return Period(raw, date(year, first, 1), date(year, first + 2, last))
    raise DomainError(
        SalesError.PERIOD_INVALID, period=(text or "")[:20], details={"field": "period"}
    )


def period_choices(today: date | None = None) -> list[Period]:
    """The pickers' periods, newest first: quarters from two ahead to six back, then
    months from three ahead to twelve back."""
    today = today or timezone.localdate()
    periods: list[Period] = []
    for quarter, ahead, back in ((True, 2, 6), (False, 3, 12)):
        current = period_containing(today, quarter=quarter)
        for _n in range(ahead):
            current = current.next()
        for _n in range(ahead + 1 + back):
            periods.append(current)
            current = current.previous()
    return periods


def snapshot_periods(as_of: date) -> list[Period]:
    """What a snapshot on `as_of` records: this and next month, this and next quarter.

    The next ones are there so that every period has snapshots from before it started,
    which is what the accuracy report compares with what closed.
    """
    month, quarter = period_containing(as_of), period_containing(as_of, quarter=True)
    return [month, month.next(), quarter, quarter.next()]


# --- categories -------------------------------------------------------------------------------


def category_for(*, probability: int, kind: str, pipeline: Pipeline) -> str:
    """The default forecast category of a deal at `probability` in a stage of `kind`."""
    if kind == StageKind.WON:
        return ForecastCategory.CLOSED
    if kind == StageKind.LOST:
        return ForecastCategory.OMITTED
    if probability >= pipeline.commit_probability:
        return ForecastCategory.COMMIT
    if probability >= pipeline.best_case_probability:
        return ForecastCategory.BEST_CASE
    return ForecastCategory.PIPELINE


def _category_expression() -> Case:
    """`category_for` in SQL, for stage-history rows (the rep's choices are not in them)."""
    return Case(
        When(to_stage__kind=StageKind.WON, then=Value(ForecastCategory.CLOSED)),
        When(to_stage__kind=StageKind.LOST, then=Value(ForecastCategory.OMITTED)),
        When(
            probability__gte=F("to_stage__pipeline__commit_probability"),
            then=Value(ForecastCategory.COMMIT),
        ),
        When(
            probability__gte=F("to_stage__pipeline__best_case_probability"),
            then=Value(ForecastCategory.BEST_CASE),
        ),
        default=Value(ForecastCategory.PIPELINE),
    )


# --- figures ----------------------------------------------------------------------------------


@dataclass
class Figures:
    pipeline: Decimal = ZERO
    best_case: Decimal = ZERO
    commit: Decimal = ZERO
    weighted: Decimal = ZERO
    closed_won: Decimal = ZERO
    adjustment: ForecastAdjustment | None = None

    @property
    def adjusted_commit(self) -> Decimal:
        return self.adjustment.amount if self.adjustment is not None else self.commit

    def add(self, other: Figures) -> None:
        for name in ("pipeline", "best_case", "commit", "weighted", "closed_won"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _sum(expression: object, condition: Q) -> Coalesce:
    return Coalesce(Sum(expression, filter=condition), Value(ZERO), output_field=MONEY)


def _figures(
    qs: QuerySet,
    period: Period,
    *,
    fields: dict[str, str],
    until: datetime | None = None,
) -> dict[int, Figures]:
    """One grouped aggregate: each owner's figures of the period, rounded once per total.

    `fields` names the status/kind, category, close date, close moment and owner columns,
    which differ between opportunities and stage-history rows.
    """
    start, end = period.bounds()
    if until is not None:
        end = min(end, until)
    opened = Q(**{fields["status"]: OpportunityStatus.OPEN}) & Q(
        **{f"{fields['close']}__gte": period.start, f"{fields['close']}__lte": period.end}
    )
    won = Q(**{fields["status"]: OpportunityStatus.WON}) & Q(
        **{f"{fields['closed_at']}__gte": start, f"{fields['closed_at']}__lt": end}
    )
    counted = opened & ~Q(**{fields["category"]: ForecastCategory.OMITTED})
    rows = (
        qs.filter(opened | won)
        .order_by()
        .values(fields["owner"])
        .annotate(
            pipeline=_sum("base_amount", counted),
            best_case=_sum(
                "base_amount", opened & Q(**{fields["category"]: ForecastCategory.BEST_CASE})
            ),
            commit=_sum("base_amount", opened & Q(**{fields["category"]: ForecastCategory.COMMIT})),
            weighted=_sum(weighted(), counted),
            won=_sum("base_amount", won),
        )
    )
    base = base_currency()
    result: dict[int, Figures] = {}
    for row in rows:
        won_total = quantize(row["won"], base)
        commit = won_total + quantize(row["commit"], base)
        best_case = commit + quantize(row["best_case"], base)
        result[row[fields["owner"]]] = Figures(
            pipeline=quantize(row["pipeline"], base),
            best_case=best_case,
            commit=commit,
            weighted=won_total + quantize(row["weighted"], base),
            closed_won=won_total,
        )
    return result


LIVE_FIELDS = {
    "status": "status",
    "category": "forecast_category",
    "close": "expected_close_date",
    "closed_at": "closed_at",
    "owner": "owner_id",
}
HISTORY_FIELDS = {
    "status": "to_stage__kind",
    "category": "category",
    "close": "expected_close_date",
    "closed_at": "changed_at",
    "owner": "owner_id",
}


def figures_live(opportunities: QuerySet[Opportunity], period: Period) -> dict[int, Figures]:
    return _figures(opportunities, period, fields=LIVE_FIELDS)


def figures_as_of(period: Period, as_of: date) -> dict[int, Figures]:
    """Every rep's figures as they stood at the end of `as_of`, rebuilt from stage history.

    Each opportunity counts as its last `StageChange` up to that moment left it: stage,
    amount, probability, close date and owner of then.  Edits between two moves are not
    in the history (decision 023), nor is a rep's own choice of category, which is why
    today's snapshot reads the live rows instead.
    """
    until = _midnight(as_of + timedelta(days=1))
    last = (
        StageChange.objects.filter(opportunity=OuterRef("opportunity"), changed_at__lt=until)
        .order_by("-changed_at", "-id")
        .values("pk")[:1]
    )
    rows = StageChange.objects.filter(changed_at__lt=until, pk=Subquery(last)).annotate(
        category=_category_expression()
    )
    return _figures(rows, period, fields=HISTORY_FIELDS, until=until)


def latest_adjustments(
    adjustments: QuerySet[ForecastAdjustment], period: Period, *, before: datetime | None = None
) -> dict[int, ForecastAdjustment]:
    """The newest adjustment of each rep's commit in the period (one query)."""
    qs = adjustments.filter(period=period.key).select_related("created_by")
    if before is not None:
        qs = qs.filter(created_at__lt=before)
    latest: dict[int, ForecastAdjustment] = {}
    for adjustment in qs.order_by("user_id", "-created_at", "-id"):
        latest.setdefault(adjustment.user_id, adjustment)
    return latest


# --- the forecast page and API ----------------------------------------------------------------


def attainment(won: Decimal, target: Decimal | None) -> Decimal | None:
    """Won as a percent of the target, to one place; None without a target."""
    if not target:
        return None
    return (won * 100 / target).quantize(Decimal("0.1"))


@dataclass
class RepRow:
    user: User
    figures: Figures
    can_adjust: bool = False
    target: Decimal | None = None

    @property
    def attainment(self) -> Decimal | None:
        return attainment(self.figures.closed_won, self.target)


@dataclass
class TeamGroup:
    team: Team | None
    rows: list[RepRow] = field(default_factory=list)
    total: Figures = field(default_factory=Figures)
    adjusted_commit: Decimal = ZERO
    target: Decimal | None = None

    @property
    def attainment(self) -> Decimal | None:
        return attainment(self.total.closed_won, self.target)


@dataclass
class Forecast:
    period: Period
    currency: str
    groups: list[TeamGroup]
    total: Figures
    adjusted_commit: Decimal
    target: Decimal | None = None

    @property
    def attainment(self) -> Decimal | None:
        return attainment(self.total.closed_won, self.target)


def _group(rows: Iterable[RepRow], team_of: dict[int, Team | None]) -> list[TeamGroup]:
    groups: dict[int | None, TeamGroup] = {}
    for row in rows:
        team = team_of.get(row.user.pk)
        group = groups.setdefault(team.pk if team else None, TeamGroup(team=team))
        group.rows.append(row)
        group.total.add(row.figures)
        group.adjusted_commit += row.figures.adjusted_commit
        if row.target is not None:
            group.target = (group.target or ZERO) + row.target
    for group in groups.values():
        group.rows.sort(key=lambda r: str(r.user))
    # Named teams in name order, the reps without a team last.
    return sorted(groups.values(), key=lambda g: (g.team is None, g.team.name if g.team else ""))


def forecast_get(*, user: User, period: Period) -> Forecast:
    """Each rep's figures the user may see, by team, with team subtotals and a company total.

    A rep sees their own deals, a manager their teams', admins and finance everyone's:
    the scope is the opportunities' (`restrict(user, "view")`), and each rep's target
    beside it (decision 062).  Five queries.
    """
    figures = figures_live(Opportunity.objects.restrict(user, "view"), period)
    adjustments = latest_adjustments(ForecastAdjustment.objects.restrict(user, "view"), period)
    for user_id, adjustment in adjustments.items():
        figures.setdefault(user_id, Figures()).adjustment = adjustment
    targets = targets_of(SalesTarget.objects.restrict(user, "view"), period)
    for user_id in targets:
        figures.setdefault(user_id, Figures())
    people = User.objects.filter(pk__in=list(figures)).select_related("team")
    adjustable = adjustable_user_ids(user=user, user_ids=list(figures))
    rows = [
        RepRow(
            user=p,
            figures=figures[p.pk],
            can_adjust=p.pk in adjustable,
            target=targets.get(p.pk),
        )
        for p in people
    ]
    groups = _group(rows, {row.user.pk: row.user.team for row in rows})
    total = Figures()
    for group in groups:
        total.add(group.total)
    set_targets = [g.target for g in groups if g.target is not None]
    return Forecast(
        period=period,
        currency=base_currency(),
        groups=groups,
        total=total,
        adjusted_commit=sum((g.adjusted_commit for g in groups), ZERO),
        target=sum(set_targets, ZERO) if set_targets else None,
    )


def adjustable_user_ids(*, user: User, user_ids: Iterable[int]) -> set[int]:
    """Whose commit `user` may adjust: others within their data scope for adjustments."""
    ids = {pk for pk in user_ids if pk != user.pk}
    return users_within(
        user=user, object_type="sales.forecastadjustment", action="add", user_ids=ids
    )


def targets_of(targets: QuerySet[SalesTarget], period: Period) -> dict[int, Decimal]:
    """Each rep's target for the period (decision 062): the one set for it, else, for a
    quarter, the sum of the targets set for its months."""
    found: dict[int, Decimal] = {}
    keys = [period.key]
    if period.is_quarter:
        keys += [f"{period.start.year}-{period.start.month + n:02d}" for n in range(3)]
    rows = targets.filter(period__in=keys).values_list("user_id", "period", "amount")
    exact = {user_id: amount for user_id, key, amount in rows if key == period.key}
    for user_id, key, amount in rows:
        if key != period.key and user_id not in exact:
            found[user_id] = found.get(user_id, ZERO) + amount
    return {**found, **exact}


def adjustment_list(*, user: User, period: Period) -> QuerySet[ForecastAdjustment]:
    return (
        ForecastAdjustment.objects.restrict(user, "view")
        .filter(period=period.key)
        .select_related("user", "created_by")
        .order_by("-created_at", "-id")
    )


def snapshot_list(
    *, user: User, period: Period | None = None, user_id: int | None = None
) -> QuerySet[ForecastSnapshot]:
    qs = ForecastSnapshot.objects.restrict(user, "view").select_related("user", "team")
    if period is not None:
        qs = qs.filter(period=period.key)
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    return qs.order_by("-as_of", "period", "user_id")


# --- accuracy ---------------------------------------------------------------------------------


def accuracy_percent(forecast: Decimal, actual: Decimal) -> Decimal:
    """100 x (1 - |forecast - actual| / actual), not below 0; with nothing won, 100 only
    for a forecast of nothing."""
    if actual == 0:
        value = Decimal(100) if forecast == 0 else ZERO
    else:
        value = max(ZERO, (1 - abs(forecast - actual) / actual) * 100)
    return value.quantize(PERCENT)


@dataclass
class AccuracyLine:
    weighted: Decimal = ZERO
    commit: Decimal = ZERO
    actual: Decimal = ZERO
    as_of: date | None = None

    def add(self, other: AccuracyLine) -> None:
        self.weighted += other.weighted
        self.commit += other.commit
        self.actual += other.actual

    @property
    def weighted_error(self) -> Decimal:
        return self.weighted - self.actual

    @property
    def commit_error(self) -> Decimal:
        return self.commit - self.actual

    @property
    def weighted_accuracy(self) -> Decimal:
        return accuracy_percent(self.weighted, self.actual)

    @property
    def commit_accuracy(self) -> Decimal:
        return accuracy_percent(self.commit, self.actual)


@dataclass
class AccuracyRow:
    user: User
    line: AccuracyLine


@dataclass
class AccuracyGroup:
    team: Team | None
    rows: list[AccuracyRow] = field(default_factory=list)
    total: AccuracyLine = field(default_factory=AccuracyLine)


@dataclass
class Accuracy:
    period: Period
    snapshot_before: date
    currency: str
    groups: list[AccuracyGroup]
    total: AccuracyLine


def accuracy_get(*, user: User, period: Period, as_of: date | None = None) -> Accuracy:
    """The forecast as last snapshotted before the period began (or on/before `as_of`)
    against what was won in it, per rep, team and company.

    The forecast side is the snapshot's weighted and adjusted commit; the actual side is
    today's closed won of the period.  Both are read within the user's scope.  Four queries.
    """
    limit = as_of if as_of is not None else period.start - timedelta(days=1)
    snapshots = (
        ForecastSnapshot.objects.restrict(user, "view")
        .filter(period=period.key, as_of__lte=limit)
        .order_by("user_id", "-as_of")
    )
    base = base_currency()
    lines: dict[int, AccuracyLine] = {}
    teams: dict[int, int | None] = {}
    for snap in snapshots:
        if snap.user_id not in lines:
            lines[snap.user_id] = AccuracyLine(
                weighted=quantize(snap.weighted, base),
                commit=quantize(snap.adjusted_commit, base),
                as_of=snap.as_of,
            )
            teams[snap.user_id] = snap.team_id
    actual = figures_live(Opportunity.objects.restrict(user, "view"), period)
    for user_id, figures in actual.items():
        lines.setdefault(user_id, AccuracyLine()).actual = figures.closed_won
    people = {p.pk: p for p in User.objects.filter(pk__in=list(lines)).select_related("team")}
    team_ids = {pk: teams.get(pk, people[pk].team_id) for pk in people}
    team_by_id = {t.pk: t for t in Team.objects.filter(pk__in=set(team_ids.values()) - {None})}
    groups: dict[int | None, AccuracyGroup] = {}
    for pk, person in sorted(people.items(), key=lambda item: str(item[1])):
        team_id = team_ids[pk]
        group = groups.setdefault(team_id, AccuracyGroup(team=team_by_id.get(team_id or 0)))
        group.rows.append(AccuracyRow(user=person, line=lines[pk]))
        group.total.add(lines[pk])
    total = AccuracyLine()
    ordered = sorted(groups.values(), key=lambda g: (g.team is None, g.team.name if g.team else ""))
    for group in ordered:
        total.add(group.total)
    return Accuracy(
        period=period,
        snapshot_before=limit,
        currency=base,
        groups=ordered,
        total=total,
    )
