"""Approval flows, their versions, requests with their tasks and action log, delegations,
and the two built-in documents (expense claims 费用报销, work plans 工作计划).

A flow's rules live in versions: saving a flow adds a version, and a request pins the
version it started on, so editing a flow never changes requests in progress.  A request
holds one document (any registered type, by key and id); its tasks are the approvers'
to-dos of the current step; every action on it is one `ApprovalAction` row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cashloop.approvals.choices import (
    ActionKind,
    DocumentStatus,
    ExpenseCategory,
    RequestStatus,
    TaskStatus,
)
from cashloop.core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, format_money
from cashloop.core.scoping import ScopedQuerySet

USER = settings.AUTH_USER_MODEL


class ApprovalFlow(models.Model):
    document_type = models.CharField(_("document type"), max_length=60, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    # Lower runs first: the first active flow whose conditions match a document wins.
    priority = models.PositiveIntegerField(_("priority"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    current_version = models.ForeignKey(
        "ApprovalFlowVersion",
        verbose_name=_("current version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("approval flow")
        verbose_name_plural = _("approval flows")
        ordering = ["document_type", "priority", "pk"]

    def __str__(self) -> str:
        return self.name


class ApprovalFlowVersion(models.Model):
    flow = models.ForeignKey(ApprovalFlow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    # {"all": [...]} / {"any": [...]} with leaves {"field", "op", "value"}; {} matches all.
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    # [{"approvers": [{"kind", "value"}], "rule": "any"|"all", "deadline_hours": int}]
    steps = models.JSONField(_("steps"), default=list)
    allow_self_approval = models.BooleanField(_("submitter may approve"), default=False)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("approval flow version")
        verbose_name_plural = _("approval flow versions")
        ordering = ["flow", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["flow", "number"], name="approvals_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.flow} v{self.number}"


class ApprovalRequest(models.Model):
    document_type = models.CharField(_("document type"), max_length=60)
    document_id = models.CharField(pgettext_lazy("approval", "document"), max_length=40)
    summary = models.CharField(_("summary"), max_length=300)
    flow_version = models.ForeignKey(
        ApprovalFlowVersion, verbose_name=_("flow"), on_delete=models.PROTECT, related_name="+"
    )
    # What the conditions saw when the request started; later edits do not change it.
    values = models.JSONField(_("values"), default=dict)
    submitter = models.ForeignKey(
        USER, verbose_name=_("submitter"), on_delete=models.PROTECT, related_name="+"
    )
    submitter_team = models.ForeignKey(
        "identity.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    step = models.PositiveSmallIntegerField(_("step"), default=0)  # index into the steps
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["document_type", "document_id"])]

    def __str__(self) -> str:
        return self.summary

    @property
    def is_open(self) -> bool:
        return self.status in (RequestStatus.PENDING, RequestStatus.RETURNED)


class ApprovalTask(models.Model):
    """One approver's to-do on one step of a request."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="tasks")
    step = models.PositiveSmallIntegerField(_("step"))
    approver = models.ForeignKey(
        USER, verbose_name=_("approver"), on_delete=models.PROTECT, related_name="+"
    )
    # Set when the task reached `approver` through a delegation or an escalation.
    on_behalf_of = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("approval task")
        verbose_name_plural = _("approval tasks")
        ordering = ["request", "step", "pk"]
        indexes = [models.Index(fields=["approver", "status"])]

    def __str__(self) -> str:
        return f"{self.request} / {self.approver}"


class ApprovalAction(models.Model):
    """The log of a request: who did what, when, on which step, with which comment."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("action"), max_length=20, choices=ActionKind.choices)
    step = models.PositiveSmallIntegerField(_("step"))
    actor = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("approval action")
        verbose_name_plural = _("approval actions")
        ordering = ["request", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.request}"


class Delegation(models.Model):
    """While `user` is away (start to end, inclusive), `delegate` acts for them."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="delegations")
    delegate = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    start = models.DateField(_("from"))
    end = models.DateField(_("until"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-start", "pk"]

    def __str__(self) -> str:
        return f"{self.user} → {self.delegate}"


class ApprovalDocument(models.Model):
    """What the built-in documents share: who submitted them, their team, their state."""

    submitter = models.ForeignKey(
        USER, verbose_name=_("submitter"), on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "identity.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    scope_owner_field = "submitter"
    scope_team_field = "team"

    class Meta:
        abstract = True


class ExpenseClaim(ApprovalDocument):
    date = models.DateField(_("date"))
    category = models.CharField(_("category"), max_length=20, choices=ExpenseCategory.choices)
    amount = models.DecimalField(
        _("amount"), max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("expense claim")
        verbose_name_plural = _("expense claims")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {format_money(self.amount, self.currency)}"


class WorkPlan(ApprovalDocument):
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"))

    class Meta:
        verbose_name = _("work plan")
        verbose_name_plural = _("work plans")
        ordering = ["-period_start", "-pk"]

    def __str__(self) -> str:
        return self.title
