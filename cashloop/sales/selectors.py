"""Reads of sales, always through `restrict(user, action)`.

The board, the lists, the detail pages, the CSV export, the API and the search box all
call these, so no path shows a user more than another.  The board reads a bounded number
of rows whatever the size of the pipeline: one aggregate for the column totals and one
windowed query for at most `per_column` cards of each stage.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from cashloop.core.audit import audit_history
from cashloop.core.errors import DomainError
from cashloop.core.fieldrules import match_shown
from cashloop.core.models import AuditEntry
from cashloop.core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, base_currency, quantize
from cashloop.core.scoping import ALL, OWN, get_scoped, may_on, object_type_of, require
from cashloop.customers.models import Customer
from cashloop.identity.models import Team, User
from cashloop.sales.choices import LeadStatus
from cashloop.sales.errors import SalesError
from cashloop.sales.models import (
    AssignmentRule,
    Lead,
    Opportunity,
    Pipeline,
    SalesTarget,
    Stage,
    StageChange,
)

MONEY = DecimalField(max_digits=MONEY_MAX_DIGITS + 3, decimal_places=MONEY_DECIMAL_PLACES)
BOARD_CARDS_PER_COLUMN = 20

# Sort keys the list offers: key -> ORDER BY (the id breaks ties, so pages are stable).
OPPORTUNITY_SORTS = {
    "close": ("expected_close_date", "id"),
    "-close": ("-expected_close_date", "-id"),
    "amount": ("base_amount", "id"),
    "-amount": ("-base_amount", "-id"),
    "name": ("name", "id"),
    "-created": ("-created_at", "-id"),
    "stage": ("stage__position", "expected_close_date", "id"),
}
PERIODS = ("this_month", "this_quarter", "next_quarter", "this_year")


def period_range(period: str, today: date | None = None) -> tuple[date | None, date | None]:
    """Expected-close window of a named period: this month, this or next quarter, this year."""
    today = today or timezone.localdate()
    if period == "this_month":
        last = calendar.monthrange(today.year, today.month)[1]
        return today.replace(day=1), today.replace(day=last)
    if period in ("this_quarter", "next_quarter"):
        first_month = 3 * ((today.month - 1) // 3) + 1
        start = date(today.year, first_month, 1)
        if period == "next_quarter":
            start = (start + timedelta(days=95)).replace(day=1)
        end_month = start.month + 2
        return start, date(start.year, end_month, calendar.monthrange(start.year, end_month)[1])
    if period == "this_year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    return None, None


# --- pipelines --------------------------------------------------------------------------------


def pipeline_list(*, user: User, active_only: bool = False) -> QuerySet[Pipeline]:
    """Pipelines with their stages in order (configuration every sales role may read)."""
    require(user, "view", Pipeline)
    qs = Pipeline.objects.prefetch_related("stages")
    return qs.filter(active=True) if active_only else qs


def pipeline_get(*, user: User, pipeline_id: int | None = None) -> Pipeline:
    """One pipeline, or the default one when no id is given."""
    require(user, "view", Pipeline)
    qs = Pipeline.objects.prefetch_related("stages")
    pipeline = (
        qs.filter(pk=pipeline_id).first() if pipeline_id else qs.filter(is_default=True).first()
    )
    if pipeline is None:
        raise DomainError(SalesError.PIPELINE_NOT_FOUND)
    return pipeline


def pipeline_history(*, user: User, pipeline_id: int) -> QuerySet[AuditEntry]:
    return audit_history(instance=pipeline_get(user=user, pipeline_id=pipeline_id))


def stage_get(*, stage_id: int) -> Stage | None:
    return Stage.objects.select_related("pipeline").filter(pk=stage_id).first()


# --- opportunities ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OpportunityFilters:
    q: str = ""
    pipeline_id: int | None = None
    stage_id: int | None = None
    status: str = ""
    owner_id: int | None = None
    team_id: int | None = None
    customer_id: int | None = None
    close_from: date | None = None
    close_to: date | None = None


def opportunity_list(
    *,
    user: User,
    filters: OpportunityFilters | None = None,
    sort: str = "close",
    action: str = "view",
) -> QuerySet[Opportunity]:
    """Opportunities the user may see, filtered and sorted (unknown sort keys: by close date)."""
    f = filters or OpportunityFilters()
    qs = _filtered(Opportunity.objects.restrict(user, action), f)
    if f.stage_id:
        qs = qs.filter(stage_id=f.stage_id)
    if f.status:
        qs = qs.filter(status=f.status)
    if q := f.q.strip():
        clauses = [
            ("name", Q(name__icontains=q)),
            ("customer__name", Q(customer__name__icontains=q)),
            ("customer__code", Q(customer__code__icontains=q)),
        ]
        qs = qs.filter(match_shown(user, Opportunity, clauses))
    return qs.select_related("customer", "stage", "owner", "team", "pipeline").order_by(
        *OPPORTUNITY_SORTS.get(sort, OPPORTUNITY_SORTS["close"])
    )


def _filtered(qs: QuerySet[Opportunity], f: OpportunityFilters) -> QuerySet[Opportunity]:
    """The filters the board and the list share."""
    if f.pipeline_id:
        qs = qs.filter(pipeline_id=f.pipeline_id)
    if f.owner_id:
        qs = qs.filter(owner_id=f.owner_id)
    if f.team_id:
        team = Team.objects.filter(pk=f.team_id).first()
        qs = qs.filter(team_id__in=team.subtree_ids() if team else [])
    if f.customer_id:
        qs = qs.filter(customer_id=f.customer_id)
    if f.close_from:
        qs = qs.filter(expected_close_date__gte=f.close_from)
    if f.close_to:
        qs = qs.filter(expected_close_date__lte=f.close_to)
    return qs


def opportunity_get(*, user: User, opportunity_id: int, action: str = "view") -> Opportunity:
    return get_scoped(
        Opportunity.objects.select_related("customer", "stage", "pipeline", "owner", "team"),
        user=user,
        action=action,
        pk=opportunity_id,
        not_found=SalesError.OPPORTUNITY_NOT_FOUND,
    )


def opportunity_can_change(*, user: User, opportunity: Opportunity) -> bool:
    return may_on(user, "change", opportunity)


def opportunity_stage_history(*, user: User, opportunity_id: int) -> QuerySet[StageChange]:
    """Every stage an opportunity went through, oldest first (its creation included)."""
    opportunity = opportunity_get(user=user, opportunity_id=opportunity_id)
    return (
        StageChange.objects.filter(opportunity=opportunity)
        .select_related("from_stage", "to_stage", "changed_by", "owner")
        .order_by("changed_at", "id")
    )


def opportunity_history(*, user: User, opportunity_id: int) -> QuerySet[AuditEntry]:
    return audit_history(instance=opportunity_get(user=user, opportunity_id=opportunity_id))


def weighted(expression_field: str = "base_amount") -> ExpressionWrapper:
    """amount x probability / 100 per row, as SQL (summed in the database)."""
    return ExpressionWrapper(
        F(expression_field) * F("probability") / Value(100), output_field=MONEY
    )


@dataclass
class BoardColumn:
    stage: Stage
    count: int = 0
    total: Decimal = Decimal(0)
    weighted_total: Decimal = Decimal(0)
    cards: list[Opportunity] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


@dataclass
class Board:
    pipeline: Pipeline
    columns: list[BoardColumn]
    currency: str

    @property
    def total(self) -> Decimal:
        return sum((c.total for c in self.columns if c.stage.kind == "open"), Decimal(0))

    @property
    def weighted_total(self) -> Decimal:
        return sum((c.weighted_total for c in self.columns if c.stage.kind == "open"), Decimal(0))


def board_get(
    *,
    user: User,
    pipeline: Pipeline,
    filters: OpportunityFilters | None = None,
    per_column: int = BOARD_CARDS_PER_COLUMN,
) -> Board:
    """The pipeline as columns: totals and weighted totals in base currency, first cards.

    Three queries whatever the number of opportunities: the totals grouped by stage, the
    first `per_column` cards of every stage (numbered in SQL with ROW_NUMBER), and the
    stages (prefetched with the pipeline).
    """
    f = filters or OpportunityFilters()
    qs = _filtered(Opportunity.objects.restrict(user, "view"), f).filter(pipeline=pipeline)
    totals = {
        row["stage_id"]: row
        for row in qs.order_by()
        .values("stage_id")
        .annotate(
            n=Count("id"),
            total=Coalesce(Sum("base_amount"), Value(0), output_field=MONEY),
            weighted_total=Coalesce(Sum(weighted()), Value(0), output_field=MONEY),
        )
    }
    numbered = qs.annotate(
        row=Window(
            RowNumber(),
            partition_by=[F("stage_id")],
            order_by=[F("expected_close_date").asc(), F("id").asc()],
        )
    )
    cards = (
        numbered.filter(row__lte=per_column)
        .select_related("customer", "owner")
        .order_by("expected_close_date", "id")
    )
    base = base_currency()
    columns = {stage.pk: BoardColumn(stage=stage) for stage in pipeline.stages.all()}
    for stage_id, row in totals.items():
        if column := columns.get(stage_id):
            column.count = row["n"]
            column.total = quantize(row["total"], base)
            column.weighted_total = quantize(row["weighted_total"], base)
    for card in cards:
        columns[card.stage_id].cards.append(card)
    return Board(pipeline=pipeline, columns=list(columns.values()), currency=base)


def opportunity_owner_choices(*, user: User, model: type = Opportunity) -> QuerySet[User]:
    """People the user may give an opportunity or a lead to (all, their teams, or themselves)."""
    scope = user.data_scope(object_type_of(model), "change") or OWN
    qs = User.objects.filter(is_active=True).order_by("username")
    if scope == ALL:
        return qs
    if scope == OWN:
        return qs.filter(pk=user.pk)
    return qs.filter(Q(team_id__in=list(user.scope_team_ids())) | Q(pk=user.pk))


def team_choices(*, user: User) -> QuerySet[Team]:
    """Teams a user may filter by: every team for all-scope, else their own subtree."""
    scope = user.data_scope("sales.opportunity", "view")
    if scope == ALL:
        return Team.objects.order_by("name")
    return Team.objects.filter(pk__in=list(user.scope_team_ids())).order_by("name")


# --- leads ------------------------------------------------------------------------------------


def lead_list(
    *,
    user: User,
    q: str = "",
    status: str = "",
    source: str = "",
    owner_id: int | None = None,
    action: str = "view",
) -> QuerySet[Lead]:
    qs = Lead.objects.restrict(user, action)
    if q := q.strip():
        fields = ("company_name", "contact_name", "phone", "email")
        clauses = [(name, Q(**{f"{name}__icontains": q})) for name in fields]
        qs = qs.filter(match_shown(user, Lead, clauses))
    if status == "open":
        qs = qs.exclude(status__in=[LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED])
    elif status:
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(source=source)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    return qs.select_related("owner", "team", "converted_customer").order_by("-created_at", "-id")


def lead_get(*, user: User, lead_id: int, action: str = "view") -> Lead:
    return get_scoped(
        Lead.objects.select_related(
            "owner", "team", "converted_customer", "converted_contact", "converted_opportunity"
        ),
        user=user,
        action=action,
        pk=lead_id,
        not_found=SalesError.LEAD_NOT_FOUND,
    )


def lead_history(*, user: User, lead_id: int) -> QuerySet[AuditEntry]:
    return audit_history(instance=lead_get(user=user, lead_id=lead_id))


def lead_customer_code(*, lead: Lead) -> str:
    """A free customer code to suggest when converting a lead: L000042, then L000042-2 …"""
    code = f"L{lead.pk:06d}"
    taken = set(Customer.objects.filter(code__istartswith=code).values_list("code", flat=True))
    candidate, n = code, 1
    while candidate in taken:
        n += 1
        candidate = f"{code}-{n}"
    return candidate


def assignment_rule_list(*, user: User) -> QuerySet[AssignmentRule]:
    require(user, "view", AssignmentRule)
    return AssignmentRule.objects.select_related("user", "team", "last_assigned").order_by(
        "position", "id"
    )


def target_reps(*, user: User) -> list[User]:
    """The people who sell (a role lets them add opportunities, not all of them) within the
    user's scope for sales targets, by name (decision 062)."""
    require(user, "view", SalesTarget)
    sellers = [
        u
        for u in User.objects.filter(is_active=True, is_superuser=False)
        .select_related("team")
        .prefetch_related("roles")
        if any(r.allows("sales.opportunity", "add") and "*" not in r.grants for r in u.roles.all())
    ]
    shown = users_within(
        user=user, object_type="sales.salestarget", action="view", user_ids=[u.pk for u in sellers]
    )
    return sorted((u for u in sellers if u.pk in shown), key=str)


def users_within(*, user: User, object_type: str, action: str, user_ids: Iterable[int]) -> set[int]:
    """Which of `user_ids` are within `user`'s data scope for `action` on `object_type`."""
    scope = user.data_scope(object_type, action)
    ids = set(user_ids)
    if scope is None:
        return set()
    if scope == "own":
        return ids & {user.pk}
    if scope == "all":
        return ids
    teams = set(user.scope_team_ids())
    return set(User.objects.filter(pk__in=ids, team_id__in=teams).values_list("pk", flat=True))
