"""Choices of the catalog and quotes."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProductKind(models.TextChoices):
    PRODUCT = "product", pgettext_lazy("catalog", "Product")
    SERVICE = "service", pgettext_lazy("catalog", "Service")


class Recognition(models.TextChoices):
    """When a contract line's revenue is earned (copied from the product to the line)."""

    AT_INVOICING = "at_invoicing", _("At invoicing")
    AT_MILESTONE = "at_milestone", _("At milestone acceptance")
    RATABLY = "ratably", _("Ratably over the service period")


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("quote", "Draft")
    PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
    APPROVED = "approved", pgettext_lazy("quote", "Approved")
    SENT = "sent", pgettext_lazy("quote", "Sent")
    ACCEPTED = "accepted", pgettext_lazy("quote", "Accepted")
    REJECTED = "rejected", pgettext_lazy("quote", "Rejected")
    EXPIRED = "expired", pgettext_lazy("quote", "Expired")
    SUPERSEDED = "superseded", _("Superseded by a later version")
