"""Choices of receivables."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")
    WRITTEN_OFF = "written_off", _("Written off")
    CANCELLED = "cancelled", _("Cancelled")


class DueRule(models.TextChoices):
    DAYS_AFTER = "days_after", _("N days after the invoice date")
    END_OF_MONTH = "end_of_month", _("End of month + N days")
    FIXED_DATE = "fixed_date", _("Fixed date")


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    CHEQUE = "cheque", _("Cheque")
    ACCEPTANCE = "acceptance", _("Bank acceptance bill")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    OTHER = "other", _("Other")


class OpenItemKind(models.TextChoices):
    ALLOCATION = "allocation", _("Payment applied")
    UNALLOCATION = "unallocation", _("Payment un-applied")
