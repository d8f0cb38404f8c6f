"""Template helpers of the page shell: audit rows in people's words."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist

from cashloop.core.models import AuditEntry
from cashloop.core.money import base_currency, format_money

register = template.Library()


@register.simple_tag
def audit_field_label(entry: AuditEntry, field: str) -> str:
    """The translated label of a recorded field ("name" -> "名称"), or its code if gone."""
    model = ContentType.objects.get_for_id(entry.object_type_id).model_class()
    try:
        return str(model._meta.get_field(field).verbose_name) if model else field
    except FieldDoesNotExist:
        return field


@register.simple_tag
def audit_object_label(entry: AuditEntry) -> str:
    """For a row about a child record (a contact), its type and name; empty for the subject."""
    if entry.object_type_id == entry.subject_type_id and entry.object_id == entry.subject_id:
        return ""
    model = ContentType.objects.get_for_id(entry.object_type_id).model_class()
    kind = str(model._meta.verbose_name) if model else ""
    return f"{kind} {entry.object_repr}".strip()


@register.filter
def money(amount: Decimal | None, currency: str = "") -> str:
    """An amount for people in the active language (¥1,130.00); empty for no amount.

    Without a currency the base currency is meant (`{{ line.base_amount|money }}`).
    """
    if amount is None or amount == "":
        return ""
    return format_money(amount, currency or base_currency())
