"""Figures for report tables: amounts without a currency sign, in the active language."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from django import template
from django.conf import settings
from django.utils import translation

from cashloop.core.money import minor_unit_exponent, quantize

register = template.Library()


def _locale() -> str:
    code = (translation.get_language() or settings.LANGUAGE_CODE).replace("-", "_")
    return "zh_Hans_CN" if code.lower() == "zh_hans" else code


@register.filter
def amount(value: Decimal | None, currency: str) -> str:
    """`Decimal("1600.01")`, "CNY" -> "1,600.01" (the currency is in its own column)."""
    if value is None or value == "":
        return ""
    digits = minor_unit_exponent(currency)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(quantize(value, currency), format=pattern, locale=_locale())
