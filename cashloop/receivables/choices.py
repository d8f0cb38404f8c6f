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


class InvoiceOrigin(models.TextChoices):
    """Where an invoice came from: a contract's payment plan, a sale outside any contract,
    or the old system's open items, migrated as opening balances (decision 066)."""

    CONTRACT = "contract", _("Contract")
    NON_CONTRACT = "non_contract", _("Non-contract sale")
    OPENING = "opening", _("Opening balance")


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
    """What a row against an installment is: + reduces its residual, - restores it."""

    ALLOCATION = "allocation", _("Payment applied")
    CREDIT = "credit", _("Credit note applied")
    WRITE_OFF = "write_off", _("Write-off")
    DISCOUNT = "discount", _("Early-payment discount")
    UNALLOCATION = "unallocation", _("Un-applied")


class WriteOffKind(models.TextChoices):
    SMALL_RESIDUAL = "small_residual", _("Small residual")
    BAD_DEBT = "bad_debt", _("Bad debt")


class HeldPostingKind(models.TextChoices):
    WRITE_OFF = "write_off", _("Bad-debt write-off")
    CREDIT_NOTE = "credit_note", _("Credit note")
    NON_CONTRACT_SALE = "non_contract_sale", _("Non-contract sale")


class HoldStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    POSTED = "posted", _("Approved and posted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
