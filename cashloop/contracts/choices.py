"""Choices of contracts, their payment plans, milestones and amendments."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ContractStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("contract", "Draft")
    PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
    ACTIVE = "active", pgettext_lazy("contract", "Active")
    COMPLETED = "completed", pgettext_lazy("contract", "Completed")
    TERMINATED = "terminated", pgettext_lazy("contract", "Terminated")
    EXPIRED = "expired", pgettext_lazy("contract", "Expired")


class PlanDueRule(models.TextChoices):
    """When an installment of the payment plan falls due."""

    ON_SIGNING = "on_signing", _("Signing date + N days")
    ON_MILESTONE = "on_milestone", _("Milestone acceptance + N days")
    FIXED_DATE = "fixed_date", _("Fixed date")
    END_OF_MONTH = "end_of_month", _("End of the signing month + N days")


class PlanItemStatus(models.TextChoices):
    # Waiting for its milestone: no due date yet.
    WAITING = "waiting", _("Waiting for milestone")
    SCHEDULED = "scheduled", _("Scheduled")
    INVOICED = "invoiced", pgettext_lazy("installment", "Invoiced")
    # Billed by the system a company migrated from, never by Cashloop (decision 068); its
    # invoice, when still open then, is the migrated one.
    BILLED_BEFORE = "billed_before", _("Billed before migration")
    CANCELLED = "cancelled", pgettext_lazy("installment", "Cancelled")


class MilestoneKind(models.TextChoices):
    DELIVERY = "delivery", _("Delivery")
    ACCEPTANCE = "acceptance", _("Acceptance")


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("milestone", "Planned")
    DELIVERED = "delivered", pgettext_lazy("milestone", "Delivered")
    ACCEPTED = "accepted", pgettext_lazy("milestone", "Accepted")


class AmendmentStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("amendment", "Draft")
    PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
    APPLIED = "applied", pgettext_lazy("amendment", "Applied")
    REJECTED = "rejected", pgettext_lazy("amendment", "Rejected")
    WITHDRAWN = "withdrawn", pgettext_lazy("amendment", "Withdrawn")
