"""Forms of the treasury pages: a rate, a budget cell, a budget workbook, a planned item."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cashloop.treasury.choices import Frequency
from cashloop.treasury.models import BudgetCategory
from cashloop.web.forms import amount_field, date_input


class RateForm(forms.Form):
    currency = forms.CharField(
        label=_("Currency"), max_length=3, widget=forms.TextInput(attrs={"size": 3})
    )
    date = forms.DateField(label=_("Date"), widget=date_input())
    rate = forms.DecimalField(
        label=_("Rate"),
        max_digits=18,
        decimal_places=8,
        help_text=_("Units of base currency for one unit of the currency."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class BudgetCellForm(forms.Form):
    category_id = forms.IntegerField(widget=forms.HiddenInput)
    month = forms.DateField(widget=forms.HiddenInput)
    amount = amount_field(_("Amount"))


class BudgetImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel workbook (.xlsx)"),
        help_text=_(
            "First row: months (2026-01 or Excel dates). Then one row per category, by code"
            " or name, with an amount per month. Nothing is imported unless every cell is"
            " valid."
        ),
    )


class PlannedItemForm(forms.Form):
    category_id = forms.TypedChoiceField(label=_("Category"), coerce=int)
    description = forms.CharField(label=_("Description"), max_length=200)
    amount = amount_field(_("Amount"))
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices)
    first_date = forms.DateField(label=_("First date"), widget=date_input())
    end_date = forms.DateField(label=_("End date"), widget=date_input(), required=False)

    def __init__(self, *args: Any, categories: list[BudgetCategory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category_id"].choices = [(c.pk, c.name) for c in categories]
