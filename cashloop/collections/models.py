"""Dunning (催收): policies and their levels, per-customer settings and invoice exclusions,
the log of what each run did, and the collection tasks it created (decision 047).

A customer's policy is its own override, else the policy of its customer group, else the
default policy.  Each level says from how many days overdue it applies (negative: before
the due date) and what it does.  The log has one row per customer, run date and level,
and one item per installment and level reached; the unique constraints on both are what
keep a second run from doing anything twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cashloop.collections.choices import ExclusionReason, Language
from cashloop.core.money import money_field
from cashloop.core.scoping import ScopedQuerySet


class DunningPolicy(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    is_default = models.BooleanField(_("default policy"), default=False)
    groups = models.ManyToManyField(
        "customers.CustomerGroup",
        verbose_name=_("customer groups"),
        blank=True,
        related_name="dunning_policies",
    )
    # Off until an admin has looked at the preview: the daily run only previews until then.
    auto_send = models.BooleanField(_("send automatically"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    audit_m2m = ("groups",)

    class Meta:
        verbose_name = _("dunning policy")
        verbose_name_plural = _("dunning policies")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="collections_one_default_policy",
            )
        ]

    def __str__(self) -> str:
        return self.name


class DunningLevel(models.Model):
    """One step of a policy: from `days_overdue` on, these actions, once per installment."""

    policy = models.ForeignKey(DunningPolicy, on_delete=models.CASCADE, related_name="levels")
    order = models.PositiveSmallIntegerField(_("order"))
    days_overdue = models.SmallIntegerField(
        _("days overdue"), help_text=_("Negative: days before the due date.")
    )
    name = models.CharField(_("name"), max_length=100)
    send_email = models.BooleanField(_("email"), default=True)
    subject_zh = models.CharField(_("subject (Chinese)"), max_length=200, blank=True)
    body_zh = models.TextField(_("message (Chinese)"), max_length=5000, blank=True)
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    body_en = models.TextField(_("message (English)"), max_length=5000, blank=True)
    letter = models.BooleanField(_("letter PDF"), default=False)
    create_task = models.BooleanField(_("collection task"), default=False)
    task_due_days = models.PositiveSmallIntegerField(_("task due in (days)"), default=3)
    fee = money_field(_("fee"), default=0)
    hold = models.BooleanField(_("put on credit hold"), default=False)

    class Meta:
        verbose_name = _("dunning level")
        verbose_name_plural = _("dunning levels")
        ordering = ["policy_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "order"], name="collections_level_order"),
            models.UniqueConstraint(
                fields=["policy", "days_overdue"], name="collections_level_days"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.days_overdue:+d})"

    def template(self, language: str) -> tuple[str, str]:
        """Subject and body in `language`, falling back to the other language's text."""
        if language == Language.EN:
            return self.subject_en or self.subject_zh, self.body_en or self.body_zh
        return self.subject_zh or self.subject_en, self.body_zh or self.body_en


class CustomerDunning(models.Model):
    """A customer's dunning settings: its policy override, collector and exclusion."""

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="dunning",
    )
    policy = models.ForeignKey(
        DunningPolicy,
        verbose_name=_("policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collector"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    language = models.CharField(
        _("language of reminders"),
        max_length=10,
        choices=Language.choices,
        default=Language.ZH_HANS,
    )
    excluded_until = models.DateField(_("excluded until"), null=True, blank=True)
    exclusion_reason = models.CharField(
        _("exclusion reason"), max_length=20, choices=ExclusionReason.choices, blank=True
    )
    exclusion_note = models.CharField(_("note"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "customer__owner"
    scope_team_field = "customer__team"
    scope_customer_field = "customer"

    class Meta:
        verbose_name = _("customer dunning settings")
        verbose_name_plural = _("customer dunning settings")

    def __str__(self) -> str:
        return str(self.customer)

    @property
    def audit_subject(self) -> models.Model:
        return self.customer


class InvoiceExclusion(models.Model):
    """An invoice left out of dunning (a dispute, an agreed payment plan ...) until a date."""

    invoice = models.ForeignKey(
        "receivables.Invoice",
        verbose_name=_("invoice"),
        on_delete=models.PROTECT,
        related_name="dunning_exclusions",
    )
    reason = models.CharField(_("reason"), max_length=20, choices=ExclusionReason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    until = models.DateField(_("until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "invoice__customer__owner"
    scope_team_field = "invoice__customer__team"
    scope_customer_field = "invoice__customer"

    class Meta:
        verbose_name = _("dunning exclusion")
        verbose_name_plural = _("dunning exclusions")
        ordering = ["-until", "-id"]
        indexes = [models.Index(fields=["until"])]

    def __str__(self) -> str:
        return f"{self.invoice} → {self.until}"

    @property
    def audit_subject(self) -> models.Model:
        return self.invoice


class DunningLog(models.Model):
    """What one run did for one customer: the level reached, the message and the actions."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="dunning_logs",
    )
    run_date = models.DateField(_("run date"))
    policy = models.ForeignKey(
        DunningPolicy, verbose_name=_("policy"), null=True, on_delete=models.SET_NULL
    )
    level = models.ForeignKey(
        DunningLevel,
        verbose_name=_("level"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="logs",
    )
    # Kept as they were on the day: levels may be edited or deleted later.
    level_name = models.CharField(_("level"), max_length=100)
    days_overdue = models.SmallIntegerField(_("days overdue"))
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"), blank=True)
    emailed_to = models.CharField(_("emailed to"), max_length=1000, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    letter = models.BooleanField(_("letter PDF"), default=False)
    fee = money_field(_("fee"), default=0)
    currency = models.CharField(_("currency"), max_length=3)
    overdue_total = money_field(_("overdue"), default=0)
    hold = models.BooleanField(_("credit hold"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "customer__owner"
    scope_team_field = "customer__team"
    scope_customer_field = "customer"

    class Meta:
        verbose_name = _("dunning log")
        verbose_name_plural = _("dunning log")
        ordering = ["-run_date", "-id"]
        constraints = [
            # One combined message per customer per run day, whatever the level.
            models.UniqueConstraint(fields=["customer", "run_date"], name="collections_log_once")
        ]
        indexes = [models.Index(fields=["run_date"])]

    def __str__(self) -> str:
        return f"{self.customer} {self.run_date} {self.level_name}"


class DunningLogItem(models.Model):
    """One installment a run dunned, at the level it reached then (never again at it)."""

    log = models.ForeignKey(DunningLog, on_delete=models.CASCADE, related_name="items")
    installment = models.ForeignKey(
        "receivables.Installment", on_delete=models.PROTECT, related_name="dunning_items"
    )
    days_overdue = models.SmallIntegerField(_("days overdue"))
    level_days = models.SmallIntegerField(_("level from (days)"))
    residual = money_field(_("residual"))

    class Meta:
        verbose_name = _("dunned installment")
        verbose_name_plural = _("dunned installments")
        ordering = ["log_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["installment", "level_days"], name="collections_item_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.installment} @ {self.level_days:+d}"


class CollectionTask(models.Model):
    """A to-do for the customer's collector (or owner) that a dunning level created."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="collection_tasks",
    )
    log = models.OneToOneField(
        DunningLog, on_delete=models.CASCADE, null=True, blank=True, related_name="task"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="collection_tasks",
    )
    title = models.CharField(_("task"), max_length=300)
    due_date = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "assignee"
    scope_team_field = "customer__team"
    scope_customer_field = "customer"

    class Meta:
        verbose_name = _("collection task")
        verbose_name_plural = _("collection tasks")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["assignee", "due_date"])]

    def __str__(self) -> str:
        return self.title
