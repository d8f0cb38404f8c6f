"""Sales endpoints: /api/v1/opportunities, /leads, /pipelines, and /sales (forecast, funnel)."""

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Query, Router, Status

from cashloop.core.errors import DomainError
from cashloop.core.pagination import paginated
from cashloop.core.schemas import AuditEntryOut
from cashloop.core.scoping import require
from cashloop.customfields.selectors import custom_filtered
from cashloop.sales import forecast, funnel, schemas, selectors, services
from cashloop.sales.errors import SalesError
from cashloop.sales.models import ForecastAdjustment, Opportunity, SalesTarget
from cashloop.sales.schemas import (
    AccuracyOut,
    AccuracyQuery,
    AdjustmentIn,
    AdjustmentOut,
    ConvertIn,
    DisqualifyIn,
    ForecastOut,
    ForecastQuery,
    FunnelOut,
    FunnelQuery,
    LeadFilter,
    LeadIn,
    LeadOut,
    LeadPatch,
    MoveIn,
    OpportunityFilter,
    OpportunityIn,
    OpportunityOut,
    OpportunityPatch,
    PipelineIn,
    PipelineOut,
    PipelinePatch,
    ProbabilityIn,
    SnapshotFilter,
    SnapshotOut,
    StageChangeOut,
    StageIn,
    StageOut,
    StagePatch,
)

opportunities_router = Router(tags=["opportunities"])
leads_router = Router(tags=["leads"])
pipelines_router = Router(tags=["pipelines"])
sales_router = Router(tags=["forecast"])


# --- opportunities ----------------------------------------------------------------------------


@opportunities_router.get("", response=list[OpportunityOut])
@paginated(
    # The page's short keys (close, amount, created, stage) stay, beside the field names.
    sorts={
        "close": "expected_close_date",
        "amount": "base_amount",
        "name": "name",
        "created": "created_at",
        "stage": ("stage__position", "expected_close_date"),
        "expected_close_date": "expected_close_date",
        "base_amount": "base_amount",
        "created_at": "created_at",
        "probability": "probability",
    },
    default="close",
)
def opportunity_list(request: HttpRequest, filters: Query[OpportunityFilter]) -> Any:
    values = filters.dict()
    values["status"] = values["status"] or ""
    rows = selectors.opportunity_list(
        user=request.user, filters=selectors.OpportunityFilters(**values)
    )
    return custom_filtered(rows, user=request.user, params=request.GET)


@opportunities_router.post("", response={201: OpportunityOut})
def opportunity_create(request: HttpRequest, payload: OpportunityIn) -> Any:
    data = payload.dict()
    data["source"] = data["source"] or ""
    opportunity = services.opportunity_create(actor=request.user, **data)
    return Status(201, selectors.opportunity_get(user=request.user, opportunity_id=opportunity.pk))


@opportunities_router.get("/{opportunity_id}", response=OpportunityOut)
def opportunity_detail(request: HttpRequest, opportunity_id: int) -> Any:
    return selectors.opportunity_get(user=request.user, opportunity_id=opportunity_id)


@opportunities_router.patch("/{opportunity_id}", response=OpportunityOut)
def opportunity_update(request: HttpRequest, opportunity_id: int, payload: OpportunityPatch) -> Any:
    services.opportunity_update(
        actor=request.user,
        opportunity_id=opportunity_id,
        changes=payload.dict(exclude_unset=True),
    )
    return selectors.opportunity_get(user=request.user, opportunity_id=opportunity_id)


@opportunities_router.post("/{opportunity_id}/move", response=OpportunityOut)
def opportunity_move(request: HttpRequest, opportunity_id: int, payload: MoveIn) -> Any:
    services.opportunity_move(actor=request.user, opportunity_id=opportunity_id, **payload.dict())
    return selectors.opportunity_get(user=request.user, opportunity_id=opportunity_id)


@opportunities_router.post("/{opportunity_id}/probability", response=OpportunityOut)
def opportunity_probability(
    request: HttpRequest, opportunity_id: int, payload: ProbabilityIn
) -> Any:
    services.opportunity_probability_override(
        actor=request.user, opportunity_id=opportunity_id, **payload.dict()
    )
    return selectors.opportunity_get(user=request.user, opportunity_id=opportunity_id)


@opportunities_router.get("/{opportunity_id}/stage-history", response=list[StageChangeOut])
def opportunity_stage_history(request: HttpRequest, opportunity_id: int) -> Any:
    return selectors.opportunity_stage_history(user=request.user, opportunity_id=opportunity_id)


@opportunities_router.get("/{opportunity_id}/history", response=list[AuditEntryOut])
@paginated(sorts=("at",), default="-at")
def opportunity_history(request: HttpRequest, opportunity_id: int) -> Any:
    return selectors.opportunity_history(user=request.user, opportunity_id=opportunity_id)


# --- leads ------------------------------------------------------------------------------------


@leads_router.get("", response=list[LeadOut])
@paginated(sorts=("created_at", "company_name", "status"), default="-created_at")
def lead_list(request: HttpRequest, filters: Query[LeadFilter]) -> Any:
    rows = selectors.lead_list(user=request.user, **filters.dict())
    return custom_filtered(rows, user=request.user, params=request.GET)


@leads_router.post("", response={201: LeadOut})
def lead_create(request: HttpRequest, payload: LeadIn) -> Any:
    return Status(201, services.lead_create(actor=request.user, **payload.dict()))


@leads_router.get("/{lead_id}", response=LeadOut)
def lead_detail(request: HttpRequest, lead_id: int) -> Any:
    return selectors.lead_get(user=request.user, lead_id=lead_id)


@leads_router.patch("/{lead_id}", response=LeadOut)
def lead_update(request: HttpRequest, lead_id: int, payload: LeadPatch) -> Any:
    return services.lead_update(
        actor=request.user, lead_id=lead_id, changes=payload.dict(exclude_unset=True)
    )


@leads_router.post("/{lead_id}/disqualify", response=LeadOut)
def lead_disqualify(request: HttpRequest, lead_id: int, payload: DisqualifyIn) -> Any:
    return services.lead_disqualify(actor=request.user, lead_id=lead_id, reason=payload.reason)


@leads_router.post("/{lead_id}/convert", response=LeadOut)
def lead_convert(request: HttpRequest, lead_id: int, payload: ConvertIn) -> Any:
    data = payload.dict()
    deal = data.pop("opportunity")
    return services.lead_convert(
        actor=request.user,
        lead_id=lead_id,
        opportunity=services.OpportunitySpec(**deal) if deal else None,
        **data,
    )


# --- pipelines --------------------------------------------------------------------------------


@pipelines_router.get("", response=list[PipelineOut])
def pipeline_list(request: HttpRequest) -> Any:
    return selectors.pipeline_list(user=request.user)


@pipelines_router.post("", response={201: PipelineOut})
def pipeline_create(request: HttpRequest, payload: PipelineIn) -> Any:
    data = payload.dict()
    stages = [services.StageSpec(**stage) for stage in data.pop("stages")]
    pipeline = services.pipeline_create(actor=request.user, stages=stages, **data)
    return Status(201, selectors.pipeline_get(user=request.user, pipeline_id=pipeline.pk))


@pipelines_router.get("/{pipeline_id}", response=PipelineOut)
def pipeline_detail(request: HttpRequest, pipeline_id: int) -> Any:
    return selectors.pipeline_get(user=request.user, pipeline_id=pipeline_id)


@pipelines_router.patch("/{pipeline_id}", response=PipelineOut)
def pipeline_update(request: HttpRequest, pipeline_id: int, payload: PipelinePatch) -> Any:
    changes = payload.dict(exclude_unset=True)
    order = changes.pop("stage_order", None)
    with transaction.atomic():  # the rename and the new order stand or fall together
        if changes:
            services.pipeline_update(actor=request.user, pipeline_id=pipeline_id, changes=changes)
        if order is not None:
            services.stage_reorder(actor=request.user, pipeline_id=pipeline_id, stage_ids=order)
    return selectors.pipeline_get(user=request.user, pipeline_id=pipeline_id)


@pipelines_router.post("/{pipeline_id}/stages", response={201: StageOut})
def stage_create(request: HttpRequest, pipeline_id: int, payload: StageIn) -> Any:
    return Status(
        201, services.stage_create(actor=request.user, pipeline_id=pipeline_id, **payload.dict())
    )


@pipelines_router.patch("/{pipeline_id}/stages/{stage_id}", response=StageOut)
def stage_update(request: HttpRequest, pipeline_id: int, stage_id: int, payload: StagePatch) -> Any:
    stage = selectors.stage_get(stage_id=stage_id)
    if stage is None or stage.pipeline_id != pipeline_id:
        raise DomainError(SalesError.STAGE_NOT_FOUND)
    return services.stage_update(
        actor=request.user, stage_id=stage_id, changes=payload.dict(exclude_unset=True)
    )


# --- forecast and funnel ----------------------------------------------------------------------


@sales_router.get("/forecast", response=ForecastOut)
def forecast_get(request: HttpRequest, query: Query[ForecastQuery]) -> Any:
    """Each rep's (`group=rep`) or each team's (`group=team`) forecast of a period."""
    require(request.user, "view", Opportunity)
    period = forecast.parse_period(query.period)
    result = forecast.forecast_get(user=request.user, period=period)
    if query.group == "team":
        lines = [
            {"team": g.team, **schemas.figures_out(g.total, g.adjusted_commit, g.target)}
            for g in result.groups
        ]
    else:
        lines = [
            {
                "user": row.user,
                "team": g.team,
                "adjustment_note": row.figures.adjustment.note if row.figures.adjustment else "",
                **schemas.figures_out(row.figures, target=row.target),
            }
            for g in result.groups
            for row in g.rows
        ]
    return {
        "period": period.key,
        "date_from": period.start,
        "date_to": period.end,
        "currency": result.currency,
        "group": query.group,
        "lines": lines,
        "total": schemas.figures_out(result.total, result.adjusted_commit, result.target),
    }


@sales_router.get("/targets", response=list[schemas.TargetOut])
def target_list(request: HttpRequest, period: str) -> Any:
    """The targets set for a period (a quarter's own, not its months'), within the scope."""
    require(request.user, "view", SalesTarget)
    key = forecast.parse_period(period).key
    return list(
        SalesTarget.objects.restrict(request.user, "view")
        .filter(period=key)
        .select_related("user")
        .order_by("user_id")
    )


@sales_router.put("/targets", response=list[schemas.TargetOut])
def targets_set(request: HttpRequest, payload: schemas.TargetsIn) -> Any:
    """Set reps' targets for a period, all or none; an amount of null removes one."""
    services.sales_targets_set(
        actor=request.user,
        period=payload.period,
        targets={line.user_id: line.amount for line in payload.targets},
    )
    return target_list(request, payload.period)


@sales_router.post("/forecast/adjustments", response={201: AdjustmentOut})
def forecast_adjust(request: HttpRequest, payload: AdjustmentIn) -> Any:
    """A manager's adjusted commit for one of their reps in a period, with a note."""
    return Status(201, services.forecast_adjust(actor=request.user, **payload.dict()))


@sales_router.get("/forecast/adjustments", response=list[AdjustmentOut])
@paginated(sorts=("created_at", "amount"), default="-created_at")
def forecast_adjustments(request: HttpRequest, period: str) -> Any:
    require(request.user, "view", ForecastAdjustment)
    return forecast.adjustment_list(user=request.user, period=forecast.parse_period(period))


@sales_router.get("/forecast/snapshots", response=list[SnapshotOut])
@paginated(
    sorts={"as_of": "as_of", "period": "period", "user_id": "user_id", "taken_at": "taken_at"},
    default="-as_of,period,user_id",
)
def forecast_snapshots(request: HttpRequest, filters: Query[SnapshotFilter]) -> Any:
    period = forecast.parse_period(filters.period) if filters.period else None
    return forecast.snapshot_list(user=request.user, period=period, user_id=filters.user_id)


def _line(line: forecast.AccuracyLine, **refs: Any) -> dict[str, Any]:
    money = schemas.money_str
    return {
        **refs,
        "snapshot_as_of": line.as_of,
        "weighted": money(line.weighted),
        "commit": money(line.commit),
        "actual_closed_won": money(line.actual),
        "weighted_error": money(line.weighted_error),
        "commit_error": money(line.commit_error),
        "weighted_accuracy_percent": str(line.weighted_accuracy),
        "commit_accuracy_percent": str(line.commit_accuracy),
    }


@sales_router.get("/forecast-accuracy", response=AccuracyOut)
def forecast_accuracy(request: HttpRequest, query: Query[AccuracyQuery]) -> Any:
    """The last snapshot before the period (or on/before `as_of`) against closed won."""
    require(request.user, "view", Opportunity)
    period = forecast.parse_period(query.period)
    result = forecast.accuracy_get(user=request.user, period=period, as_of=query.as_of)
    return {
        "period": period.key,
        "snapshot_on_or_before": result.snapshot_before,
        "currency": result.currency,
        "lines": [
            _line(row.line, user=row.user, team=g.team) for g in result.groups for row in g.rows
        ],
        "teams": [_line(g.total, team=g.team) for g in result.groups],
        "total": _line(result.total),
    }


@sales_router.get("/funnel", response=FunnelOut)
def funnel_get(request: HttpRequest, query: Query[FunnelQuery]) -> Any:
    """Stage by stage: entered, reached, conversion, days in stage; win rates."""
    require(request.user, "view", Opportunity)
    date_from, date_to = funnel.date_range(query.date_from, query.date_to)
    pipeline = selectors.pipeline_get(user=request.user, pipeline_id=query.pipeline_id)
    result = funnel.funnel_get(
        user=request.user, pipeline=pipeline, date_from=date_from, date_to=date_to
    )
    weakest = result.weakest

    def rates(items: list[funnel.WinRate]) -> list[dict[str, Any]]:
        return [
            {
                "key": w.key,
                "label": w.label,
                "won": w.won,
                "lost": w.lost,
                "won_amount": schemas.money_str(w.won_amount),
                "win_rate_percent": None if w.rate is None else str(w.rate),
            }
            for w in items
        ]

    return {
        "pipeline_id": pipeline.pk,
        "date_from": date_from,
        "date_to": date_to,
        "currency": result.currency,
        "stages": [
            {
                "stage": row.stage,
                "entered": row.entered,
                "entered_amount": schemas.money_str(row.entered_amount),
                "reached": row.reached,
                "conversion_percent": None if row.conversion is None else str(row.conversion),
                "dropped": row.dropped,
                "average_days_in_stage": (
                    None if row.average_days is None else str(row.average_days)
                ),
            }
            for row in result.stages
        ],
        "weakest_stage_id": weakest.stage.pk if weakest else None,
        "win_rate_by_source": rates(result.by_source),
        "win_rate_by_rep": rates(result.by_rep),
    }
