"""Writes of credit control: holds (placed by hand, by the system, by dunning or a signal;
released through approval or when their cause clears), limit changes through approval,
the sale check other apps call, the score and risk signals (decision 048).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cashloop.approvals.services import approval_request_submit
from cashloop.core.audit import audit_record, audit_snapshot
from cashloop.core.errors import DomainError
from cashloop.core.models import AuditAction
from cashloop.core.money import base_currency, currency_check, format_money
from cashloop.core.scoping import may, require
from cashloop.credit.choices import (
    AUTOMATIC_SOURCES,
    HoldSource,
    LimitChangeStatus,
    Severity,
    SignalKind,
)
from cashloop.credit.errors import (
    CreditBandError,
    CreditError,
    CreditSettingsError,
    RiskSignalError,
)
from cashloop.credit.models import (
    CreditBandPolicy,
    CreditHold,
    CreditProfile,
    CreditSettings,
    GroupCreditLimit,
    LimitChange,
    RiskSignal,
)
from cashloop.credit.scoring import score_compute
from cashloop.credit.selectors import (
    ZERO,
    credit_position,
    credit_settings,
    customer_for,
    customer_hold,
    exposure_of,
    limit_of,
    open_customer_ids,
    overdue_of,
    today_or,
    waived,
)
from cashloop.customers.models import Customer
from cashloop.identity.models import User
from cashloop.notifications.services import notification_send
from cashloop.webhooks.services import webhook_emit

if TYPE_CHECKING:
    from cashloop.approvals.models import ApprovalRequest

HOLD_RELEASE_TYPE = "credit.hold_release"
LIMIT_CHANGE_TYPE = "credit.limit_change"


def _customer_url(customer_id: int) -> str:
    return reverse("credit:customer", args=[customer_id])


def _finance_users() -> list[User]:
    return list(User.objects.filter(is_active=True, roles__code="finance").distinct())


def _reason(reason: str) -> str:
    if not reason.strip():
        raise DomainError(CreditError.REASON_REQUIRED, details={"reason": [_("Required.")]})
    return reason.strip()[:500]


# --- holds ---------------------------------------------------------------------------------


def _hold_event(hold: CreditHold) -> tuple[int, dict[str, Any]]:
    """What a webhook tells of a credit hold (docs/webhooks.md)."""
    return hold.pk, {
        "hold_id": hold.pk,
        "customer": {"id": hold.customer_id, "code": hold.customer.code},
        "source": hold.source,
        "reason": hold.reason,
        "placed_at": hold.placed_at,
    }


@transaction.atomic
def credit_hold_place(
    *, actor: User | None, customer_id: int, reason: str, source: str, today: date | None = None
) -> CreditHold:
    """Put the customer on hold for `source`; actor None is the system (dunning, the daily
    check, a signal).

    Idempotent: the open hold of the same source is returned, not doubled.  A system hold
    whose cause finance released by approval a short while ago (`waive_until`) is not
    placed again: that released hold is returned.
    """
    if source not in HoldSource.values:
        raise DomainError(CreditError.SOURCE_UNKNOWN, source=source)
    if actor is not None:
        require(actor, "add", CreditHold)
        customer = customer_for(actor, customer_id)
    else:
        found = Customer.objects.filter(pk=customer_id).first()
        if found is None:
            raise DomainError(CreditError.CUSTOMER_NOT_FOUND)
        customer = found
    text = _reason(reason)
    # The customer row serialises holds placed at once for it (the daily check, dunning).
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    existing = CreditHold.objects.filter(
        customer=customer, source=source, released_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    if actor is None:
        day = today_or(today)
        waiver = (
            CreditHold.objects.filter(customer=customer, source=source, waive_until__gte=day)
            .order_by("-released_at")
            .first()
        )
        if waiver is not None:
            return waiver
    hold = CreditHold.objects.create(customer=customer, reason=text, source=source, placed_by=actor)
    webhook_emit("customer.credit_hold", [hold], _hold_event)
    audit_record(actor=actor, instance=hold, action=AuditAction.CREATE)
    if customer.owner is not None:
        notification_send(
            users=[customer.owner],
            title=_("%(customer)s is on credit hold") % {"customer": customer.name},
            body=text,
            url=_customer_url(customer.pk),
        )
    return hold


@transaction.atomic
def credit_hold_release_request(
    *, actor: User, customer_id: int, reason: str, today: date | None = None
) -> list[CreditHold]:
    """Ask for the customer's holds to be released (type `credit.hold_release`).

    The automatic holds whose cause stands are placed first, so that the approvers decide
    on every reason the customer cannot buy.  With no approval flow the holds are released
    at once.  Returns the holds the request covers.
    """
    if not may(actor, "release", CreditHold):
        raise DomainError(CreditError.RELEASE_NOT_ALLOWED)
    customer = customer_for(actor, customer_id)
    text = _reason(reason)
    day = today_or(today)
    _automatic_holds(customer, day, place=True, release=False)
    position = credit_position(customer)
    if position.hold is None and position.available is not None:
        # Within the limit now, but the sale asked for passes it: the approvers decide on
        # the limit as a hold, and their release waives it for the sale (decision 048).
        credit_hold_place(
            actor=None,
            customer_id=customer.pk,
            source=HoldSource.LIMIT,
            reason=_("a sale above the available credit of %(available)s")
            % {"available": format_money(position.available, position.currency)},
        )
    holds = list(
        # Only the holds are locked: PostgreSQL refuses to lock the outer join's side.
        CreditHold.objects.select_for_update(of=("self",))
        .filter(customer=customer, released_at__isnull=True)
        .select_related("approval_request")
        .order_by("placed_at", "pk")
    )
    if not holds:
        raise DomainError(CreditError.NOTHING_TO_RELEASE)
    if any(
        h.approval_request is not None and h.approval_request.status == "pending" for h in holds
    ):
        raise DomainError(CreditError.RELEASE_PENDING)
    befores = [audit_snapshot(hold) for hold in holds]
    request = approval_request_submit(
        actor=actor, document=holds[0], document_type=HOLD_RELEASE_TYPE
    )
    for hold, before in zip(holds, befores, strict=True):
        hold.release_requested_by, hold.release_reason = actor, text
        hold.approval_request = request
        if request is None:
            _release(hold, actor, day)
        hold.save()
        audit_record(actor=actor, instance=hold, action=AuditAction.UPDATE, before=before)
    return holds


def _release(hold: CreditHold, by: User | None, day: date) -> None:
    hold.released_at, hold.released_by = timezone.now(), by
    if by is not None and hold.source != HoldSource.MANUAL:
        # The approvers accepted the risk as it stands; the same cause holds again later.
        hold.waive_until = day + timedelta(days=credit_settings().release_grace_days)


@transaction.atomic
def credit_hold_released(request: ApprovalRequest, actor: User) -> None:
    """`on_approved` of a release: release every hold the request covers."""
    day = timezone.localdate()
    for hold in CreditHold.objects.select_for_update().filter(
        approval_request=request, released_at__isnull=True
    ):
        before = audit_snapshot(hold)
        _release(hold, actor, day)
        hold.save()
        audit_record(actor=actor, instance=hold, action=AuditAction.UPDATE, before=before)


def credit_hold_release_refused(request: ApprovalRequest, actor: User) -> None:
    """`on_rejected` of a release: the holds stay; the request's history says why."""


# --- limits --------------------------------------------------------------------------------


@transaction.atomic
def credit_limit_change_request(
    *,
    actor: User,
    customer_id: int,
    limit: Decimal,
    currency: str | None = None,
    reason: str = "",
) -> LimitChange:
    """Ask for a new limit (type `credit.limit_change`); applied at once without a flow."""
    require(actor, "change", CreditProfile)
    if limit < 0:
        raise DomainError(CreditError.LIMIT_NEGATIVE, details={"limit": [_("Must be 0 or more.")]})
    customer = customer_for(actor, customer_id)
    currency = currency_check(currency or credit_position(customer).currency)
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    if LimitChange.objects.filter(customer=customer, status=LimitChangeStatus.PENDING).exists():
        raise DomainError(CreditError.LIMIT_CHANGE_PENDING)
    profile = CreditProfile.objects.filter(customer=customer).first()
    change = LimitChange(
        customer=customer,
        old_limit=profile.limit if profile is not None else None,
        new_limit=limit,
        currency=currency,
        reason=reason.strip()[:500],
        requested_by=actor,
    )
    request = approval_request_submit(actor=actor, document=change, document_type=LIMIT_CHANGE_TYPE)
    if request is None:
        change.save()
        _limit_apply(change, actor)
    else:
        change.approval_request = request
        change.save(update_fields=["approval_request"])
    audit_record(actor=actor, instance=change, action=AuditAction.CREATE)
    return change


def _limit_apply(change: LimitChange, actor: User) -> None:
    profile, _created = CreditProfile.objects.select_for_update().get_or_create(
        customer=change.customer, defaults={"currency": change.currency}
    )
    before = audit_snapshot(profile)
    profile.limit, profile.currency = change.new_limit, change.currency
    profile.save()
    audit_record(actor=actor, instance=profile, action=AuditAction.UPDATE, before=before)
    change.status, change.decided_at = LimitChangeStatus.APPLIED, timezone.now()
    change.save(update_fields=["status", "decided_at"])


@transaction.atomic
def credit_limit_change_approved(request: ApprovalRequest, actor: User) -> None:
    """`on_approved` of a limit change: the new limit applies."""
    change = LimitChange.objects.select_for_update().get(pk=request.document_id)
    if change.status == LimitChangeStatus.PENDING:
        _limit_apply(change, actor)


@transaction.atomic
def credit_limit_change_refused(request: ApprovalRequest, actor: User) -> None:
    """`on_rejected` of a limit change: the old limit stays."""
    change = LimitChange.objects.select_for_update().get(pk=request.document_id)
    before = audit_snapshot(change)
    withdrawn = request.status == "withdrawn"
    change.status = LimitChangeStatus.WITHDRAWN if withdrawn else LimitChangeStatus.REJECTED
    change.decided_at = timezone.now()
    change.save(update_fields=["status", "decided_at"])
    audit_record(actor=actor, instance=change, action=AuditAction.UPDATE, before=before)


# --- the sale check and the daily evaluation ----------------------------------------------


def _causes(customer: Customer, day: date, extra: Decimal = ZERO) -> dict[str, str]:
    """The automatic causes that stand now: {source: reason}."""
    causes: dict[str, str] = {}
    limit, currency = limit_of(customer)
    # Without a limit there is no exposure to weigh: a sale then costs a few queries.
    exposure = exposure_of(customer.pk) if limit is not None else None
    if limit is not None and exposure is not None and exposure.total + extra > limit:
        causes[HoldSource.LIMIT] = _("exposure %(exposure)s exceeds the credit limit %(limit)s") % {
            "exposure": format_money(exposure.total + extra, exposure.currency),
            "limit": format_money(limit, currency),
        }
    rules = credit_settings()
    if rules.overdue_days is None:
        return causes
    overdue = overdue_of(customer.pk, day)
    if (
        overdue.amount > 0
        and overdue.days(day) > rules.overdue_days
        and overdue.amount >= rules.overdue_amount
    ):
        causes[HoldSource.OVERDUE] = _("%(amount)s overdue, the oldest for %(days)s days") % {
            "amount": format_money(overdue.amount, base_currency()),
            "days": overdue.days(day),
        }
    return causes


def credit_check_sale(
    *, customer_id: int, amount: Decimal = ZERO, today: date | None = None
) -> None:
    """Refuse a sale (`credit.on_hold`) to a customer on hold, or whose exposure with this
    sale would pass its limit, or overdue beyond the settings, unless finance released it.

    Called by quote sending, contract activation and non-contract invoices.  It places no
    hold itself: its refusal rolls back the caller's transaction; the daily check and a
    release request place them.
    """
    customer = Customer.objects.get(pk=customer_id)
    hold = customer_hold(customer_id)
    if hold is not None:
        raise DomainError(CreditError.ON_HOLD, customer=customer.name, reason=hold.reason)
    day = today_or(today)
    for source, reason in _causes(customer, day, amount).items():
        if not waived(customer_id, source, day):
            raise DomainError(CreditError.ON_HOLD, customer=customer.name, reason=reason)


def _automatic_holds(
    customer: Customer, day: date, *, place: bool, release: bool
) -> tuple[int, int]:
    causes = _causes(customer, day)
    placed = released = 0
    if place:
        held = set(
            CreditHold.objects.filter(customer=customer, released_at__isnull=True).values_list(
                "source", flat=True
            )
        )
        for source, reason in causes.items():
            if source in held:
                continue
            hold = credit_hold_place(
                actor=None, customer_id=customer.pk, reason=reason, source=source, today=day
            )
            placed += hold.is_open
    if release:
        for hold in CreditHold.objects.select_for_update().filter(
            customer=customer, source__in=AUTOMATIC_SOURCES, released_at__isnull=True
        ):
            if hold.source not in causes:
                before = audit_snapshot(hold)
                hold.released_at = timezone.now()
                hold.release_reason = _("The cause cleared.")
                hold.save()
                audit_record(actor=None, instance=hold, action=AuditAction.UPDATE, before=before)
                released += 1
    return placed, released


@dataclass(frozen=True)
class Evaluation:
    customers: int
    placed: int
    released: int


def credit_holds_evaluate(*, today: date | None = None) -> Evaluation:
    """The daily check: place the automatic holds whose cause appeared, release those whose
    cause cleared, and refresh the scores.  Idempotent; one transaction per customer."""
    day = today_or(today)
    placed = released = count = 0
    for customer_id in list(open_customer_ids()):
        with transaction.atomic():
            customer = Customer.objects.select_for_update().get(pk=customer_id)
            p, r = _automatic_holds(customer, day, place=True, release=True)
            _score_save(customer, day)
        placed, released, count = placed + p, released + r, count + 1
    return Evaluation(customers=count, placed=placed, released=released)


# --- score and risk signals ---------------------------------------------------------------


def _score_save(customer: Customer, day: date) -> CreditProfile:
    result = score_compute(customer.pk, day)
    profile, _created = CreditProfile.objects.get_or_create(
        customer=customer, defaults={"currency": credit_position(customer).currency}
    )
    profile.score, profile.score_explained = result.score, result.explained
    profile.save(update_fields=["score", "score_explained", "updated"])
    return profile


@transaction.atomic
def credit_score_update(*, customer_id: int, today: date | None = None) -> CreditProfile:
    """Recompute the customer's score now (a signal, a payment, the daily check)."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    return _score_save(customer, today_or(today))


@dataclass(frozen=True)
class SignalIn:
    """A signal as a provider, the API or a CSV row gives it; the customer by id or code."""

    kind: str
    source: str
    date: date
    severity: str
    description: str = ""
    customer_id: int | None = None
    customer_code: str = ""


def _signal_customer(actor: User | None, signal: SignalIn) -> Customer:
    qs = Customer.objects.all() if actor is None else Customer.objects.restrict(actor, "view")
    found = (
        qs.filter(pk=signal.customer_id).first()
        if signal.customer_id is not None
        else qs.filter(code=signal.customer_code).first()
    )
    if found is None:
        raise DomainError(
            RiskSignalError.CUSTOMER_NOT_FOUND,
            customer=signal.customer_id if signal.customer_id is not None else signal.customer_code,
        )
    return found


def _signal_clean(signal: SignalIn, today: date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if signal.kind not in SignalKind.values:
        errors["kind"] = [
            _("Choose one of: %(values)s.") % {"values": ", ".join(SignalKind.values)}
        ]
    if signal.severity not in Severity.values:
        errors["severity"] = [
            _("Choose one of: %(values)s.") % {"values": ", ".join(Severity.values)}
        ]
    if not signal.source.strip():
        errors["source"] = [_("Required.")]
    if signal.date > today:
        errors["date"] = [str(RiskSignalError.IN_FUTURE.message)]
    return errors


@transaction.atomic
def risk_signals_record(
    *, actor: User | None, signals: Iterable[SignalIn], today: date | None = None
) -> list[RiskSignal]:
    """Record signals (all or none), recompute each customer's score once, and alert the
    owner and finance.  actor None is a provider feed."""
    from cashloop.core.errors import CoreError

    if actor is not None:
        require(actor, "add", RiskSignal)
    day = today_or(today)
    rows: list[RiskSignal] = []
    for signal in signals:
        customer = _signal_customer(actor, signal)
        errors = _signal_clean(signal, day)
        if errors:
            raise DomainError(CoreError.VALIDATION, details=errors)
        rows.append(
            RiskSignal.objects.create(
                customer=customer,
                kind=signal.kind,
                source=signal.source.strip()[:100],
                date=signal.date,
                severity=signal.severity,
                description=signal.description.strip()[:2000],
                created_by=actor,
            )
        )
        audit_record(actor=actor, instance=rows[-1], action=AuditAction.CREATE)
    finance = _finance_users()
    for customer in {row.customer for row in rows}:
        profile = _score_save(customer, day)
        mine = [row for row in rows if row.customer_id == customer.pk]
        people = [*finance, *([customer.owner] if customer.owner is not None else [])]
        notification_send(
            users=people,
            title=_("Risk signal for %(customer)s: %(kinds)s")
            % {
                "customer": customer.name,
                "kinds": ", ".join(str(row.get_kind_display()) for row in mine),
            },
            body=_("Credit score now %(score)s.") % {"score": profile.score},
            url=_customer_url(customer.pk),
        )
    return rows


def risk_signal_create(
    *, actor: User | None, signal: SignalIn, today: date | None = None
) -> RiskSignal:
    return risk_signals_record(actor=actor, signals=[signal], today=today)[0]


# --- score bands, group limits and settings (admin) ------------------------------------------


@dataclass(frozen=True)
class BandIn:
    """A score band policy as typed: the band and what it does to new sales."""

    name: str
    score_from: int
    score_to: int
    require_prepayment: bool = False
    payment_terms_days: int | None = None
    limit_percent: Decimal | None = None
    limit_amount: Decimal | None = None


def _band_check(band: BandIn, band_id: int | None) -> None:
    if not 0 <= band.score_from <= band.score_to <= 100:
        raise DomainError(CreditBandError.RANGE)
    if not (
        band.require_prepayment
        or band.payment_terms_days is not None
        or band.limit_percent is not None
        or band.limit_amount is not None
    ):
        raise DomainError(CreditBandError.NO_ACTION)
    if band.limit_percent is not None and not 0 < band.limit_percent <= 100:
        raise DomainError(CreditBandError.PERCENT)
    if band.limit_amount is not None and band.limit_amount < 0:
        raise DomainError(CreditError.LIMIT_NEGATIVE, details={"limit_amount": ["≥ 0"]})
    if band.payment_terms_days is not None and not 0 <= band.payment_terms_days <= 365:
        raise DomainError(CreditBandError.RANGE, details={"payment_terms_days": ["0–365"]})
    others = CreditBandPolicy.objects.select_for_update().filter(
        score_from__lte=band.score_to, score_to__gte=band.score_from
    )
    other = (others if band_id is None else others.exclude(pk=band_id)).first()
    if other is not None:
        raise DomainError(
            CreditBandError.OVERLAP,
            score_from=max(other.score_from, band.score_from),
            score_to=min(other.score_to, band.score_to),
            other=other.name,
        )


@transaction.atomic
def credit_band_save(*, actor: User, band: BandIn, band_id: int | None = None) -> CreditBandPolicy:
    """Create a score band policy or replace one's fields; bands may not overlap."""
    if band_id is None:
        require(actor, "add", CreditBandPolicy)
        policy, before = CreditBandPolicy(), None
    else:
        require(actor, "change", CreditBandPolicy)
        found = CreditBandPolicy.objects.select_for_update().filter(pk=band_id).first()
        if found is None:
            raise DomainError(CreditBandError.NOT_FOUND)
        policy, before = found, audit_snapshot(found)
    name = band.name.strip()[:100]
    if not name:
        raise DomainError(CreditError.REASON_REQUIRED, details={"name": [_("Required.")]})
    _band_check(band, band_id)
    for key, value in vars(band).items():
        setattr(policy, key, value)
    policy.name = name
    policy.save()
    audit_record(
        actor=actor,
        instance=policy,
        action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        before=before,
    )
    return policy


@transaction.atomic
def credit_band_delete(*, actor: User, band_id: int) -> None:
    require(actor, "delete", CreditBandPolicy)
    policy = CreditBandPolicy.objects.select_for_update().filter(pk=band_id).first()
    if policy is None:
        raise DomainError(CreditBandError.NOT_FOUND)
    before = audit_snapshot(policy)
    audit_record(actor=actor, instance=policy, action=AuditAction.DELETE, before=before)
    policy.delete()


@transaction.atomic
def credit_group_limit_set(
    *, actor: User, group_id: int, limit: Decimal | None, currency: str | None = None
) -> GroupCreditLimit | None:
    """Set the default limit of a customer group's customers; None removes it."""
    from cashloop.customers.models import CustomerGroup

    require(actor, "change", GroupCreditLimit)
    if limit is not None and limit < 0:
        raise DomainError(CreditError.LIMIT_NEGATIVE, details={"limit": [_("Must be 0 or more.")]})
    group = CustomerGroup.objects.filter(pk=group_id).first()
    if group is None:
        raise DomainError(CreditSettingsError.GROUP_NOT_FOUND)
    row = GroupCreditLimit.objects.select_for_update().filter(group=group).first()
    before = audit_snapshot(row) if row is not None else None
    if limit is None:
        if row is not None:
            audit_record(actor=actor, instance=row, action=AuditAction.DELETE, before=before)
            row.delete()
        return None
    if row is None:
        row = GroupCreditLimit(group=group)
    row.limit, row.currency = limit, currency_check(currency or base_currency())
    row.save()
    audit_record(
        actor=actor,
        instance=row,
        action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        before=before,
    )
    return row


@transaction.atomic
def credit_settings_update(
    *,
    actor: User,
    include_open_quotes: bool,
    overdue_days: int | None,
    overdue_amount: Decimal,
    release_grace_days: int,
) -> CreditSettings:
    """The company's credit rules (decision 048): what counts and what holds."""
    require(actor, "change", CreditSettings)
    if overdue_amount < 0:
        raise DomainError(CreditSettingsError.AMOUNT_NEGATIVE)
    settings = credit_settings()
    settings = CreditSettings.objects.select_for_update().get(pk=settings.pk)
    before = audit_snapshot(settings)
    settings.include_open_quotes = include_open_quotes
    settings.overdue_days = overdue_days
    settings.overdue_amount = overdue_amount
    settings.release_grace_days = release_grace_days
    settings.save()
    audit_record(actor=actor, instance=settings, action=AuditAction.UPDATE, before=before)
    return settings
