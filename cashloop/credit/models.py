"""Credit control's tables: limits (per customer, per group), holds, limit changes waiting
for approval, risk signals, and the company's credit settings (decision 048).

Exposure and the score are computed by the services from receivables, contracts and quotes;
only the score's last result is stored on the profile, to list and sort by it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cashloop.core.money import money_field
from cashloop.core.scoping import ScopedQuerySet
from cashloop.credit.choices import HoldSource, LimitChangeStatus, Severity, SignalKind


class CreditSettings(models.Model):
    """The company's credit rules: one row (pk 1), created with its defaults when first read."""

    include_open_quotes = models.BooleanField(_("count open quotes in the exposure"), default=False)
    # Off until finance sets it: a company turning credit control on chooses its rule.
    overdue_days = models.PositiveSmallIntegerField(
        _("hold when overdue more than (days)"),
        null=True,
        blank=True,
        help_text=_("Empty: overdue items alone never hold a customer."),
    )
    overdue_amount = money_field(_("and the overdue amount is at least"), default=0)
    release_grace_days = models.PositiveSmallIntegerField(
        _("days an approved release waives the automatic hold"), default=30
    )

    class Meta:
        verbose_name = _("credit settings")
        verbose_name_plural = _("credit settings")

    def __str__(self) -> str:
        return str(_("Credit settings"))


class GroupCreditLimit(models.Model):
    """The default limit of a customer group's customers that have none of their own."""

    group = models.OneToOneField(
        "customers.CustomerGroup",
        verbose_name=_("customer group"),
        on_delete=models.CASCADE,
        related_name="credit_limit",
    )
    limit = money_field(_("credit limit"))
    currency = models.CharField(_("currency"), max_length=3)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("group credit limit")
        verbose_name_plural = _("group credit limits")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(limit__gte=0), name="credit_group_limit_gte_0"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.limit} {self.currency}"


class CreditProfile(models.Model):
    """A customer's own limit (empty: the group's, or none) and its last computed score."""

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="credit_profile",
    )
    limit = money_field(_("credit limit"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    score = models.PositiveSmallIntegerField(_("credit score"), null=True, blank=True)
    # [{"code": ..., "text": ..., "points": -n}], what the page shows under the score.
    score_explained = models.JSONField(_("score explained"), default=list, blank=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "customer__owner"
    scope_team_field = "customer__team"
    scope_customer_field = "customer"

    class Meta:
        verbose_name = _("credit profile")
        verbose_name_plural = _("credit profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(limit__gte=0) | models.Q(limit__isnull=True),
                name="credit_profile_limit_gte_0",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer}: {self.limit} {self.currency}"


class CreditHold(models.Model):
    """A customer may not buy more (no quote sent, no contract activated, no non-contract
    sale) while one of these is open.  One open hold per customer and source."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="credit_holds",
    )
    reason = models.CharField(_("reason"), max_length=500)
    source = models.CharField(_("source"), max_length=10, choices=HoldSource.choices)
    placed_at = models.DateTimeField(_("placed"), auto_now_add=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("placed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("released by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    release_reason = models.CharField(_("why released"), max_length=500, blank=True)
    release_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("release requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approval_request = models.ForeignKey(
        "approvals.ApprovalRequest",
        verbose_name=_("release approval"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # An approved release of an automatic hold: the same cause places no new hold until then.
    waive_until = models.DateField(_("no automatic hold until"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "customer__owner"
    scope_team_field = "customer__team"
    scope_customer_field = "customer"

    class Meta:
        verbose_name = _("credit hold")
        verbose_name_plural = _("credit holds")
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "source"],
                condition=models.Q(released_at__isnull=True),
                name="credit_one_open_hold_per_source",
            )
        ]
        indexes = [
            models.Index(
                fields=["customer"],
                condition=models.Q(released_at__isnull=True),
                name="credit_hold_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer}: {self.get_source_display()}"

    @property
    def is_open(self) -> bool:
        return self.released_at is None

    @property
    def audit_subject(self) -> models.Model:
        return self.customer


class LimitChange(models.Model):
    """A new limit for a customer waiting for approval; applied when approved."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="credit_limit_changes",
    )
    old_limit = money_field(_("old limit"), null=True, blank=True)
    new_limit = money_field(_("new limit"))
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=LimitChangeStatus.choices,
        default=LimitChangeStatus.PENDING,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    approval_request = models.ForeignKey(
        "approvals.ApprovalRequest",
        verbose_name=_("approval request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "customer__owner"
    scope_team_field = "customer__team"
    scope_customer_field = "customer"

    class Meta:
        verbose_name = _("credit limit change")
        verbose_name_plural = _("credit limit changes")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(status="pending"),
                name="credit_one_pending_limit_change",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer}: {self.old_limit} → {self.new_limit} {self.currency}"

    @property
    def audit_subject(self) -> models.Model:
        return self.customer


class RiskSignal(models.Model):
    """An external event about a customer (工商变更, 司法风险, a financial anomaly ...)."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="risk_signals",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SignalKind.choices)
    source = models.CharField(_("source"), max_length=100)
    date = models.DateField(_("date"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "customer__owner"
    scope_team_field = "customer__team"
    scope_customer_field = "customer"

    class Meta:
        verbose_name = _("risk signal")
        verbose_name_plural = _("risk signals")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["customer", "date"])]

    def __str__(self) -> str:
        return f"{self.customer}: {self.get_kind_display()} {self.date}"

    @property
    def audit_subject(self) -> models.Model:
        return self.customer


class CreditBandPolicy(models.Model):
    """What a score band means for new sales: defaults of new quotes and contracts
    (prepayment, shorter terms) and a lower limit in the exposure check."""

    name = models.CharField(_("name"), max_length=100)
    score_from = models.PositiveSmallIntegerField(_("score from"))
    score_to = models.PositiveSmallIntegerField(_("score to"))
    require_prepayment = models.BooleanField(_("require prepayment"), default=False)
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms at most (days)"), null=True, blank=True
    )
    limit_percent = models.DecimalField(
        _("lower the limit by (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    limit_amount = money_field(_("lower the limit to"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("score band policy")
        verbose_name_plural = _("score band policies")
        ordering = ["score_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score_from__lte=models.F("score_to"), score_to__lte=100),
                name="credit_band_range",
            ),
            models.CheckConstraint(
                condition=models.Q(limit_percent__isnull=True)
                | models.Q(limit_percent__gt=0, limit_percent__lte=100),
                name="credit_band_percent",
            ),
            models.CheckConstraint(
                condition=models.Q(limit_amount__isnull=True) | models.Q(limit_amount__gte=0),
                name="credit_band_amount_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.score_from}–{self.score_to})"
