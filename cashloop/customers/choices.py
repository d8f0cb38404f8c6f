"""Choices of customers."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    # Folded into another customer (decision 026): kept for its history, hidden elsewhere.
    MERGED = "merged", _("Merged")


class InteractionKind(models.TextChoices):
    CALL = "call", _("Call")
    VISIT = "visit", _("Visit")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    NOTE = "note", _("Note")


class PoolEventKind(models.TextChoices):
    """How a customer entered or left the public pool (公海)."""

    RETURNED = "returned", _("Returned to the pool")
    RELEASED = "released", _("Released to the pool")
    CLAIMED = "claimed", _("Claimed from the pool")
    ASSIGNED = "assigned", _("Assigned from the pool")
