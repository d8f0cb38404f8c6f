"""Sales: pipelines with ordered stages, opportunities and their stage history, leads.

An opportunity's stage belongs to its pipeline, and every change of stage (its creation
included) adds a `StageChange` row that keeps the moment, who moved it, and the amount,
probability, owner and team at that moment.  Time in stage, conversion between stages
and forecast snapshots are computed from those rows without reading the audit trail.

Amounts are kept in the opportunity's currency and in the base currency (at the rate
given when the currency is foreign), so pipeline totals add base amounts only.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cashloop.core.money import money_field
from cashloop.core.scoping import ScopedQuerySet
from cashloop.sales.choices import (
    ForecastCategory,
    LeadSource,
    LeadStatus,
    OpportunityStatus,
    StageKind,
)


def probability_field(verbose_name: Any) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(verbose_name, help_text=_("Percent, 0 to 100."))


class Pipeline(models.Model):
    """A sales process: its stages in order.  Configuration, visible to all sales roles."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_default = models.BooleanField(_("default"), default=False)
    active = models.BooleanField(_("active"), default=True)
    # An open deal's default forecast category follows its probability (decision 027).
    best_case_probability = models.PositiveSmallIntegerField(
        _("best case from probability"), default=50, help_text=_("Percent, 0 to 100.")
    )
    commit_probability = models.PositiveSmallIntegerField(
        _("commit from probability"), default=75, help_text=_("Percent, 0 to 100.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="sales_one_default_pipeline",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="stages"
    )
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    probability = probability_field(_("default probability"))
    kind = models.CharField(_("kind"), max_length=10, choices=StageKind.choices)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="sales_stage_name_unique"),
            models.CheckConstraint(
                condition=models.Q(probability__lte=100), name="sales_stage_probability_max"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_subject(self) -> Pipeline:
        return self.pipeline


class Opportunity(models.Model):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    name = models.CharField(_("name"), max_length=200)
    currency = models.CharField(_("currency"), max_length=3)
    amount = money_field(_("amount"))
    rate = models.DecimalField(
        _("exchange rate"),
        max_digits=18,
        decimal_places=8,
        default=1,
        help_text=_("Units of base currency for one unit of the opportunity's currency."),
    )
    base_amount = money_field(_("amount in base currency"))
    expected_close_date = models.DateField(_("expected close date"))
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="+"
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="opportunities"
    )
    stage_changed_at = models.DateTimeField(_("in stage since"))
    probability = probability_field(_("probability"))
    probability_reason = models.CharField(
        _("why the probability differs from the stage's"), max_length=500, blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OpportunityStatus.choices,
        default=OpportunityStatus.OPEN,
    )
    forecast_category = models.CharField(
        _("forecast category"),
        max_length=10,
        choices=ForecastCategory.choices,
        default=ForecastCategory.PIPELINE,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_opportunities",
    )
    team = models.ForeignKey(
        "identity.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    source = models.CharField(
        pgettext_lazy("lead", "source"), max_length=20, choices=LeadSource.choices, blank=True
    )
    products = models.JSONField(_("products of interest"), default=list, blank=True)
    competitors = models.JSONField(_("competitors"), default=list, blank=True)
    lost_reason = models.CharField(_("lost reason"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Values of the custom fields an admin defined (see cashloop.customfields).
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    scope_owner_field = "owner"
    scope_team_field = "team"
    scope_customer_field = "customer"
    # The stage history keeps every move's moment; the audit row keeps the stage itself.
    audit_exclude = ("stage_changed_at",)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["expected_close_date", "id"]
        indexes = [
            models.Index(fields=["stage", "expected_close_date"]),
            models.Index(fields=["owner", "expected_close_date"]),
            models.Index(fields=["team", "expected_close_date"]),
            models.Index(fields=["status", "expected_close_date"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="sales_opp_amount_pos"),
            models.CheckConstraint(
                condition=models.Q(probability__lte=100), name="sales_opp_probability_max"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StageChange(models.Model):
    """One move of an opportunity between stages; `from_stage` is empty for its creation."""

    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="stage_changes",
    )
    from_stage = models.ForeignKey(
        Stage,
        verbose_name=_("from stage"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_stage = models.ForeignKey(
        Stage, verbose_name=_("to stage"), on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    currency = models.CharField(_("currency"), max_length=3)
    amount = money_field(_("amount"))
    base_amount = money_field(_("amount in base currency"))
    probability = probability_field(_("probability"))
    expected_close_date = models.DateField(_("expected close date"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.ForeignKey(
        "identity.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    scope_owner_field = "opportunity__owner"
    scope_team_field = "opportunity__team"

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["opportunity_id", "changed_at", "id"]
        indexes = [
            models.Index(fields=["opportunity", "changed_at"]),
            models.Index(fields=["to_stage", "changed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage or '∅'} → {self.to_stage}"

    @property
    def audit_subject(self) -> Opportunity:
        return self.opportunity


class Lead(models.Model):
    source = models.CharField(
        pgettext_lazy("lead", "source"), max_length=20, choices=LeadSource.choices
    )
    company_name = models.CharField(_("company"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True, db_index=True)
    email = models.EmailField(_("email"), max_length=254, blank=True, db_index=True)
    region = models.CharField(_("region"), max_length=50, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    disqualified_reason = models.CharField(_("disqualified because"), max_length=500, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_leads",
    )
    team = models.ForeignKey(
        "identity.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    converted_customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("converted to customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    converted_contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("converted to contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    converted_opportunity = models.OneToOneField(
        Opportunity,
        verbose_name=_("converted to opportunity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead",
    )
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Values of the custom fields an admin defined (see cashloop.customfields).
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    scope_owner_field = "owner"
    scope_team_field = "team"

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["team", "status"]),
        ]

    def __str__(self) -> str:
        return self.company_name or self.contact_name


class AssignmentRule(models.Model):
    """Who gets a new lead without an owner: the first active matching rule by position.

    Blank `source` or `region` match anything.  A rule names one person (`user`) or one
    team (`team`), whose active members take turns; `last_assigned` is the turn pointer,
    read and moved under a row lock so concurrent leads never take the same turn.
    """

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)
    source = models.CharField(
        pgettext_lazy("lead", "source"), max_length=20, choices=LeadSource.choices, blank=True
    )
    region = models.CharField(_("region"), max_length=50, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assign to person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.ForeignKey(
        "identity.Team",
        verbose_name=_("round-robin in team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last assigned"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(user__isnull=False, team__isnull=True)
                    | models.Q(user__isnull=True, team__isnull=False)
                ),
                name="sales_rule_one_target",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ForecastAdjustment(models.Model):
    """A manager's own figure for a rep's commit in a period, with the why.

    Rows are never changed: the newest row of (period, user) is the adjusted commit, and
    the older ones are the history of the manager's calls.
    """

    period = models.CharField(_("period"), max_length=7)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        on_delete=models.PROTECT,
        related_name="forecast_adjustments",
    )
    amount = money_field(_("adjusted commit"))
    note = models.CharField(_("note"), max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    scope_owner_field = "user"
    scope_team_field = "user__team"

    class Meta:
        verbose_name = _("forecast adjustment")
        verbose_name_plural = _("forecast adjustments")
        ordering = ["period", "user_id", "-created_at", "-id"]
        indexes = [models.Index(fields=["period", "user", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="sales_forecast_adjustment_amount"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.user}"


class ForecastSnapshot(models.Model):
    """One rep's forecast of one period as it stood on `as_of`; one row a week at most.

    Amounts are in base currency.  `team` is the rep's team when the snapshot was taken,
    so accuracy adds up by the teams of that time.
    """

    period = models.CharField(_("period"), max_length=7)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        on_delete=models.PROTECT,
        related_name="forecast_snapshots",
    )
    team = models.ForeignKey(
        "identity.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    week = models.DateField(_("week"), help_text=_("Monday of the week of the snapshot."))
    as_of = models.DateField(_("as of"))
    pipeline = money_field(_("pipeline"))
    best_case = money_field(_("best case"))
    commit = money_field(_("commit"))
    weighted = money_field(_("weighted"))
    adjusted_commit = money_field(_("adjusted commit"))
    closed_won = money_field(_("closed won"))
    taken_at = models.DateTimeField(_("taken"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    scope_owner_field = "user"
    scope_team_field = "team"

    class Meta:
        verbose_name = _("forecast snapshot")
        verbose_name_plural = _("forecast snapshots")
        ordering = ["period", "user_id", "as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "user", "week"], name="sales_forecast_snapshot_weekly"
            )
        ]
        indexes = [models.Index(fields=["period", "as_of"])]

    def __str__(self) -> str:
        return f"{self.period} {self.user} {self.as_of}"


class SalesTarget(models.Model):
    """What a rep is to win in a period (销售目标): a month (`2026-11`) or a quarter
    (`2026-Q4`), in the base currency (decision 062).  A team's target is its reps'."""

    period = models.CharField(_("period"), max_length=7)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        on_delete=models.PROTECT,
        related_name="sales_targets",
    )
    amount = money_field(_("target"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    scope_owner_field = "user"
    scope_team_field = "user__team"

    class Meta:
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        ordering = ["period", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["period", "user"], name="sales_target_once"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="sales_target_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.user}: {self.amount}"
