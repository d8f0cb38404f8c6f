"""Choices of bank accounts, statement imports, statement lines and matching rules."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class StatementFormat(models.TextChoices):
    CAMT053 = "camt053", _("ISO 20022 camt.053 (statement)")
    CAMT054 = "camt054", _("ISO 20022 camt.054 (notification)")
    MT940 = "mt940", _("SWIFT MT940 (statement)")
    MT942 = "mt942", _("SWIFT MT942 (interim report)")
    OFX = "ofx", _("OFX")
    CSV = "csv", _("CSV with a column mapping")
    EXCEL = "excel", _("Excel (.xlsx, .xls) with a column mapping")
    API = "api", _("Posted through the API")


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("Preview, not imported")
    IMPORTED = "imported", _("Imported")
    DISCARDED = "discarded", _("Discarded")


class LineStatus(models.TextChoices):
    """Where a statement line is on its way to being recognised (认款)."""

    UNMATCHED = "unmatched", _("Not recognised")
    SUGGESTED = "suggested", _("Suggestion waiting")
    MATCHED = "matched", pgettext_lazy("statement line", "Recognised")
    EXCLUDED = "excluded", _("Not a customer payment")
    OUTGOING = "outgoing", _("Money out")


class RuleAction(models.TextChoices):
    ASSIGN_CUSTOMER = "assign_customer", _("Assign to a customer")
    PROPOSE = "propose", _("Propose invoices")
    WRITE_OFF = "write_off", _("Write off a difference")
    EXCLUDE = "exclude", _("Not a customer payment: post to an account")
