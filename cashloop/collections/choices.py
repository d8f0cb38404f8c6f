"""Choices of collections."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
