"""Writes of sales: opportunities and their moves, leads and their conversion, pipelines.

Every function is one transaction that checks the actor's right and scope, refuses bad
input with a `DomainError` before anything is written, and leaves an audit row.  A stage
change, the creation of an opportunity included, also adds a `StageChange` row with the
amount, probability, owner and team of that moment: the funnel and the forecast read
those rows.

Moving to a stage takes that stage's default probability and drops an override; an
override needs a reason (docs/decisions/023).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone

from cashloop.core.audit import audit_record, audit_record_many, audit_snapshot
from cashloop.core.errors import CoreError, DomainError, full_clean_or_raise
from cashloop.core.models import AuditAction
from cashloop.core.money import base_currency, currency_check, quantize, to_decimal
from cashloop.core.scoping import ALL, OWN, get_scoped, require
from cashloop.customers import selectors as customer_selectors
from cashloop.customers import services as customer_services
from cashloop.customers.models import Contact, Customer
from cashloop.customfields.services import custom_values_validate
from cashloop.identity.models import Team, User
from cashloop.sales import forecast, selectors
from cashloop.sales.choices import (
    ForecastCategory,
    LeadSource,
    LeadStatus,
    OpportunityStatus,
    StageKind,
)
from cashloop.sales.errors import SalesError
from cashloop.sales.models import (
    AssignmentRule,
    ForecastAdjustment,
    ForecastSnapshot,
    Lead,
    Opportunity,
    Pipeline,
    SalesTarget,
    Stage,
    StageChange,
)

OPPORTUNITY_FIELDS = frozenset(
    {
        "name",
        "amount",
        "currency",
        "rate",
        "expected_close_date",
        "owner_id",
        "source",
        "products",
        "competitors",
        "lost_reason",
        "forecast_category",
        "custom",
    }
)
LEAD_FIELDS = frozenset(
    {
        "source",
        "company_name",
        "contact_name",
        "phone",
        "email",
        "region",
        "notes",
        "owner_id",
        "status",
        "custom",
    }
)
OPPORTUNITY_TYPE, LEAD_TYPE = "sales.opportunity", "sales.lead"
PIPELINE_FIELDS = frozenset(
    {"name", "is_default", "active", "best_case_probability", "commit_probability"}
)
STAGE_FIELDS = frozenset({"name", "probability", "kind"})
RULE_FIELDS = frozenset({"name", "position", "active", "source", "region", "user_id", "team_id"})
LIST_MAX_ITEMS, LIST_ITEM_MAX_LENGTH = 20, 100
OPEN_CATEGORIES = (
    ForecastCategory.PIPELINE,
    ForecastCategory.BEST_CASE,
    ForecastCategory.COMMIT,
    ForecastCategory.OMITTED,
)
# Statuses a lead takes through `lead_update`; the others have their own services.
WORKING_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)


def _check_fields(changes: Mapping[str, Any], allowed: frozenset[str]) -> None:
    for field in changes:
        if field not in allowed:
            raise DomainError(CoreError.UNKNOWN_FIELD, field=field, details={"field": field})


def _owner_for(
    *, actor: User, model: type[models.Model], action: str, owner_id: int | None
) -> User:
    """The owner the actor asks for, if the actor's scope lets them give records to them."""
    scope = require(actor, action, model)
    owner = User.objects.filter(pk=owner_id).first() if owner_id is not None else None
    if owner is None or not owner.is_active:
        raise DomainError(SalesError.OWNER_INACTIVE, details={"owner_id": owner_id})
    if scope == ALL or owner.pk == actor.pk:
        return owner
    if scope == OWN or owner.team_id not in actor.scope_team_ids():
        raise DomainError(SalesError.OWNER_OUTSIDE_SCOPE, details={"owner_id": owner_id})
    return owner


def _text_list(values: Iterable[str], field: str) -> list[str]:
    """Products of interest, competitors: trimmed, unique in order, bounded."""
    items: list[str] = []
    for value in values or ():
        text = str(value).strip()
        if text and text not in items:
            if len(text) > LIST_ITEM_MAX_LENGTH:
                raise DomainError(CoreError.VALIDATION, details={field: [text]})
            items.append(text)
    if len(items) > LIST_MAX_ITEMS:
        raise DomainError(CoreError.VALIDATION, details={field: [str(LIST_MAX_ITEMS)]})
    return items


# --- opportunities --------------------------------------------------------------------------


def _amount(amount: Decimal | int | str, currency: str) -> Decimal:
    try:
        value = to_decimal(amount)
    except (TypeError, ValueError):
        raise DomainError(CoreError.VALIDATION, details={"amount": [str(amount)]}) from None
    if value <= 0:
        raise DomainError(SalesError.AMOUNT_NOT_POSITIVE, details={"field": "amount"})
    if value != quantize(value, currency):
        raise DomainError(
            SalesError.TOO_MANY_DECIMALS,
            amount=value,
            currency=currency,
            details={"field": "amount"},
        )
    return quantize(value, currency)  # stored at the currency's scale: 56000 -> 56000.00


def _rate(currency: str, rate: Decimal | int | str | None) -> Decimal:
    base = base_currency()
    if currency == base:
        return Decimal(1)
    if rate is None or to_decimal(rate) <= 0:
        raise DomainError(SalesError.RATE_REQUIRED, base=base, details={"field": "rate"})
    return to_decimal(rate)


def _price(opportunity: Opportunity) -> None:
    """Base amount from amount and rate, rounded once to the base currency's minor unit."""
    opportunity.base_amount = quantize(opportunity.amount * opportunity.rate, base_currency())


def _check_close_date(close: date, created: datetime | None) -> None:
    created_on = timezone.localdate(created) if created else timezone.localdate()
    if close < created_on:
        raise DomainError(
            SalesError.CLOSE_BEFORE_CREATION,
            created=created_on.isoformat(),
            details={"field": "expected_close_date"},
        )


def _pipeline(pipeline_id: int | None) -> Pipeline:
    qs = Pipeline.objects.all()
    pipeline = (
        qs.filter(pk=pipeline_id).first() if pipeline_id else qs.filter(is_default=True).first()
    )
    if pipeline is None:
        raise DomainError(SalesError.PIPELINE_NOT_FOUND, details={"field": "pipeline_id"})
    if not pipeline.active:
        raise DomainError(SalesError.PIPELINE_INACTIVE, pipeline=pipeline.name)
    return pipeline


def _stage_in(pipeline: Pipeline, stage_id: int | None) -> Stage:
    """The stage asked for, which must be one of the pipeline's; by default its first open one."""
    if stage_id is None:
        stage = pipeline.stages.filter(kind=StageKind.OPEN).order_by("position", "id").first()
        if stage is None:
            raise DomainError(SalesError.PIPELINE_NO_OPEN_STAGE, pipeline=pipeline.name)
        return stage
    stage = Stage.objects.select_related("pipeline").filter(pk=stage_id).first()
    if stage is None:
        raise DomainError(SalesError.STAGE_NOT_FOUND, details={"field": "stage_id"})
    if stage.pipeline_id != pipeline.pk:
        raise DomainError(
            SalesError.STAGE_NOT_IN_PIPELINE,
            stage=stage.name,
            pipeline=pipeline.name,
            details={"field": "stage_id", "stage_id": stage.pk, "pipeline_id": pipeline.pk},
        )
    return stage


def _enter_stage(opportunity: Opportunity, stage: Stage, *, lost_reason: str, at: datetime) -> None:
    """Put the opportunity in `stage`: its probability, its status, closed or open again."""
    reason = (lost_reason or "").strip()
    if stage.kind == StageKind.LOST and not reason:
        raise DomainError(SalesError.LOST_REASON_REQUIRED, details={"field": "lost_reason"})
    opportunity.stage = stage
    opportunity.stage_changed_at = at
    opportunity.probability = stage.probability
    opportunity.probability_reason = ""
    opportunity.status = OpportunityStatus(stage.kind)
    # Like the probability, a rep's choice of category lasts until the next move.
    opportunity.forecast_category = forecast.category_for(
        probability=stage.probability, kind=stage.kind, pipeline=stage.pipeline
    )
    opportunity.closed_at = at if stage.kind != StageKind.OPEN else None
    opportunity.lost_reason = reason if stage.kind == StageKind.LOST else ""


def _record_stage_change(
    opportunity: Opportunity, *, from_stage: Stage | None, actor: User
) -> StageChange:
    return StageChange.objects.create(
        opportunity=opportunity,
        from_stage=from_stage,
        to_stage=opportunity.stage,
        changed_at=opportunity.stage_changed_at,
        changed_by=actor if getattr(actor, "pk", None) else None,
        currency=opportunity.currency,
        amount=opportunity.amount,
        base_amount=opportunity.base_amount,
        probability=opportunity.probability,
        expected_close_date=opportunity.expected_close_date,
        owner_id=opportunity.owner_id,
        team_id=opportunity.team_id,
    )


@transaction.atomic
def opportunity_create(
    *,
    actor: User,
    customer_id: int,
    name: str,
    amount: Decimal | int | str,
    expected_close_date: date,
    currency: str | None = None,
    rate: Decimal | None = None,
    pipeline_id: int | None = None,
    stage_id: int | None = None,
    owner_id: int | None = None,
    source: str = "",
    products: Iterable[str] = (),
    competitors: Iterable[str] = (),
    lost_reason: str = "",
    custom: Mapping[str, Any] | None = None,
) -> Opportunity:
    """Open an opportunity for a customer the actor may see; by default theirs, first stage."""
    require(actor, "add", Opportunity)
    customer = customer_selectors.customer_get(user=actor, customer_id=customer_id)
    code = currency_check(currency or customer.currency)
    owner = _owner_for(actor=actor, model=Opportunity, action="add", owner_id=owner_id or actor.pk)
    _check_close_date(expected_close_date, None)
    pipeline = _pipeline(pipeline_id)
    stage = _stage_in(pipeline, stage_id)
    opportunity = Opportunity(
        customer=customer,
        name=name,
        currency=code,
        amount=_amount(amount, code),
        rate=_rate(code, rate),
        expected_close_date=expected_close_date,
        pipeline=pipeline,
        owner=owner,
        team_id=owner.team_id,
        source=source,
        products=_text_list(products, "products"),
        competitors=_text_list(competitors, "competitors"),
        custom=custom_values_validate(actor=actor, object_type=OPPORTUNITY_TYPE, values=custom),
    )
    _price(opportunity)
    _enter_stage(opportunity, stage, lost_reason=lost_reason, at=timezone.now())
    full_clean_or_raise(opportunity)
    opportunity.save()
    _record_stage_change(opportunity, from_stage=None, actor=actor)
    audit_record(actor=actor, instance=opportunity, action=AuditAction.CREATE)
    return opportunity


def _check_category(opportunity: Opportunity, category: str) -> None:
    """The rep chooses among the open categories, and only while the deal is open."""
    if category == opportunity.forecast_category:
        return
    if opportunity.status != OpportunityStatus.OPEN:
        raise DomainError(SalesError.CLOSED, details={"field": "forecast_category"})
    if category not in OPEN_CATEGORIES:
        raise DomainError(
            SalesError.FORECAST_CATEGORY_INVALID, details={"field": "forecast_category"}
        )


def _opportunity_locked(actor: User, opportunity_id: int) -> Opportunity:
    return get_scoped(
        Opportunity.objects.select_related("stage", "pipeline"),
        user=actor,
        action="change",
        pk=opportunity_id,
        lock=True,
        not_found=SalesError.OPPORTUNITY_NOT_FOUND,
    )


@transaction.atomic
def opportunity_update(
    *, actor: User, opportunity_id: int, changes: Mapping[str, Any]
) -> Opportunity:
    """Change the deal's terms; its stage moves only through `opportunity_move`."""
    _check_fields(changes, OPPORTUNITY_FIELDS)
    opportunity = _opportunity_locked(actor, opportunity_id)
    before = audit_snapshot(opportunity)
    values = dict(changes)
    if "currency" in values or "rate" in values:
        code = currency_check(values.pop("currency", opportunity.currency))
        # A new currency needs its own rate; the old one belonged to the old currency.
        kept = opportunity.rate if code == opportunity.currency else None
        opportunity.currency, opportunity.rate = code, _rate(code, values.pop("rate", kept))
    if "amount" in values:
        opportunity.amount = values.pop("amount")
    opportunity.amount = _amount(opportunity.amount, opportunity.currency)
    _price(opportunity)
    if "expected_close_date" in values:
        _check_close_date(values["expected_close_date"], opportunity.created_at)
    if "owner_id" in values:
        owner_id = values.pop("owner_id")
        if owner_id != opportunity.owner_id:
            owner = _owner_for(actor=actor, model=Opportunity, action="change", owner_id=owner_id)
            opportunity.owner, opportunity.team_id = owner, owner.team_id
    for field in ("products", "competitors"):
        if field in values:
            values[field] = _text_list(values[field], field)
    if "lost_reason" in values:
        values["lost_reason"] = (values["lost_reason"] or "").strip()
        if opportunity.status == OpportunityStatus.LOST and not values["lost_reason"]:
            raise DomainError(SalesError.LOST_REASON_REQUIRED, details={"field": "lost_reason"})
        if opportunity.status != OpportunityStatus.LOST:
            values["lost_reason"] = ""
    if "forecast_category" in values:
        _check_category(opportunity, values["forecast_category"])
    if "custom" in values:
        values["custom"] = custom_values_validate(
            actor=actor,
            object_type=OPPORTUNITY_TYPE,
            values=values["custom"],
            current=opportunity.custom,
        )
    for field, value in values.items():
        setattr(opportunity, field, value)
    full_clean_or_raise(opportunity)
    opportunity.save()
    audit_record(actor=actor, instance=opportunity, action=AuditAction.UPDATE, before=before)
    return opportunity


@transaction.atomic
def opportunity_move(
    *, actor: User, opportunity_id: int, stage_id: int, lost_reason: str = ""
) -> Opportunity:
    """Move to another stage of the same pipeline; a lost stage needs the reason."""
    opportunity = _opportunity_locked(actor, opportunity_id)
    stage = _stage_in(opportunity.pipeline, stage_id)
    if stage.pk == opportunity.stage_id:
        return opportunity  # dropped back where it was: nothing happened
    before = audit_snapshot(opportunity)
    from_stage = opportunity.stage
    _enter_stage(opportunity, stage, lost_reason=lost_reason, at=timezone.now())
    opportunity.save()
    _record_stage_change(opportunity, from_stage=from_stage, actor=actor)
    audit_record(actor=actor, instance=opportunity, action=AuditAction.UPDATE, before=before)
    return opportunity


@transaction.atomic
def opportunity_probability_override(
    *, actor: User, opportunity_id: int, probability: int, reason: str
) -> Opportunity:
    """Set a probability other than the stage's, with the reason; the stage's own clears it."""
    if isinstance(probability, bool) or not isinstance(probability, int):
        raise DomainError(SalesError.PROBABILITY_RANGE, details={"field": "probability"})
    if not 0 <= probability <= 100:
        raise DomainError(SalesError.PROBABILITY_RANGE, details={"field": "probability"})
    opportunity = _opportunity_locked(actor, opportunity_id)
    if opportunity.status != OpportunityStatus.OPEN:
        raise DomainError(SalesError.CLOSED)
    reason = (reason or "").strip()
    if probability == opportunity.stage.probability:
        reason = ""
    elif not reason:
        raise DomainError(SalesError.OVERRIDE_REASON_REQUIRED, details={"field": "reason"})
    before = audit_snapshot(opportunity)
    opportunity.probability, opportunity.probability_reason = probability, reason[:500]
    opportunity.forecast_category = forecast.category_for(
        probability=probability, kind=opportunity.stage.kind, pipeline=opportunity.pipeline
    )
    opportunity.save(
        update_fields=["probability", "probability_reason", "forecast_category", "updated_at"]
    )
    audit_record(
        actor=actor,
        instance=opportunity,
        action=AuditAction.UPDATE,
        before=before,
        reason=reason,
    )
    return opportunity


# --- leads ------------------------------------------------------------------------------------


def _rule_owner(lead: Lead) -> tuple[User, Team | None] | None:
    """The owner (and team) the first matching active rule gives a new lead, or None."""
    rules = AssignmentRule.objects.filter(active=True).order_by("position", "id")
    for rule in rules:
        if rule.source and rule.source != lead.source:
            continue
        if rule.region and rule.region.casefold() != lead.region.strip().casefold():
            continue
        if rule.user_id is not None:
            user = User.objects.filter(pk=rule.user_id, is_active=True).first()
            if user is not None:
                return user, user.team
            continue
        # Round-robin: the rule row is the turn pointer; locking it makes concurrent leads
        # take turns one after another instead of both reading the same "next".
        locked = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
        members = [
            user
            for user in User.objects.filter(team_id=locked.team_id, is_active=True)
            .prefetch_related("roles")
            .order_by("pk")
            if user.data_scope("sales.lead", "change") is not None
        ]
        if not members:
            continue
        after = [user for user in members if user.pk > (locked.last_assigned_id or 0)]
        chosen = (after or members)[0]
        locked.last_assigned = chosen
        locked.save(update_fields=["last_assigned"])
        return chosen, locked.team
    return None


@transaction.atomic
def lead_create(
    *,
    actor: User,
    source: str,
    company_name: str = "",
    contact_name: str = "",
    phone: str = "",
    email: str = "",
    region: str = "",
    notes: str = "",
    owner_id: int | None = None,
    custom: Mapping[str, Any] | None = None,
) -> Lead:
    """Record a lead; without an owner the assignment rules choose one, else the actor."""
    require(actor, "add", Lead)
    if not (company_name.strip() or contact_name.strip()):
        raise DomainError(SalesError.LEAD_CONTACT_REQUIRED, details={"field": "company_name"})
    lead = Lead(
        source=source,
        company_name=company_name,
        contact_name=contact_name,
        phone=phone,
        email=email,
        region=region.strip(),
        notes=notes,
        custom=custom_values_validate(actor=actor, object_type=LEAD_TYPE, values=custom),
    )
    full_clean_or_raise(lead)
    if owner_id is not None:
        owner = _owner_for(actor=actor, model=Lead, action="add", owner_id=owner_id)
        lead.owner, lead.team = owner, owner.team
    elif assigned := _rule_owner(lead):
        lead.owner, lead.team = assigned
    else:
        lead.owner, lead.team = actor, actor.team
    lead.save()
    audit_record(actor=actor, instance=lead, action=AuditAction.CREATE)
    return lead


def _lead_locked(actor: User, lead_id: int) -> Lead:
    return get_scoped(
        Lead.objects.all(),
        user=actor,
        action="change",
        pk=lead_id,
        lock=True,
        not_found=SalesError.LEAD_NOT_FOUND,
    )


def _lead_open(lead: Lead) -> None:
    if lead.status == LeadStatus.CONVERTED:
        raise DomainError(SalesError.LEAD_CONVERTED)


@transaction.atomic
def lead_update(*, actor: User, lead_id: int, changes: Mapping[str, Any]) -> Lead:
    """Change a lead not yet converted; a working status re-opens a disqualified lead."""
    _check_fields(changes, LEAD_FIELDS)
    lead = _lead_locked(actor, lead_id)
    _lead_open(lead)
    before = audit_snapshot(lead)
    values = dict(changes)
    if "status" in values:
        if values["status"] not in WORKING_LEAD_STATUSES:
            raise DomainError(SalesError.LEAD_STATUS, details={"field": "status"})
        lead.disqualified_reason = ""
    if "owner_id" in values:
        owner_id = values.pop("owner_id")
        if owner_id != lead.owner_id:
            owner = _owner_for(actor=actor, model=Lead, action="change", owner_id=owner_id)
            lead.owner, lead.team = owner, owner.team
    if "custom" in values:
        values["custom"] = custom_values_validate(
            actor=actor, object_type=LEAD_TYPE, values=values["custom"], current=lead.custom
        )
    for field, value in values.items():
        setattr(lead, field, value.strip() if field == "region" else value)
    if not (lead.company_name.strip() or lead.contact_name.strip()):
        raise DomainError(SalesError.LEAD_CONTACT_REQUIRED, details={"field": "company_name"})
    full_clean_or_raise(lead)
    lead.save()
    audit_record(actor=actor, instance=lead, action=AuditAction.UPDATE, before=before)
    return lead


@transaction.atomic
def lead_disqualify(*, actor: User, lead_id: int, reason: str) -> Lead:
    lead = _lead_locked(actor, lead_id)
    _lead_open(lead)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(SalesError.DISQUALIFY_REASON_REQUIRED, details={"field": "reason"})
    before = audit_snapshot(lead)
    lead.status, lead.disqualified_reason = LeadStatus.DISQUALIFIED, reason[:500]
    lead.save()
    audit_record(
        actor=actor, instance=lead, action=AuditAction.UPDATE, before=before, reason=reason
    )
    return lead


@dataclass(frozen=True)
class OpportunitySpec:
    """What a converted lead's opportunity should be; the rest comes from the lead."""

    amount: Decimal
    expected_close_date: date
    name: str = ""
    currency: str | None = None
    rate: Decimal | None = None
    pipeline_id: int | None = None
    stage_id: int | None = None


def _matching_contact(customer: Customer, lead: Lead) -> Contact | None:
    """A contact of an existing customer that is the lead's person (same email or phone)."""
    match = models.Q(pk__in=[])
    if lead.email:
        match |= models.Q(email__iexact=lead.email)
    if lead.phone:
        match |= models.Q(phone=lead.phone)
    return customer.contacts.filter(match).order_by("pk").first()


@transaction.atomic
def lead_convert(
    *,
    actor: User,
    lead_id: int,
    customer_id: int | None = None,
    customer_code: str = "",
    customer_name: str = "",
    currency: str | None = None,
    opportunity: OpportunitySpec | None = None,
    confirm_duplicate: bool = False,
    customer_custom: Mapping[str, Any] | None = None,
) -> Lead:
    """Turn a lead into a customer (new, or an existing one picked by the user), its
    contact and, when asked, an opportunity: all of it or nothing.

    A new customer that looks like an existing one is refused (`customer.possible_duplicate`)
    unless `confirm_duplicate` says the user has seen the candidates.
    """
    lead = _lead_locked(actor, lead_id)
    _lead_open(lead)
    if lead.status == LeadStatus.DISQUALIFIED:
        raise DomainError(SalesError.LEAD_DISQUALIFIED)
    before = audit_snapshot(lead)
    owner_id = lead.owner_id or actor.pk
    if customer_id is not None:
        customer = customer_selectors.customer_get(user=actor, customer_id=customer_id)
    else:
        customer = customer_services.customer_create(
            actor=actor,
            code=customer_code,
            name=(customer_name or lead.company_name or lead.contact_name).strip(),
            currency=currency or base_currency(),
            owner_id=owner_id,
            confirm_duplicate=confirm_duplicate,
            custom=customer_custom,
        )
    contact = _matching_contact(customer, lead) if customer_id is not None else None
    if contact is None and lead.contact_name.strip():
        contact = customer_services.contact_create(
            actor=actor,
            customer_id=customer.pk,
            name=lead.contact_name.strip(),
            phone=lead.phone,
            email=lead.email,
        )
    deal = None
    if opportunity is not None:
        deal = opportunity_create(
            actor=actor,
            customer_id=customer.pk,
            name=(opportunity.name or customer.name).strip(),
            amount=opportunity.amount,
            expected_close_date=opportunity.expected_close_date,
            currency=opportunity.currency or customer.currency,
            rate=opportunity.rate,
            pipeline_id=opportunity.pipeline_id,
            stage_id=opportunity.stage_id,
            owner_id=owner_id,
            source=lead.source,
        )
    lead.status = LeadStatus.CONVERTED
    lead.converted_customer, lead.converted_contact = customer, contact
    lead.converted_opportunity, lead.converted_at = deal, timezone.now()
    lead.save()
    audit_record(actor=actor, instance=lead, action=AuditAction.UPDATE, before=before)
    return lead


# --- pipelines and stages (admins) ------------------------------------------------------------


@dataclass(frozen=True)
class StageSpec:
    name: str
    probability: int
    kind: str = StageKind.OPEN


def _pipeline_locked(actor: User, pipeline_id: int) -> Pipeline:
    require(actor, "change", Pipeline)
    pipeline = Pipeline.objects.select_for_update().filter(pk=pipeline_id).first()
    if pipeline is None:
        raise DomainError(SalesError.PIPELINE_NOT_FOUND)
    return pipeline


def _save_pipeline(pipeline: Pipeline) -> None:
    if Pipeline.objects.filter(name__iexact=pipeline.name).exclude(pk=pipeline.pk).exists():
        raise DomainError(
            SalesError.PIPELINE_NAME_TAKEN, name=pipeline.name, details={"field": "name"}
        )
    if pipeline.is_default:
        Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk).update(is_default=False)
    try:
        with transaction.atomic():
            pipeline.save()
    except IntegrityError as exc:  # a concurrent save took the name or the default
        raise DomainError(CoreError.CONFLICT) from exc


@transaction.atomic
def pipeline_create(
    *,
    actor: User,
    name: str,
    is_default: bool = False,
    active: bool = True,
    stages: Sequence[StageSpec] = (),
) -> Pipeline:
    require(actor, "add", Pipeline)
    pipeline = Pipeline(name=name.strip(), is_default=is_default, active=active or is_default)
    full_clean_or_raise(pipeline)
    _save_pipeline(pipeline)
    audit_record(actor=actor, instance=pipeline, action=AuditAction.CREATE)
    for spec in stages:
        _stage_add(actor, pipeline, spec)
    return pipeline


@transaction.atomic
def pipeline_update(*, actor: User, pipeline_id: int, changes: Mapping[str, Any]) -> Pipeline:
    """Rename, (de)activate or make the default; the default stays active and present."""
    _check_fields(changes, PIPELINE_FIELDS)
    pipeline = _pipeline_locked(actor, pipeline_id)
    before = audit_snapshot(pipeline)
    if pipeline.is_default and (
        changes.get("is_default") is False or changes.get("active") is False
    ):
        raise DomainError(SalesError.PIPELINE_DEFAULT_REQUIRED)
    for field, value in changes.items():
        setattr(pipeline, field, value.strip() if field == "name" else value)
    if not 0 <= pipeline.best_case_probability <= pipeline.commit_probability <= 100:
        raise DomainError(SalesError.THRESHOLDS_INVALID, details={"field": "commit_probability"})
    if pipeline.is_default:
        pipeline.active = True
    full_clean_or_raise(pipeline)
    _save_pipeline(pipeline)
    audit_record(actor=actor, instance=pipeline, action=AuditAction.UPDATE, before=before)
    return pipeline


def _stage_name_free(pipeline: Pipeline, name: str, exclude: int | None = None) -> None:
    same = pipeline.stages.filter(name__iexact=name)
    if (same.exclude(pk=exclude) if exclude is not None else same).exists():
        raise DomainError(SalesError.STAGE_NAME_TAKEN, name=name, details={"field": "name"})


def _renumber(stages: Sequence[Stage]) -> None:
    for position, stage in enumerate(stages, 1):
        if stage.position != position:
            stage.position = position
            stage.save(update_fields=["position"])


def _stage_add(actor: User, pipeline: Pipeline, spec: StageSpec) -> Stage:
    """A new open stage goes after the last open one; won and lost stages go last."""
    name = spec.name.strip()
    _stage_name_free(pipeline, name)
    stage = Stage(pipeline=pipeline, name=name, probability=spec.probability, kind=spec.kind)
    full_clean_or_raise(stage)
    stage.save()
    ordered = [s for s in pipeline.stages.order_by("position", "id") if s.pk != stage.pk]
    if spec.kind == StageKind.OPEN:
        cut = next((i for i, s in enumerate(ordered) if s.kind != StageKind.OPEN), len(ordered))
        ordered.insert(cut, stage)
    else:
        ordered.append(stage)
    _renumber(ordered)
    audit_record(actor=actor, instance=stage, action=AuditAction.CREATE)
    return stage


@transaction.atomic
def stage_create(
    *, actor: User, pipeline_id: int, name: str, probability: int, kind: str = StageKind.OPEN
) -> Stage:
    pipeline = _pipeline_locked(actor, pipeline_id)
    return _stage_add(actor, pipeline, StageSpec(name=name, probability=probability, kind=kind))


def _stage_locked(actor: User, stage_id: int) -> Stage:
    require(actor, "change", Pipeline)
    stage = Stage.objects.select_for_update().select_related("pipeline").filter(pk=stage_id).first()
    if stage is None:
        raise DomainError(SalesError.STAGE_NOT_FOUND)
    return stage


def _stage_in_use(stage: Stage) -> bool:
    return (
        Opportunity.objects.filter(stage=stage).exists()
        or StageChange.objects.filter(
            models.Q(to_stage=stage) | models.Q(from_stage=stage)
        ).exists()
    )


@transaction.atomic
def stage_update(*, actor: User, stage_id: int, changes: Mapping[str, Any]) -> Stage:
    """Rename a stage or change its default probability (for moves from now on) or kind."""
    _check_fields(changes, STAGE_FIELDS)
    stage = _stage_locked(actor, stage_id)
    before = audit_snapshot(stage)
    if "kind" in changes and changes["kind"] != stage.kind and _stage_in_use(stage):
        raise DomainError(SalesError.STAGE_IN_USE, details={"field": "kind"})
    if "name" in changes:
        changes = {**changes, "name": changes["name"].strip()}
        _stage_name_free(stage.pipeline, changes["name"], exclude=stage.pk)
    for field, value in changes.items():
        setattr(stage, field, value)
    full_clean_or_raise(stage)
    stage.save()
    audit_record(actor=actor, instance=stage, action=AuditAction.UPDATE, before=before)
    return stage


@transaction.atomic
def stage_reorder(*, actor: User, pipeline_id: int, stage_ids: Sequence[int]) -> Pipeline:
    """Put the pipeline's stages in the given order (every stage, each once)."""
    pipeline = _pipeline_locked(actor, pipeline_id)
    stages = {s.pk: s for s in pipeline.stages.all()}
    if sorted(stage_ids) != sorted(stages) or len(set(stage_ids)) != len(stage_ids):
        raise DomainError(SalesError.STAGE_ORDER_MISMATCH, details={"stage_ids": list(stages)})
    befores = {pk: audit_snapshot(stage) for pk, stage in stages.items()}
    _renumber([stages[pk] for pk in stage_ids])
    for pk in stage_ids:  # each moved stage's new position shows in the pipeline's history
        audit_record(
            actor=actor, instance=stages[pk], action=AuditAction.UPDATE, before=befores[pk]
        )
    return pipeline


@transaction.atomic
def stage_delete(*, actor: User, stage_id: int) -> None:
    """Delete a stage no opportunity is or ever was in (history keeps its stages)."""
    stage = _stage_locked(actor, stage_id)
    if _stage_in_use(stage):
        raise DomainError(SalesError.STAGE_IN_USE)
    before = audit_snapshot(stage)
    audit_record(actor=actor, instance=stage, action=AuditAction.DELETE, before=before)
    pipeline = stage.pipeline
    stage.delete()
    _renumber(list(pipeline.stages.order_by("position", "id")))


# --- assignment rules (admins) ----------------------------------------------------------------


def _rule_check(rule: AssignmentRule) -> None:
    if (rule.user_id is None) == (rule.team_id is None):
        raise DomainError(SalesError.RULE_TARGET, details={"field": "user_id"})
    if (
        rule.user_id is not None
        and not User.objects.filter(pk=rule.user_id, is_active=True).exists()
    ):
        raise DomainError(SalesError.OWNER_INACTIVE, details={"field": "user_id"})
    if rule.team_id is not None and not Team.objects.filter(pk=rule.team_id).exists():
        raise DomainError(CoreError.VALIDATION, details={"team_id": [str(rule.team_id)]})
    if rule.source and rule.source not in LeadSource.values:
        raise DomainError(CoreError.VALIDATION, details={"source": [rule.source]})
    rule.region = rule.region.strip()
    full_clean_or_raise(rule)


@transaction.atomic
def assignment_rule_create(
    *,
    actor: User,
    name: str,
    user_id: int | None = None,
    team_id: int | None = None,
    source: str = "",
    region: str = "",
    position: int | None = None,
    active: bool = True,
) -> AssignmentRule:
    require(actor, "add", AssignmentRule)
    if position is None:
        last = AssignmentRule.objects.aggregate(last=Max("position"))["last"]
        position = (last or 0) + 10
    rule = AssignmentRule(
        name=name.strip(),
        user_id=user_id,
        team_id=team_id,
        source=source,
        region=region,
        position=position,
        active=active,
    )
    _rule_check(rule)
    rule.save()
    audit_record(actor=actor, instance=rule, action=AuditAction.CREATE)
    return rule


def _rule_locked(actor: User, rule_id: int, action: str) -> AssignmentRule:
    require(actor, action, AssignmentRule)
    rule = AssignmentRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise DomainError(SalesError.RULE_NOT_FOUND)
    return rule


@transaction.atomic
def assignment_rule_update(
    *, actor: User, rule_id: int, changes: Mapping[str, Any]
) -> AssignmentRule:
    _check_fields(changes, RULE_FIELDS)
    rule = _rule_locked(actor, rule_id, "change")
    before = audit_snapshot(rule)
    for field, value in changes.items():
        setattr(rule, field, value)
    if "team_id" in changes:
        rule.last_assigned = None  # a new team starts its turns from the beginning
    _rule_check(rule)
    rule.save()
    audit_record(actor=actor, instance=rule, action=AuditAction.UPDATE, before=before)
    return rule


@transaction.atomic
def assignment_rule_delete(*, actor: User, rule_id: int) -> None:
    rule = _rule_locked(actor, rule_id, "delete")
    before = audit_snapshot(rule)
    audit_record(actor=actor, instance=rule, action=AuditAction.DELETE, before=before)
    rule.delete()


# --- forecast ---------------------------------------------------------------------------------


@transaction.atomic
def forecast_adjust(
    *, actor: User, period: str, user_id: int, amount: Decimal | int | str, note: str
) -> ForecastAdjustment:
    """A manager's own figure for a rep's commit in a period, with the why (decision 027).

    Only for reps within the actor's data scope for adjustments, never for oneself; the
    newest adjustment of (period, rep) is the adjusted commit, the older ones stay.
    """
    require(actor, "add", ForecastAdjustment)
    key = forecast.parse_period(period).key
    rep = User.objects.filter(pk=user_id).first()
    if rep is None or rep.pk not in forecast.adjustable_user_ids(user=actor, user_ids=[rep.pk]):
        code = (
            SalesError.FORECAST_OWN_ADJUSTMENT
            if rep is not None and rep.pk == actor.pk
            else SalesError.FORECAST_USER_OUTSIDE_SCOPE
        )
        raise DomainError(code, details={"field": "user_id", "user_id": user_id})
    base = base_currency()
    try:
        value = to_decimal(amount)
    except (TypeError, ValueError):
        raise DomainError(SalesError.FORECAST_AMOUNT_INVALID, details={"field": "amount"}) from None
    if value < 0 or value != quantize(value, base):
        raise DomainError(SalesError.FORECAST_AMOUNT_INVALID, details={"field": "amount"})
    note = (note or "").strip()
    if not note:
        raise DomainError(SalesError.FORECAST_NOTE_REQUIRED, details={"field": "note"})
    adjustment = ForecastAdjustment.objects.create(
        period=key, user=rep, amount=quantize(value, base), note=note[:500], created_by=actor
    )
    audit_record(actor=actor, instance=adjustment, action=AuditAction.CREATE, reason=note)
    return adjustment


@transaction.atomic
def forecast_snapshot_take(*, as_of: date | None = None) -> int:
    """Record every rep's forecast of the periods around `as_of`; -> rows written.

    One row per (period, rep, week): taking it again in the same week replaces that
    week's figures, so a weekly job may run twice.  A past `as_of` rebuilds what was open
    then from the stage history; today reads the live deals.  System work: no actor, no
    audit row (the figures are derived, not entered).
    """
    today = timezone.localdate()
    as_of = min(as_of or today, today)
    week = as_of - timedelta(days=as_of.weekday())
    until = timezone.make_aware(datetime.combine(as_of + timedelta(days=1), time.min))
    rows: list[ForecastSnapshot] = []
    for period in forecast.snapshot_periods(as_of):
        figures = (
            forecast.figures_live(Opportunity.objects.all(), period)
            if as_of == today
            else forecast.figures_as_of(period, as_of)
        )
        adjusted = forecast.latest_adjustments(
            ForecastAdjustment.objects.all(), period, before=until
        )
        for user_id, adjustment in adjusted.items():
            figures.setdefault(user_id, forecast.Figures()).adjustment = adjustment
        teams = dict(User.objects.filter(pk__in=list(figures)).values_list("pk", "team_id"))
        rows.extend(
            ForecastSnapshot(
                period=period.key,
                user_id=user_id,
                team_id=teams.get(user_id),
                week=week,
                as_of=as_of,
                pipeline=f.pipeline,
                best_case=f.best_case,
                commit=f.commit,
                weighted=f.weighted,
                adjusted_commit=f.adjusted_commit,
                closed_won=f.closed_won,
            )
            for user_id, f in figures.items()
        )
    ForecastSnapshot.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["period", "user", "week"],
        update_fields=[
            "team",
            "as_of",
            "pipeline",
            "best_case",
            "commit",
            "weighted",
            "adjusted_commit",
            "closed_won",
            "taken_at",
        ],
    )
    return len(rows)


def opportunity_open_count(customer_ids: Sequence[int], from_user: User) -> int:
    """Open opportunities of these customers that `from_user` owns (a hand-over's preview)."""
    return Opportunity.objects.filter(
        customer_id__in=list(customer_ids), owner=from_user, status=OpportunityStatus.OPEN
    ).count()


@transaction.atomic
def opportunity_reassign_many(
    *,
    actor: User,
    customer_ids: Sequence[int],
    from_user: User,
    to_user: User,
    reason: str,
) -> int:
    """Give `to_user` the open opportunities `from_user` has on these customers.

    Called by the customer hand-over (registered as its hook in apps.py), which has
    checked the people and the customers; won and lost deals keep the owner who closed
    them, and the stage history keeps who owned each move.
    """
    require(actor, "change", Opportunity)
    opportunities = list(
        Opportunity.objects.select_for_update()
        .filter(customer_id__in=list(customer_ids), owner=from_user, status=OpportunityStatus.OPEN)
        .order_by("pk")
    )
    befores = [audit_snapshot(o) for o in opportunities]
    now = timezone.now()
    for opportunity in opportunities:
        opportunity.owner, opportunity.team_id = to_user, to_user.team_id
        opportunity.updated_at = now
    Opportunity.objects.bulk_update(opportunities, ["owner", "team", "updated_at"])
    audit_record_many(
        actor=actor,
        instances=opportunities,
        action=AuditAction.UPDATE,
        befores=befores,
        reason=reason,
    )
    return len(opportunities)


def customer_sales_count(duplicate: Customer) -> dict[str, int]:
    """Opportunities and converted leads of a customer (a merge's preview)."""
    return {
        "opportunities": Opportunity.objects.filter(customer=duplicate).count(),
        "leads": Lead.objects.filter(converted_customer=duplicate).count(),
    }


def customer_sales_merge(
    *, actor: User, duplicate: Customer, survivor: Customer, merge: Any
) -> dict[str, int]:
    """Move a merged customer's opportunities and converted leads to the survivor.

    Called inside `customer_merge` (its hook); owners and stage history stay as they were.
    """
    return {
        "opportunities": Opportunity.objects.filter(customer=duplicate).update(
            customer=survivor, updated_at=timezone.now()
        ),
        "leads": Lead.objects.filter(converted_customer=duplicate).update(
            converted_customer=survivor
        ),
    }


# --- sales targets (decision 062) ---------------------------------------------------------------


@transaction.atomic
def sales_targets_set(
    *, actor: User, period: str, targets: Mapping[int, Decimal | int | str | None]
) -> list[SalesTarget]:
    """Set reps' targets for a period, all or none: a rep within the actor's scope for
    targets, an amount of at least 0 in the base currency; None (or empty) removes one.
    -> the period's targets the call set."""
    require(actor, "change", SalesTarget)
    key = forecast.parse_period(period).key
    allowed = selectors.users_within(
        user=actor, object_type="sales.salestarget", action="change", user_ids=list(targets)
    )
    base = base_currency()
    amounts: dict[int, Decimal | None] = {}
    for user_id, raw in targets.items():
        if user_id not in allowed:
            raise DomainError(
                SalesError.TARGET_USER_OUTSIDE_SCOPE,
                details={"field": "user_id", "user_id": user_id},
            )
        if raw is None or raw == "":
            amounts[user_id] = None
            continue
        try:
            value = to_decimal(raw)
        except (TypeError, ValueError):
            value = Decimal(-1)
        if value < 0 or value != quantize(value, base):
            raise DomainError(
                SalesError.TARGET_AMOUNT_INVALID, details={"field": "amount", "user_id": user_id}
            )
        amounts[user_id] = value
    existing = {
        t.user_id: t
        for t in SalesTarget.objects.select_for_update().filter(period=key, user_id__in=amounts)
    }
    kept = []
    for user_id, amount in amounts.items():
        target = existing.get(user_id)
        if amount is None:
            if target is not None:
                audit_record(actor=actor, instance=target, action=AuditAction.DELETE)
                target.delete()
            continue
        if target is None:
            target = SalesTarget.objects.create(
                period=key, user_id=user_id, amount=amount, set_by=actor
            )
            audit_record(actor=actor, instance=target, action=AuditAction.CREATE)
        elif target.amount != amount:
            before = audit_snapshot(target)
            target.amount, target.set_by = amount, actor
            target.save()
            audit_record(actor=actor, instance=target, action=AuditAction.UPDATE, before=before)
        kept.append(target)
    return kept
