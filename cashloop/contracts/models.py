"""Contracts: lines, payment plan, milestones, templates, amendments and recognised revenue.

A contract is the only source of receivables (强制收入).  Activating it fixes its payment
plan (`PlanItem` rows that sum exactly to the total); each plan item gets a due date when
its rule can tell one (signing + N days, a fixed date, end of month + N days, or the
acceptance of its milestone + N days) and becomes one invoice when it falls due.  The
invoice's lines are the contract's lines in proportion to the plan item, so revenue per
contract line is known from the invoices.

`invoiced` and `recognised` on the contract are derived balances, kept in the same
transaction as the postings that change them and recomputed by `cashloop verify`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cashloop.contracts.choices import (
    AmendmentStatus,
    ContractStatus,
    MilestoneKind,
    MilestoneStatus,
    PlanDueRule,
    PlanItemStatus,
)
from cashloop.core.money import money_field
from cashloop.core.scoping import ScopedQuerySet
from cashloop.cpq.choices import Recognition


def percent_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=7, decimal_places=4, **kwargs)


class ContractTemplate(models.Model):
    """Terms with placeholders ({{ customer.name }}, {{ contract.total }}, {{ plan_table }})."""

    name = models.CharField(_("name"), max_length=100)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    body = models.TextField(_("terms"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("contract template")
        verbose_name_plural = _("contract templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contract(models.Model):
    number = models.CharField(_("number"), max_length=30, blank=True, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    quote = models.ForeignKey(
        "cpq.Quote",
        verbose_name=_("quote"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    # The contract this one renews.
    previous = models.ForeignKey(
        "self",
        verbose_name=_("renews"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewals",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    signing_date = models.DateField(_("signing date"), null=True, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    renewal_notice_days = models.PositiveSmallIntegerField(_("renewal notice (days)"), default=30)
    currency = models.CharField(_("currency"), max_length=3)
    # A foreign-currency draft may leave it empty (a quote carries none): activation
    # requires it, so billing and recognition always have one.
    rate = models.DecimalField(
        _("exchange rate"),
        max_digits=18,
        decimal_places=8,
        null=True,
        blank=True,
        default=1,
        help_text=_("Units of base currency for one unit of the document's currency."),
    )
    subtotal = money_field(_("net amount"), default=0)
    tax_total = money_field(_("tax"), default=0)
    total = money_field(_("total"), default=0)
    # Derived balances: kept with the postings, recomputed by verify.
    invoiced = money_field(_("invoiced"), default=0)
    # Credit notes against its invoices, gross like `invoiced` (decision 041).
    credited = money_field(_("credited"), default=0)
    recognised = money_field(_("revenue recognised"), default=0)
    template = models.ForeignKey(
        ContractTemplate,
        verbose_name=_("template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    terms = models.TextField(_("terms"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
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
    approval_request = models.ForeignKey(
        "approvals.ApprovalRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    termination_reason = models.CharField(_("termination reason"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Values of the custom fields an admin defined (see cashloop.customfields).
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "owner"
    scope_team_field = "team"
    scope_customer_field = "customer"

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=~models.Q(number=""), name="contract_number_unique"
            )
        ]
        indexes = [models.Index(fields=["customer", "status"])]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"


class Milestone(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=MilestoneKind.choices, default=MilestoneKind.ACCEPTANCE
    )
    planned_date = models.DateField(_("planned date"))
    actual_date = models.DateField(_("actual date"), null=True, blank=True)
    percent_delivered = percent_field(_("delivered (%)"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=MilestoneStatus.choices, default=MilestoneStatus.PLANNED
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["contract_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "position"], name="milestone_position_once")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_subject(self) -> Contract:
        # A milestone's acceptance belongs in its contract's history.
        return self.contract


class ContractLine(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("position"))
    product = models.ForeignKey(
        "cpq.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.CharField(_("description"), max_length=300)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=4)
    unit_price = money_field(_("unit price"))
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, default=0
    )
    tax_rate = models.DecimalField(_("tax rate"), max_digits=5, decimal_places=4)
    net = money_field(_("net amount"))
    tax = money_field(_("tax"))
    total = money_field(_("total"))
    recognition = models.CharField(
        _("revenue recognition"),
        max_length=20,
        choices=Recognition.choices,
        default=Recognition.AT_INVOICING,
    )
    # Ratable recognition: the months from start to end, both inclusive.
    service_start = models.DateField(_("service start"), null=True, blank=True)
    service_end = models.DateField(_("service end"), null=True, blank=True)
    # Recognition at milestone: earned when this milestone is accepted.
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("milestone"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lines",
    )
    # Null: the product's account, else the chart's revenue account.
    revenue_account = models.ForeignKey(
        "ledger.Account",
        verbose_name=_("revenue account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Derived balances: the line's net amount billed so far, the net credit notes took
    # back from it (decision 041), and its revenue earned.
    invoiced = money_field(_("invoiced"), default=0)
    credited = money_field(_("credited"), default=0)
    recognised = money_field(_("revenue recognised"), default=0)

    class Meta:
        verbose_name = _("contract line")
        verbose_name_plural = _("contract lines")
        ordering = ["contract_id", "position"]

    def __str__(self) -> str:
        return self.description


class PlanItem(models.Model):
    """One installment of the payment plan (回款计划): billed as one invoice when due."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="plan")
    sequence = models.PositiveSmallIntegerField(_("installment"))
    label = models.CharField(_("label"), max_length=100, blank=True)
    # As typed: a percent of the total, or a fixed amount.  `amount` is what it gives.
    percent = percent_field(_("percent"), null=True, blank=True)
    amount = money_field(_("amount"))
    due_rule = models.CharField(_("due rule"), max_length=20, choices=PlanDueRule.choices)
    due_days = models.PositiveSmallIntegerField(_("days"), default=0)
    fixed_date = models.DateField(_("fixed date"), null=True, blank=True)
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("milestone"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plan_items",
    )
    # Known once the rule can tell it (at activation, or at the milestone's acceptance).
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    discount_percent = models.DecimalField(
        _("early-payment discount %"), max_digits=5, decimal_places=2, default=0
    )
    discount_days = models.PositiveSmallIntegerField(_("discount days"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=PlanItemStatus.choices, default=PlanItemStatus.SCHEDULED
    )
    invoice = models.OneToOneField(
        "receivables.Invoice",
        verbose_name=_("invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plan_item",
    )

    class Meta:
        verbose_name = _("payment plan installment")
        verbose_name_plural = _("payment plan installments")
        ordering = ["contract_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "sequence"], name="plan_item_sequence_once")
        ]
        indexes = [
            # The daily billing run reads only scheduled items that are due.
            models.Index(
                fields=["due_date"],
                condition=models.Q(status="scheduled"),
                name="plan_item_to_bill",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract} / {self.sequence}"


class RevenueRecognition(models.Model):
    """Revenue of one contract line earned in one month, moved from deferred to revenue."""

    line = models.ForeignKey(ContractLine, on_delete=models.PROTECT, related_name="recognitions")
    period = models.DateField(_("month"), help_text=_("First day of the month."))
    amount = money_field(_("amount"))
    base_amount = money_field(_("amount in base currency"))
    journal_entry = models.ForeignKey(
        "ledger.JournalEntry", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("revenue recognition")
        verbose_name_plural = _("revenue recognitions")
        ordering = ["period", "line_id"]
        constraints = [
            models.UniqueConstraint(fields=["line", "period"], name="recognition_once_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.line} {self.period:%Y-%m}"


class LineCredit(models.Model):
    """A contract line's part of a credit note against one of the contract's invoices.

    `net` and `tax` are what the credit note reverses of the line; of the net, `reversed`
    is the revenue already recognised that it takes back (debited to the revenue account,
    `base_reversed` in base currency), the rest is debited where the invoice credited it
    (合同负债 for a deferred line).  A line recognised at invoicing reverses its whole net.
    """

    credit_note = models.ForeignKey(
        "receivables.CreditNote", on_delete=models.PROTECT, related_name="contract_credits"
    )
    line = models.ForeignKey(ContractLine, on_delete=models.PROTECT, related_name="credits")
    net = money_field(_("net amount"))
    tax = money_field(_("tax"))
    reversed = money_field(_("revenue reversed"))
    base_reversed = money_field(_("revenue reversed in base currency"))

    class Meta:
        verbose_name = _("contract line credit")
        verbose_name_plural = _("contract line credits")
        ordering = ["credit_note_id", "line_id"]

    def __str__(self) -> str:
        return f"{self.credit_note_id} {self.line}: {self.net}"


class Amendment(models.Model):
    """A change to an active contract (变更): approved, then applied; before/after kept."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="amendments")
    number = models.PositiveSmallIntegerField(_("amendment"))
    status = models.CharField(
        _("status"), max_length=20, choices=AmendmentStatus.choices, default=AmendmentStatus.DRAFT
    )
    reason = models.CharField(_("reason"), max_length=500)
    # The contract's lines, plan, dates and total before and as proposed (plain JSON).
    before = models.JSONField(_("before"), default=dict)
    after = models.JSONField(_("after"), default=dict)
    approval_request = models.ForeignKey(
        "approvals.ApprovalRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["contract_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="amendment_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.contract} / {self.number}"

    @property
    def audit_subject(self) -> Contract:
        return self.contract


class KeyDateReminder(models.Model):
    """A reminder sent: one row per key date, date and user, so the daily run sends once."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="+")
    # e.g. "plan:12", "milestone:4", "end", "renewal".
    key = models.CharField(_("key date"), max_length=40)
    date = models.DateField(_("date"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("key-date reminder")
        verbose_name_plural = _("key-date reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "key", "date", "user"], name="key_date_reminded_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract} {self.key} {self.date}"
