"""API schemas of sales: strict input, explicit output, money as decimal strings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema

from cashloop.core.money import base_currency, quantize
from cashloop.core.schemas import InSchema, PatchSchema
from cashloop.customfields.schemas import custom_out
from cashloop.ledger.schemas import money_resolver
from cashloop.sales.choices import (
    ForecastCategory,
    LeadSource,
    LeadStatus,
    OpportunityStatus,
    StageKind,
)
from cashloop.sales.forecast import attainment

Amount = Annotated[Decimal, Field(gt=Decimal("-1e15"), lt=Decimal("1e15"))]
Rate = Annotated[Decimal, Field(max_digits=18, decimal_places=8)]
Currency = Annotated[str, Field(min_length=3, max_length=3)]
Probability = Annotated[int, Field(ge=0, le=100)]
TextList = Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=20)]


class Ref(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)


class CustomerRef(Schema):
    id: int
    code: str
    name: str


# --- pipelines --------------------------------------------------------------------------------


class StageOut(Schema):
    id: int
    name: str
    position: int
    probability: int
    kind: StageKind


class PipelineOut(Schema):
    id: int
    name: str
    is_default: bool
    active: bool
    best_case_probability: int
    commit_probability: int
    stages: list[StageOut]

    @staticmethod
    def resolve_stages(obj: Any) -> list[Any]:
        return list(obj.stages.all())


class StageIn(InSchema):
    name: str = Field(..., min_length=1, max_length=100)
    probability: Probability
    kind: StageKind = StageKind.OPEN


class StagePatch(InSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    probability: Probability | None = None
    kind: StageKind | None = None


class PipelineIn(InSchema):
    name: str = Field(..., min_length=1, max_length=100)
    is_default: bool = False
    active: bool = True
    stages: list[StageIn] = Field(default_factory=list, max_length=30)


class PipelinePatch(PatchSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    is_default: bool | None = None
    active: bool | None = None
    best_case_probability: Probability | None = None
    commit_probability: Probability | None = None
    stage_order: list[int] | None = Field(
        None, max_length=30, description="Every stage id of the pipeline, in the new order."
    )


# --- opportunities ----------------------------------------------------------------------------


class OpportunityIn(InSchema):
    customer_id: int
    name: str = Field(..., min_length=1, max_length=200)
    amount: Amount
    currency: Currency | None = Field(None, description="Default: the customer's currency.")
    rate: Rate | None = None
    expected_close_date: dt.date
    pipeline_id: int | None = Field(None, description="Default: the default pipeline.")
    stage_id: int | None = Field(None, description="Default: the pipeline's first open stage.")
    owner_id: int | None = Field(None, description="Default: you.")
    source: LeadSource | None = None
    products: TextList = Field(default_factory=list)
    competitors: TextList = Field(default_factory=list)
    lost_reason: str = Field("", max_length=500)
    custom: dict[str, Any] = Field(default_factory=dict)


class OpportunityPatch(InSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    amount: Amount | None = None
    currency: Currency | None = None
    rate: Rate | None = None
    expected_close_date: dt.date | None = None
    owner_id: int | None = None
    source: LeadSource | None = None
    products: TextList | None = None
    competitors: TextList | None = None
    lost_reason: str | None = Field(None, max_length=500)
    forecast_category: ForecastCategory | None = None
    custom: dict[str, Any] | None = None


class MoveIn(InSchema):
    stage_id: int
    lost_reason: str = Field("", max_length=500)


class ProbabilityIn(InSchema):
    probability: Probability
    reason: str = Field("", max_length=500)


class OpportunityFilter(Schema):
    q: str = ""
    pipeline_id: int | None = None
    stage_id: int | None = None
    status: OpportunityStatus | None = None
    owner_id: int | None = None
    team_id: int | None = None
    customer_id: int | None = None
    close_from: dt.date | None = None
    close_to: dt.date | None = None


class OpportunityOut(Schema):
    id: int
    name: str
    customer: CustomerRef
    currency: str
    amount: str
    rate: str
    base_amount: str
    weighted_base_amount: str
    expected_close_date: dt.date
    pipeline_id: int
    stage: StageOut
    stage_changed_at: dt.datetime
    probability: int
    probability_reason: str
    status: OpportunityStatus
    forecast_category: ForecastCategory
    owner: Ref
    team_id: int | None
    source: str
    products: list[str]
    competitors: list[str]
    lost_reason: str
    closed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    custom: dict[str, Any] = {}

    resolve_amount = money_resolver("amount")
    resolve_base_amount = money_resolver("base_amount", None)

    @staticmethod
    def resolve_custom(obj: Any, context: Any) -> dict[str, Any]:
        return custom_out(obj, context)

    @staticmethod
    def resolve_rate(obj: Any) -> str:
        return format(obj.rate.normalize(), "f")

    @staticmethod
    def resolve_weighted_base_amount(obj: Any) -> str:
        return str(quantize(obj.base_amount * obj.probability / 100, base_currency()))


class StageChangeOut(Schema):
    id: int
    from_stage_id: int | None
    to_stage_id: int
    changed_at: dt.datetime
    changed_by_id: int | None
    currency: str
    amount: str
    base_amount: str
    probability: int
    expected_close_date: dt.date
    owner_id: int
    team_id: int | None

    resolve_amount = money_resolver("amount")
    resolve_base_amount = money_resolver("base_amount", None)


# --- leads ------------------------------------------------------------------------------------


class LeadIn(InSchema):
    source: LeadSource
    company_name: str = Field("", max_length=200)
    contact_name: str = Field("", max_length=100)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    region: str = Field("", max_length=50)
    notes: str = Field("", max_length=5000)
    owner_id: int | None = Field(None, description="Default: the assignment rules decide.")
    custom: dict[str, Any] = Field(default_factory=dict)


class LeadPatch(PatchSchema):
    clearable = frozenset({"owner_id"})

    source: LeadSource | None = None
    company_name: str | None = Field(None, max_length=200)
    contact_name: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    region: str | None = Field(None, max_length=50)
    notes: str | None = Field(None, max_length=5000)
    owner_id: int | None = None
    status: LeadStatus | None = None
    custom: dict[str, Any] | None = None


class DisqualifyIn(InSchema):
    reason: str = Field(..., max_length=500)


class ConvertOpportunityIn(InSchema):
    name: str = Field("", max_length=200)
    amount: Amount
    expected_close_date: dt.date
    currency: Currency | None = None
    rate: Rate | None = None
    pipeline_id: int | None = None
    stage_id: int | None = None


class ConvertIn(InSchema):
    """Link an existing customer (`customer_id`) or create one (`customer_code`)."""

    customer_id: int | None = None
    customer_code: str = Field("", max_length=30)
    customer_name: str = Field("", max_length=200)
    currency: Currency | None = None
    opportunity: ConvertOpportunityIn | None = None
    confirm_duplicate: bool = Field(
        False, description="Create the customer even though it looks like an existing one."
    )
    customer_custom: dict[str, Any] | None = Field(
        None, description="A new customer's custom field values, by key."
    )


class LeadFilter(Schema):
    q: str = ""
    status: str = ""
    source: str = ""
    owner_id: int | None = None


class LeadOut(Schema):
    id: int
    source: str
    company_name: str
    contact_name: str
    phone: str
    email: str
    region: str
    status: LeadStatus
    disqualified_reason: str
    owner: Ref | None
    team_id: int | None
    notes: str
    converted_customer_id: int | None
    converted_contact_id: int | None
    converted_opportunity_id: int | None
    converted_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    custom: dict[str, Any] = {}

    @staticmethod
    def resolve_custom(obj: Any, context: Any) -> dict[str, Any]:
        return custom_out(obj, context)


# --- forecast and funnel ----------------------------------------------------------------------


def money_str(value: Decimal) -> str:
    """A base-currency amount as an exact decimal string."""
    return str(quantize(value, base_currency()))


class ForecastQuery(Schema):
    period: str = Field(..., description="A month (2026-11) or a quarter (2026-Q4).")
    group: str = Field("rep", pattern="^(rep|team)$", description="rep or team")


class FiguresOut(Schema):
    """One rep's, team's or the company's figures, in base currency."""

    pipeline: str
    best_case: str
    commit: str
    adjusted_commit: str
    weighted: str
    closed_won: str
    target: str | None = None
    attainment: str | None = None  # closed won as a percent of the target


def figures_out(
    figures: Any, adjusted: Decimal | None = None, target: Decimal | None = None
) -> dict[str, Any]:
    won = attainment(figures.closed_won, target)
    return {
        "pipeline": money_str(figures.pipeline),
        "best_case": money_str(figures.best_case),
        "commit": money_str(figures.commit),
        "adjusted_commit": money_str(figures.adjusted_commit if adjusted is None else adjusted),
        "weighted": money_str(figures.weighted),
        "closed_won": money_str(figures.closed_won),
        "target": money_str(target) if target is not None else None,
        "attainment": str(won) if won is not None else None,
    }


class ForecastLineOut(FiguresOut):
    user: Ref | None = None
    team: Ref | None = None
    adjustment_note: str = ""


class ForecastOut(Schema):
    period: str
    date_from: dt.date
    date_to: dt.date
    currency: str
    group: str
    lines: list[ForecastLineOut]
    total: FiguresOut


class TargetLineIn(InSchema):
    user_id: int
    amount: Amount | None = None  # none: no target


class TargetsIn(InSchema):
    period: str = Field(..., max_length=20)
    targets: list[TargetLineIn] = Field(..., max_length=500)


class TargetOut(Schema):
    period: str
    user: Ref
    amount: str

    @staticmethod
    def resolve_amount(obj: Any) -> str:
        return money_str(obj.amount)


class AdjustmentIn(InSchema):
    period: str = Field(..., max_length=20)
    user_id: int
    amount: Amount
    note: str = Field(..., max_length=500)


class AdjustmentOut(Schema):
    id: int
    period: str
    user: Ref
    amount: str
    note: str
    created_by: Ref
    created_at: dt.datetime

    resolve_amount = money_resolver("amount", None)


class SnapshotFilter(Schema):
    period: str | None = None
    user_id: int | None = None


class SnapshotOut(Schema):
    id: int
    period: str
    user: Ref
    team_id: int | None
    week: dt.date
    as_of: dt.date
    pipeline: str
    best_case: str
    commit: str
    weighted: str
    adjusted_commit: str
    closed_won: str

    resolve_pipeline = money_resolver("pipeline", None)
    resolve_best_case = money_resolver("best_case", None)
    resolve_commit = money_resolver("commit", None)
    resolve_weighted = money_resolver("weighted", None)
    resolve_adjusted_commit = money_resolver("adjusted_commit", None)
    resolve_closed_won = money_resolver("closed_won", None)


class FunnelQuery(Schema):
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    pipeline_id: int | None = None


class FunnelStageOut(Schema):
    stage: StageOut
    entered: int
    entered_amount: str
    reached: int
    conversion_percent: str | None
    dropped: int
    average_days_in_stage: str | None


class WinRateOut(Schema):
    key: str
    label: str
    won: int
    lost: int
    won_amount: str
    win_rate_percent: str | None


class FunnelOut(Schema):
    pipeline_id: int
    date_from: dt.date
    date_to: dt.date
    currency: str
    stages: list[FunnelStageOut]
    weakest_stage_id: int | None
    win_rate_by_source: list[WinRateOut]
    win_rate_by_rep: list[WinRateOut]


class AccuracyQuery(Schema):
    period: str = Field(..., description="A past month (2026-10) or quarter (2026-Q3).")
    as_of: dt.date | None = Field(
        None, description="Use the last snapshot on or before this day (default: before the start)."
    )


class AccuracyLineOut(Schema):
    user: Ref | None = None
    team: Ref | None = None
    snapshot_as_of: dt.date | None = None
    weighted: str
    commit: str
    actual_closed_won: str
    weighted_error: str
    commit_error: str
    weighted_accuracy_percent: str
    commit_accuracy_percent: str


class AccuracyOut(Schema):
    period: str
    snapshot_on_or_before: dt.date
    currency: str
    lines: list[AccuracyLineOut]
    teams: list[AccuracyLineOut]
    total: AccuracyLineOut
