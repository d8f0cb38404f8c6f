"""Choices of custom fields: the object types that carry them and the kinds of value."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ObjectType(models.TextChoices):
    CUSTOMER = "customers.customer", _("Customers")
    CONTACT = "customers.contact", _("Contacts")
    LEAD = "sales.lead", _("Leads")
    OPPORTUNITY = "sales.opportunity", _("Opportunities")
    INVOICE = "receivables.invoice", _("Invoices")
    CONTRACT = "contracts.contract", _("Contracts")


class FieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number (integer)")
    DECIMAL = "decimal", _("Decimal")
    MONEY = "money", _("Money")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Single choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    YES_NO = "yes_no", _("Yes/no")
    USER = "user", _("User")


CHOICE_KINDS = frozenset({FieldKind.CHOICE, FieldKind.MULTI_CHOICE})
TEXT_KINDS = frozenset({FieldKind.TEXT, FieldKind.LONG_TEXT})
# Kinds whose min/max bound the value (a money field bounds its amount).
RANGE_KINDS = frozenset({FieldKind.NUMBER, FieldKind.DECIMAL, FieldKind.MONEY, FieldKind.DATE})
# Kinds a list filters by equality (`?cf_<key>=value`); the others by range.
EQUALITY_KINDS = frozenset(
    {FieldKind.TEXT, FieldKind.CHOICE, FieldKind.MULTI_CHOICE, FieldKind.YES_NO, FieldKind.USER}
)
