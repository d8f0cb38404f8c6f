"""The events a subscriber may ask for, and a delivery's states."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# name -> what it says; the payloads are documented in docs/webhooks.md.
EVENTS = {
    "invoice.issued": _("An invoice was issued"),
    "invoice.overdue": _("An installment of an invoice fell overdue"),
    "payment.received": _("A payment was recorded"),
    "payment.matched": _("A payment was applied to an invoice"),
    "contract.activated": _("A contract was activated"),
    "customer.credit_hold": _("A customer was put on credit hold"),
    "approval.decided": _("An approval request was decided"),
}


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
