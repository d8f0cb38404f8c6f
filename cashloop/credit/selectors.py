"""Reads of credit control: the open hold, the limit that applies, exposure and available
credit, and what the customer's credit page and 360 panel show (decision 048).

Exposure is counted in the base currency: receivables at the rate they were posted at,
contracted amounts at the contract's rate.  `customer_hold` and `credit_position` are
unscoped (the checks run for whoever sells); the `customer_*` reads are scoped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import DecimalField, ExpressionWrapper, F, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from cashloop.core.errors import DomainError
from cashloop.core.money import base_currency, quantize
from cashloop.core.scoping import get_scoped, may, require
from cashloop.credit.errors import CreditError
from cashloop.credit.models import (
    CreditBandPolicy,
    CreditHold,
    CreditProfile,
    CreditSettings,
    GroupCreditLimit,
    LimitChange,
    RiskSignal,
)
from cashloop.credit.scoring import explanation_text, score_summary

if TYPE_CHECKING:
    from cashloop.customers.models import Customer
    from cashloop.identity.models import User

ZERO = Decimal(0)
OPEN_INVOICE = ("issued", "partially_paid")
UNBILLED_PLAN = ("waiting", "scheduled")
OPEN_QUOTE = ("approved", "sent")


def credit_settings() -> CreditSettings:
    settings, _ = CreditSettings.objects.get_or_create(pk=1)
    return settings


def customer_hold(customer_id: int) -> CreditHold | None:
    """The customer's open hold (the oldest when several causes hold it), unscoped."""
    return (
        CreditHold.objects.filter(customer_id=customer_id, released_at__isnull=True)
        .order_by("placed_at", "pk")
        .first()
    )


def limit_of(customer: Customer) -> tuple[Decimal | None, str]:
    """The limit that applies and its currency: the customer's own, else its group's, else
    none (no limit: never held for exposure)."""
    return _limit(customer, CreditProfile.objects.filter(customer=customer).first())


def _limit(customer: Customer, profile: CreditProfile | None) -> tuple[Decimal | None, str]:
    limit, currency = _own_or_group_limit(customer, profile)
    band = band_of(profile.score if profile is not None else None)
    if band is None:
        return limit, currency
    # The band lowers, never raises: by a percent of the limit, or to an amount (in the
    # limit's currency), which also caps a customer that had no limit at all.
    if band.limit_percent is not None and limit is not None:
        limit = quantize(limit * (100 - band.limit_percent) / 100, currency)
    if band.limit_amount is not None:
        amount = quantize(band.limit_amount, currency)
        limit = amount if limit is None else min(limit, amount)
    return limit, currency


def _own_or_group_limit(
    customer: Customer, profile: CreditProfile | None
) -> tuple[Decimal | None, str]:
    if profile is not None and profile.limit is not None:
        return quantize(profile.limit, profile.currency), profile.currency
    if customer.group_id is not None:
        group = GroupCreditLimit.objects.filter(group_id=customer.group_id).first()
        if group is not None:
            return quantize(group.limit, group.currency), group.currency
    return None, base_currency()


def band_of(score: int | None) -> CreditBandPolicy | None:
    """The score band policy a score falls in (none without a score)."""
    if score is None:
        return None
    return CreditBandPolicy.objects.filter(score_from__lte=score, score_to__gte=score).first()


@dataclass(frozen=True)
class CreditTerms:
    """Defaults a score band sets on a new quote or contract: one installment, prepaid
    (on signing, 0 days) or due `due_days` after signing."""

    band: CreditBandPolicy
    prepayment: bool
    due_days: int

    @property
    def label(self) -> str:
        return gettext("Prepayment") if self.prepayment else gettext("Payment")

    def quote_plan(self) -> list[dict[str, Any]]:
        """The proposed payment plan of a quote (`cpq.services.payment_plan_clean` form)."""
        return [
            {
                "label": self.label,
                "percent": "100",
                "due_rule": "on_signing",
                "due_days": self.due_days,
            }
        ]


def terms_for(customer: Customer) -> CreditTerms | None:
    """The payment defaults of a new quote or contract for the customer, from its score
    band (decision 048): prepayment, or terms shortened to the band's days (the customer's
    own terms when shorter).  None: the band asks for neither, or no band applies."""
    profile = CreditProfile.objects.filter(customer=customer).only("score").first()
    band = band_of(profile.score if profile is not None else None)
    if band is None or not (band.require_prepayment or band.payment_terms_days is not None):
        return None
    if band.require_prepayment:
        return CreditTerms(band=band, prepayment=True, due_days=0)
    assert band.payment_terms_days is not None
    days = min(customer.payment_terms_days, band.payment_terms_days)
    return CreditTerms(band=band, prepayment=False, due_days=days)


def _sum(qs: Any, expression: Any) -> Decimal:
    total = qs.aggregate(total=Coalesce(Sum(expression), ZERO, output_field=_money()))["total"]
    return Decimal(total)


def _money() -> DecimalField:
    return DecimalField(max_digits=20, decimal_places=4)


@dataclass(frozen=True)
class Exposure:
    receivables: Decimal
    contracted: Decimal
    quotes: Decimal
    currency: str

    @property
    def total(self) -> Decimal:
        return self.receivables + self.contracted + self.quotes


def exposure_of(customer_id: int) -> Exposure:
    """Open receivables + uninvoiced contracted amounts (+ open quotes if the settings say so)."""
    from cashloop.contracts.models import PlanItem
    from cashloop.cpq.models import Quote
    from cashloop.receivables.models import Installment

    base = base_currency()
    receivables = _sum(
        Installment.objects.filter(
            invoice__customer_id=customer_id, invoice__status__in=OPEN_INVOICE
        ),
        "base_residual",
    )
    contracted = _sum(
        PlanItem.objects.filter(
            contract__customer_id=customer_id,
            contract__status="active",
            status__in=UNBILLED_PLAN,
        ),
        ExpressionWrapper(F("amount") * Coalesce(F("contract__rate"), 1), output_field=_money()),
    )
    quotes = ZERO
    if credit_settings().include_open_quotes:
        # Quotes carry no rate; one in a foreign currency is not counted (decision 048).
        quotes = _sum(
            Quote.objects.filter(customer_id=customer_id, status__in=OPEN_QUOTE, currency=base),
            "total",
        )
    return Exposure(
        receivables=quantize(receivables, base),
        contracted=quantize(contracted, base),
        quotes=quantize(quotes, base),
        currency=base,
    )


@dataclass(frozen=True)
class Overdue:
    amount: Decimal
    oldest_due: date | None

    def days(self, today: date) -> int:
        return (today - self.oldest_due).days if self.oldest_due is not None else 0


def overdue_of(customer_id: int, today: date) -> Overdue:
    from cashloop.receivables.models import Installment

    row = Installment.objects.filter(
        invoice__customer_id=customer_id,
        invoice__status__in=OPEN_INVOICE,
        due_date__lt=today,
        base_residual__gt=0,
    ).aggregate(
        amount=Coalesce(Sum("base_residual"), ZERO, output_field=_money()), oldest=Min("due_date")
    )
    return Overdue(amount=Decimal(row["amount"]), oldest_due=row["oldest"])


@dataclass(frozen=True)
class CreditPosition:
    limit: Decimal | None
    currency: str
    exposure: Exposure
    hold: CreditHold | None
    score: int | None
    score_explained: list[dict[str, Any]] = field(default_factory=list)

    @property
    def available(self) -> Decimal | None:
        return None if self.limit is None else self.limit - self.exposure.total

    @property
    def over_limit(self) -> bool:
        return self.limit is not None and self.exposure.total > self.limit


def credit_position(customer: Customer) -> CreditPosition:
    profile = CreditProfile.objects.filter(customer=customer).first()
    limit, currency = _limit(customer, profile)
    return CreditPosition(
        limit=limit,
        currency=currency,
        exposure=exposure_of(customer.pk),
        hold=customer_hold(customer.pk),
        score=profile.score if profile is not None else None,
        score_explained=profile.score_explained if profile is not None else [],
    )


def credit_available(customer_id: int) -> Decimal | None:
    """What the customer may still buy on credit (None: no limit applies), unscoped."""
    from cashloop.customers.models import Customer

    return credit_position(Customer.objects.get(pk=customer_id)).available


def waived(customer_id: int, source: str, today: date) -> bool:
    """Whether an approved release still waives an automatic hold of this source."""
    return CreditHold.objects.filter(
        customer_id=customer_id, source=source, waive_until__gte=today
    ).exists()


def customer_for(user: User, customer_id: int, action: str = "view") -> Customer:
    from cashloop.customers.models import Customer

    return get_scoped(
        Customer.objects.all(),
        user=user,
        action=action,
        pk=customer_id,
        not_found=CreditError.CUSTOMER_NOT_FOUND,
    )


def customer_credit(*, user: User, customer_id: int) -> dict[str, Any] | None:
    """What the customer 360 panel and the credit page show (position, score summary and
    reasons, holds, signals, limit changes), or None if the user may not see the customer's
    credit."""
    if not may(user, "view", CreditHold):
        return None
    try:
        customer = customer_for(user, customer_id)
    except DomainError:
        return None
    position = credit_position(customer)
    return {
        "customer": customer,
        "position": position,
        # The score in the reader's language: the summary line and each reason's points.
        "summary": score_summary(position.score, position.score_explained),
        "reasons": [
            (explanation_text(item), item["points"])
            for item in position.score_explained
            if item.get("points")
        ],
        # Read only where shown (the credit page, the API), not by the 360's panel.
        "holds": CreditHold.objects.filter(customer=customer).select_related(
            "placed_by", "released_by", "approval_request"
        )[:20],
        "signals": RiskSignal.objects.filter(customer=customer)[:20],
        "limit_changes": LimitChange.objects.filter(customer=customer)[:5],
    }


def holds_list(*, user: User, open_only: bool = True) -> Any:
    qs = CreditHold.objects.restrict(user, "view").select_related("customer", "placed_by")
    if open_only:
        qs = qs.filter(released_at__isnull=True)
    return qs


def customers_on_hold_count(*, user: User) -> int | None:
    """How many customers the user may see are on hold (the dashboard's card), or None if
    the user may not view holds."""
    if not may(user, "view", CreditHold):
        return None
    return holds_list(user=user).values("customer_id").distinct().count()


def signals_list(*, user: User, customer_id: int | None = None) -> Any:
    qs = RiskSignal.objects.restrict(user, "view").select_related("customer")
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    return qs


def signals_since(customer_id: int, today: date, days: int = 365) -> list[RiskSignal]:
    return list(
        RiskSignal.objects.filter(customer_id=customer_id, date__gt=today - timedelta(days=days))
    )


def open_customer_ids() -> Any:
    """Customers that might need an automatic hold or release: with a limit, open items or
    open holds (the daily evaluation does not read every customer)."""
    from cashloop.customers.models import Customer

    return (
        Customer.objects.filter(
            Q(credit_profile__limit__isnull=False)
            | Q(group__credit_limit__isnull=False)
            | Q(invoices__status__in=OPEN_INVOICE)
            | Q(credit_holds__released_at__isnull=True)
        )
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")
    )


def today_or(today: date | None) -> date:
    return today if today is not None else timezone.localdate()


def band_list(*, user: User) -> Any:
    require(user, "view", CreditBandPolicy)
    return CreditBandPolicy.objects.order_by("score_from")


def group_limit_list(*, user: User) -> Any:
    require(user, "view", GroupCreditLimit)
    return GroupCreditLimit.objects.select_related("group").order_by("group__name")
