"""Choices of credit control: why a hold was placed, what a risk signal is, its weight."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HoldSource(models.TextChoices):
    MANUAL = "manual", _("Set by hand")
    LIMIT = "limit", _("Over the credit limit")
    OVERDUE = "overdue", _("Overdue receivables")
    DUNNING = "dunning", _("Dunning level")
    SIGNAL = "signal", _("Risk signal")


# Holds the system places when a measured cause appears, and lifts when it clears.
AUTOMATIC_SOURCES = (HoldSource.LIMIT, HoldSource.OVERDUE)


class LimitChangeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPLIED = "applied", _("Applied")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class SignalKind(models.TextChoices):
    REGISTRATION = "registration", _("Business registration change")
    LAWSUIT = "lawsuit", _("Lawsuit")
    ENFORCEMENT = "enforcement", _("Court enforcement")
    FINANCIAL = "financial", _("Financial anomaly")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
