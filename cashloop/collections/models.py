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

from cashloop.collections.choices import (
    ActivityOutcome,
    ChargeBooking,
    ChargeKind,
    ChargeStatus,
    DisputeReason,
    DisputeStatus,
    ExclusionReason,
    Language,
    PromiseStatus,
    TaskKind,
)
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
    # Simple interest per year on the overdue principal; 0 charges none.
    interest_rate = models.DecimalField(
        _("interest per year (%)"), max_digits=7, decimal_places=4, default=0
    )
    charge_booking = models.CharField(
        _("book fees and interest"),
        max_length=20,
        choices=ChargeBooking.choices,
        default=ChargeBooking.ON_RUN,
    )
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

    # Found by customer through the unique (customer, run_date) index.
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="dunning_logs",
        db_index=False,
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

    # Neither key is a database constraint (decision 071): the run writes its items from
    # the logs it has just written and the installments it has just selected, and at commit
    # the constraints' checks cost more than the run itself and locked every installment
    # dunned against payments.  Django still cascades and protects on delete, and
    # `cashloop verify` finds an item whose log or installment is gone.
    log = models.ForeignKey(
        DunningLog, on_delete=models.CASCADE, related_name="items", db_constraint=False
    )
    # Found by installment through the unique (installment, level_days) index: a second
    # index would only slow the run's writes.
    installment = models.ForeignKey(
        "receivables.Installment",
        on_delete=models.PROTECT,
        related_name="dunning_items",
        db_index=False,
        db_constraint=False,
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
    kind = models.CharField(
        _("kind"), max_length=20, choices=TaskKind.choices, default=TaskKind.DUNNING
    )
    title = models.CharField(_("task"), max_length=300)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    due_date = models.DateField(_("due"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
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


class CollectionActivity(models.Model):
    """The outcome of a collector's call, visit or email.  The contact itself is the
    customer's Interaction, so it stays in the customer's history with everything else."""

    interaction = models.OneToOneField(
        "customers.Interaction", on_delete=models.CASCADE, related_name="collection"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="collection_activities",
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=ActivityOutcome.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "customer__owner"
    scope_team_field = "customer__team"
    scope_customer_field = "customer"

    class Meta:
        verbose_name = _("collection activity")
        verbose_name_plural = _("collection activities")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer} {self.get_outcome_display()}"

    @property
    def audit_subject(self) -> models.Model:
        return self.customer


class PaymentPromise(models.Model):
    """A customer's promise to pay an amount by a date (承诺付款).  Kept when the customer's
    payments from `made_on` to `promised_date` cover it, broken otherwise; checked daily."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="payment_promises",
    )
    activity = models.ForeignKey(
        CollectionActivity,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="promises",
    )
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    made_on = models.DateField(_("made on"))
    promised_date = models.DateField(_("promised for"))
    status = models.CharField(
        _("status"), max_length=20, choices=PromiseStatus.choices, default=PromiseStatus.OPEN
    )
    # What the customer had paid towards it when it was last checked.
    paid = money_field(_("paid"), default=0)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "customer__owner"
    scope_team_field = "customer__team"
    scope_customer_field = "customer"

    class Meta:
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        ordering = ["promised_date", "id"]
        indexes = [models.Index(fields=["status", "promised_date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="collections_promise_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.amount} {self.currency} → {self.promised_date}"

    @property
    def audit_subject(self) -> models.Model:
        return self.customer


class Dispute(models.Model):
    """An installment the customer disputes (争议).  While open it leaves dunning; it is
    resolved by a credit note (through approval), rejected, or withdrawn."""

    installment = models.ForeignKey(
        "receivables.Installment",
        verbose_name=_("installment"),
        on_delete=models.PROTECT,
        related_name="disputes",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="disputes",
    )
    reason = models.CharField(_("reason"), max_length=20, choices=DisputeReason.choices)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    amount = money_field(_("disputed amount"))
    status = models.CharField(
        _("status"), max_length=20, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_on = models.DateField(_("opened on"))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolution_note = models.TextField(_("resolution"), max_length=2000, blank=True)
    credit_note = models.ForeignKey(
        "receivables.CreditNote",
        verbose_name=_("credit note"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disputes",
    )
    held_posting = models.ForeignKey(
        "receivables.HeldPosting",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="disputes",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "customer__owner"
    scope_team_field = "customer__team"
    scope_customer_field = "customer"

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["installment"],
                condition=models.Q(status__in=["open", "credit_pending"]),
                name="collections_one_open_dispute",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="collections_dispute_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.installment} ({self.get_status_display()})"

    @property
    def audit_subject(self) -> models.Model:
        return self.customer


class DunningCharge(models.Model):
    """A dunning fee or late payment interest a run charged.  Booked as a charge invoice
    at once or only when the customer pays, as the policy says (decision 051)."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="dunning_charges",
    )
    log = models.ForeignKey(
        DunningLog, null=True, blank=True, on_delete=models.CASCADE, related_name="charges"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ChargeKind.choices)
    installment = models.ForeignKey(
        "receivables.Installment",
        verbose_name=_("installment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dunning_charges",
    )
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    accrued_on = models.DateField(_("accrued on"))
    # Interest: the days and principal it was computed on, to explain it on the letter.
    days = models.PositiveIntegerField(_("days"), default=0)
    principal = money_field(_("principal"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=ChargeStatus.choices, default=ChargeStatus.PENDING
    )
    invoice = models.ForeignKey(
        "receivables.Invoice",
        verbose_name=_("charge invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dunning_charges",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "customer__owner"
    scope_team_field = "customer__team"
    scope_customer_field = "customer"

    class Meta:
        verbose_name = _("dunning charge")
        verbose_name_plural = _("dunning charges")
        ordering = ["-accrued_on", "-id"]
        indexes = [models.Index(fields=["customer", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="collections_charge_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"
