"""Choices of the ledger: account types, account roles, posting reasons, period states."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AccountType(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    EQUITY = "equity", _("Equity")
    REVENUE = "revenue", _("Revenue")
    EXPENSE = "expense", _("Expense")


class AccountRole(models.TextChoices):
    """What services look accounts up by, so that finance may renumber the chart freely."""

    BANK = "bank", _("Bank deposits")
    AR = "ar", _("Accounts receivable")
    ADVANCE = "advance", _("Advances from customers")
    DEFERRED_REVENUE = "deferred_revenue", _("Contract liabilities (deferred revenue)")
    REVENUE = "revenue", _("Revenue")
    VAT_OUTPUT = "vat_output", _("Output VAT")
    FX = "fx", _("Exchange gains and losses")
    DISCOUNT = "discount", _("Cash discounts given")
    ROUNDING = "rounding", _("Small differences written off")
    CREDIT_LOSS = "credit_loss", _("Credit impairment losses")
    BAD_DEBT_ALLOWANCE = "bad_debt_allowance", _("Allowance for bad debts")
    OPENING = "opening", _("Opening balances")


class PostingReason(models.TextChoices):
    INVOICE_ISSUE = "invoice_issue", _("Invoice issued")
    CREDIT_NOTE = "credit_note", _("Credit note")
    PAYMENT = "payment", _("Payment received")
    REFUND = "refund", _("Refund")
    ALLOCATION = "allocation", _("Allocation")
    WRITE_OFF = "write_off", _("Write-off")
    FX_DIFFERENCE = "fx_difference", _("Exchange difference")
    DISCOUNT = "discount", _("Early-payment discount")
    OPENING_BALANCE = "opening_balance", _("Opening balance")
    REVERSAL = "reversal", _("Reversal")
    MANUAL = "manual", _("Manual entry")
    CUSTOMER_MERGE = "customer_merge", _("Customers merged")
    REVENUE_RECOGNITION = "revenue_recognition", _("Revenue recognised")


class PeriodStatus(models.TextChoices):
    # "Open" and "Closed" of a month's books (结账) differ from those of a deal.
    OPEN = "open", pgettext_lazy("accounting period", "Open")
    CLOSED = "closed", pgettext_lazy("accounting period", "Closed")
