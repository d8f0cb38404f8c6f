"""Choices of collections."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ExclusionReason(models.TextChoices):
    """Why an invoice (or a whole customer) is left out of dunning for a while."""

    DISPUTE = "dispute", _("Disputed")
    PAYMENT_PLAN = "payment_plan", _("Payment plan agreed")
    KEY_ACCOUNT = "key_account", _("Key account")
    OTHER = "other", _("Other")


class Language(models.TextChoices):
    """The language a customer's reminders are written in."""

    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class ActivityOutcome(models.TextChoices):
    """What came of a collector's call, visit or email."""

    REACHED = "reached", pgettext_lazy("collection outcome", "Reached")
    NO_ANSWER = "no_answer", _("No answer")
    DISPUTED = "disputed", _("Disputed")
    PROMISED = "promised", _("Promised to pay")


class PromiseStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("promise to pay", "Open")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")
    CANCELLED = "cancelled", _("Cancelled")


class DisputeReason(models.TextChoices):
    PRICE = "price", _("Price")
    QUANTITY = "quantity", _("Quantity")
    QUALITY = "quality", _("Quality")
    NOT_DELIVERED = "not_delivered", _("Not delivered")
    DUPLICATE = "duplicate", _("Billed twice")
    OTHER = "other", _("Other")


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CREDIT_PENDING = "credit_pending", _("Credit note awaiting approval")
    CREDITED = "credited", _("Resolved by a credit note")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TaskKind(models.TextChoices):
    """What a collection task asks the collector to do."""

    DUNNING = "dunning", _("Dunning follow-up")
    CALL = "call", _("Phone call")
    SMS = "sms", _("Text message")
    FOLLOW_UP = "follow_up", _("Follow-up")
    ESCALATION = "escalation", _("Escalation")


class ChargeKind(models.TextChoices):
    FEE = "fee", _("Dunning fee")
    INTEREST = "interest", _("Late payment interest")


class ChargeStatus(models.TextChoices):
    PENDING = "pending", _("Accrued, not booked")
    INVOICED = "invoiced", _("Invoiced")
    WAIVED = "waived", _("Waived")


class ChargeBooking(models.TextChoices):
    """When dunning fees and interest become receivables (an admin choice per policy)."""

    ON_RUN = "on_run", _("When the dunning run charges them")
    ON_PAYMENT = "on_payment", _("Only when the customer pays")
