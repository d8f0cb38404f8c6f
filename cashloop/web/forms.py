"""Helpers shared by every page form: domain errors shown in the form, not as a crash, and
the fields every money form has (dates, amounts, currency, exchange rate)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import DomainError


def form_add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Put a service's refusal into the form: on its fields when it names them."""
    details = error.details or {}
    placed = False
    for field, messages in details.items():
        if field in form.fields and isinstance(messages, list):
            for message in messages:
                form.add_error(field, str(message))
            placed = True
    field = details.get("field")
    if not placed and isinstance(field, str) and field in form.fields:
        form.add_error(field, error.message)
        placed = True
    if not placed:
        form.add_error(None, f"{error.message} ({error.code.code})")


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def amount_field(label: Any, **kwargs: Any) -> forms.DecimalField:
    """An amount as typed; the service refuses more decimals than the currency has."""
    return forms.DecimalField(
        label=label,
        max_digits=19,
        decimal_places=4,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "num"}),
        **kwargs,
    )


def currency_field() -> forms.CharField:
    return forms.CharField(
        label=_("Currency"),
        max_length=3,
        required=False,
        help_text=_("Empty: the customer's currency."),
        widget=forms.TextInput(attrs={"size": 3, "placeholder": "CNY"}),
    )


def rate_field() -> forms.DecimalField:
    return forms.DecimalField(
        label=_("Exchange rate"),
        max_digits=18,
        decimal_places=8,
        required=False,
        help_text=_("Foreign currency only: units of base currency for one unit."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
