"""Choices of approvals."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    RETURNED = "returned", _("Returned to submitter")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Waiting")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned")
    ESCALATED = "escalated", _("Escalated")
    CANCELLED = "cancelled", _("No longer needed")


class ActionKind(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    APPROVE = "approve", _("Approved")
    REJECT = "reject", _("Rejected")
    RETURN = "return", _("Returned")
    RESUBMIT = "resubmit", _("Submitted again")
    WITHDRAW = "withdraw", _("Withdrawn")
    REMIND = "remind", _("Reminded")
    ESCALATE = "escalate", _("Escalated")


class ApproverKind(models.TextChoices):
    ROLE = "role", _("Everyone with a role")
    MANAGER = "manager", _("Submitter's manager")
    TEAM_LEAD = "team_lead", _("Submitter's team lead (one level up)")
    USER = "user", _("A named user")


class StepRule(models.TextChoices):
    ANY = "any", _("Any one of them")
    ALL = "all", _("All of them")


class DocumentStatus(models.TextChoices):
    """Life of the built-in documents (expense claims, work plans)."""

    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ExpenseCategory(models.TextChoices):
    TRAVEL = "travel", _("Travel")
    MEALS = "meals", _("Meals and entertainment")
    OFFICE = "office", _("Office supplies")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other")
