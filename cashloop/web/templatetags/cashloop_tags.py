"""Template helpers of the page shell: audit rows in people's words."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Field
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.timezone import localtime

from cashloop.core.models import AuditEntry
from cashloop.core.money import base_currency, format_money

register = template.Library()


@register.simple_tag
def audit_field_label(entry: AuditEntry, field: str) -> str:
    """The translated label of a recorded field ("name" -> "名称"), or its code if gone."""
    found = _audit_field(entry, field)
    return str(found.verbose_name) if found is not None else field


def _audit_field(entry: AuditEntry, name: str) -> Field | None:
    model = ContentType.objects.get_for_id(entry.object_type_id).model_class()
    try:
        return model._meta.get_field(name) if model else None  # type: ignore[return-value]
    except FieldDoesNotExist:
        return None


@register.simple_tag
def audit_value(entry: AuditEntry, name: str, value: Any) -> Any:
    """A recorded value as people read it: a choice's label, a moment in local time, a
    number without the storage's trailing zeros (but with cents); ∅ for none."""
    if value is None or value == "":
        return "∅"
    field = _audit_field(entry, name)
    if field is not None and field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(str(value))
        return date_format(localtime(moment), "Y-m-d H:i") if moment else value
    if isinstance(field, models.DecimalField):
        try:
            number = Decimal(str(value)).normalize()
        except InvalidOperation:
            return value
        places = -number.as_tuple().exponent  # type: ignore[operator]
        return f"{number.quantize(Decimal('0.01')) if places < 2 else number:f}"
    return value


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
