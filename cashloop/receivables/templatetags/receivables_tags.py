"""Template helpers of receivables: decimals for people."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def plain(value: Decimal | None) -> str:
    """A quantity, rate or percentage without trailing zeros: 7.20000000 -> 7.2."""
    if value is None or value == "":
        return ""
    return format(Decimal(value).normalize(), "f")


@register.filter
def percent(value: Decimal | None) -> str:
    """A tax rate kept as a fraction, for people: 0.13 -> 13%."""
    if value is None or value == "":
        return ""
    return f"{(Decimal(value) * 100).normalize():f}%"
