"""Error codes of sales."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class SalesError(ErrorCode):
    OPPORTUNITY_NOT_FOUND = (
        "opportunity.not_found",
        404,
        _("No such opportunity, or it is not yours to see."),
    )
    AMOUNT_NOT_POSITIVE = (
        "opportunity.amount_not_positive",
        422,
        _("The amount must be more than zero."),
    )
    TOO_MANY_DECIMALS = (
        "money.too_many_decimals",
        422,
        _("{amount} has more decimals than {currency} allows."),
    )
    RATE_REQUIRED = (
        "opportunity.rate_required",
        422,
        _("A foreign-currency opportunity needs its exchange rate to {base}."),
    )
    CLOSE_BEFORE_CREATION = (
        "opportunity.close_before_creation",
        422,
        _("The expected close date cannot be before the opportunity was created ({created})."),
    )
    STAGE_NOT_IN_PIPELINE = (
        "opportunity.stage_not_in_pipeline",
        422,
        _("Stage {stage} does not belong to the pipeline {pipeline}."),
    )
    LOST_REASON_REQUIRED = (
        "opportunity.lost_reason_required",
        422,
        _("Say why the opportunity was lost."),
    )
    OVERRIDE_REASON_REQUIRED = (
        "opportunity.override_reason_required",
        422,
        _("Overriding the stage's probability needs a reason."),
    )
    CLOSED = (
        "opportunity.closed",
        409,
        _("A won or lost opportunity keeps its stage's probability; re-open it first."),
    )
    PROBABILITY_RANGE = (
        "opportunity.probability_range",
        422,
        _("A probability is a whole number from 0 to 100."),
    )
    OWNER_OUTSIDE_SCOPE = (
        "sales.owner_outside_scope",
        403,
        _("You may only give records to people within your own data scope."),
    )
    OWNER_INACTIVE = ("sales.owner_inactive", 422, _("The owner must be an active user."))
    PIPELINE_NOT_FOUND = ("pipeline.not_found", 404, _("No such pipeline."))
    PIPELINE_INACTIVE = (
        "pipeline.inactive",
        422,
        _("The pipeline {pipeline} is not active; new opportunities cannot use it."),
    )
    PIPELINE_NAME_TAKEN = (
        "pipeline.name_taken",
        409,
        _("A pipeline named {name} already exists."),
    )
    PIPELINE_NO_OPEN_STAGE = (
        "pipeline.no_open_stage",
        422,
        _("The pipeline {pipeline} has no open stage to start in."),
    )
    PIPELINE_DEFAULT_REQUIRED = (
        "pipeline.default_required",
        422,
        _("One active pipeline must stay the default; make another the default first."),
    )
    STAGE_NOT_FOUND = ("stage.not_found", 404, _("No such stage."))
    STAGE_NAME_TAKEN = (
        "stage.name_taken",
        409,
        _("The pipeline already has a stage named {name}."),
    )
    STAGE_IN_USE = (
        "stage.in_use",
        409,
        _("Opportunities are or were in this stage; it cannot be deleted or change kind."),
    )
    STAGE_ORDER_MISMATCH = (
        "stage.order_mismatch",
        422,
        _("The new order must list every stage of the pipeline exactly once."),
    )
    LEAD_NOT_FOUND = ("lead.not_found", 404, _("No such lead, or it is not yours to see."))
    LEAD_CONVERTED = (
        "lead.converted",
        409,
        _("This lead was converted already; work on its customer and opportunity."),
    )
    LEAD_DISQUALIFIED = (
        "lead.disqualified",
        409,
        _("A disqualified lead cannot be converted; re-open it first."),
    )
    LEAD_STATUS = (
        "lead.status_invalid",
        422,
        _("Use disqualify or convert to give a lead that status."),
    )
    DISQUALIFY_REASON_REQUIRED = (
        "lead.disqualify_reason_required",
        422,
        _("Say why the lead is disqualified."),
    )
    LEAD_CONTACT_REQUIRED = (
        "lead.contact_required",
        422,
        _("A lead needs a company or a contact name."),
    )
    RULE_NOT_FOUND = ("assignment_rule.not_found", 404, _("No such assignment rule."))
    RULE_TARGET = (
        "assignment_rule.target",
        422,
        _("A rule gives leads either to one person or round-robin to one team, not both."),
    )
    PERIOD_INVALID = (
        "forecast.period_invalid",
        422,
        _("{period} is not a period; write a month as 2026-11 or a quarter as 2026-Q4."),
    )
    DATE_RANGE_INVALID = (
        "funnel.date_range_invalid",
        422,
        _("The start date must not be after the end date."),
    )
    FORECAST_USER_OUTSIDE_SCOPE = (
        "forecast.user_outside_scope",
        403,
        _("You may only adjust the forecast of reps in your own teams."),
    )
    TARGET_USER_OUTSIDE_SCOPE = (
        "target.user_outside_scope",
        403,
        _("You set the targets of the reps within your own scope only."),
    )
    TARGET_AMOUNT_INVALID = (
        "target.amount_invalid",
        422,
        _("A target is an amount of at least 0, to the cent."),
    )
    FORECAST_OWN_ADJUSTMENT = (
        "forecast.own_adjustment",
        403,
        _("A manager adjusts the commit of their reps, not their own."),
    )
    FORECAST_AMOUNT_INVALID = (
        "forecast.amount_invalid",
        422,
        _("An adjusted commit is zero or more, exact to the base currency's minor unit."),
    )
    FORECAST_NOTE_REQUIRED = (
        "forecast.note_required",
        422,
        _("Say why you adjust the commit."),
    )
    FORECAST_CATEGORY_INVALID = (
        "opportunity.forecast_category_invalid",
        422,
        _("An open deal's forecast category is pipeline, best case, commit or omitted."),
    )
    THRESHOLDS_INVALID = (
        "pipeline.forecast_thresholds_invalid",
        422,
        _("The best case threshold must be at most the commit threshold, both 0 to 100."),
    )
