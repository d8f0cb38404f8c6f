"""Forms of the treasury pages: a rate, a budget cell, a budget workbook, a planned item, a
scenario, the forecast's and customer value's settings, the fiscal year and the accounts of
a budget category."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.dates import MONTHS
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


class ScenarioForm(forms.Form):
    """A scenario's name and what it changes (`scenarios.ScenarioParams`); empty or zero
    fields change nothing.  The defaulting customer is typed by code."""

    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    delay_days = forms.IntegerField(
        label=_("Customers pay later by (days)"), required=False, initial=0
    )
    delay_group_id = forms.TypedChoiceField(
        label=_("… only this customer group"), coerce=int, required=False, empty_value=None
    )
    win_rate_change = forms.IntegerField(
        label=_("Win rate of deals changes by (%)"), required=False, initial=0
    )
    default_customer = forms.CharField(
        label=_("This customer defaults (code)"), max_length=40, required=False
    )
    discount_percent = forms.DecimalField(
        label=_("Early-payment discount offered (%)"),
        max_digits=5,
        decimal_places=2,
        required=False,
        initial=0,
    )
    discount_uptake = forms.IntegerField(
        label=_("… taken by this share of invoices (%)"), required=False, initial=0
    )
    discount_days = forms.IntegerField(
        label=_("… who pay this many days before the due date"), required=False, initial=20
    )
    discount_group_id = forms.TypedChoiceField(
        label=_("… offered to this customer group"), coerce=int, required=False, empty_value=None
    )
    planned_item_id = forms.TypedChoiceField(
        label=_("Move this planned item"), coerce=int, required=False, empty_value=None
    )
    planned_shift_days = forms.IntegerField(label=_("… by (days)"), required=False, initial=0)
    terms_score_below = forms.IntegerField(
        label=_("Tighten credit terms for customers scored below"), required=False
    )
    terms_days = forms.IntegerField(label=_("… to payment terms of at most (days)"), required=False)
    terms_lost_percent = forms.IntegerField(
        label=_("… losing this share of their deals (%)"), required=False, initial=0
    )

    def __init__(
        self,
        *args: Any,
        groups: list[tuple[int, str]],
        items: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        everyone = [("", _("Everyone"))]
        self.fields["delay_group_id"].choices = everyone + groups
        self.fields["discount_group_id"].choices = everyone + groups
        self.fields["planned_item_id"].choices = [("", "—"), *items]

    def parameters(self, customer_id: int | None) -> dict[str, Any]:
        """The cleaned fields as scenario parameters (zeros for the empty ones)."""
        data = self.cleaned_data
        return {
            "delay_days": data["delay_days"] or 0,
            "delay_group_id": data["delay_group_id"],
            "win_rate_change": data["win_rate_change"] or 0,
            "default_customer_id": customer_id,
            "discount_percent": float(data["discount_percent"] or 0),
            "discount_uptake": data["discount_uptake"] or 0,
            "discount_days": data["discount_days"] if data["discount_days"] is not None else 20,
            "discount_group_id": data["discount_group_id"],
            "planned_item_id": data["planned_item_id"],
            "planned_shift_days": data["planned_shift_days"] or 0,
            "terms_score_below": data["terms_score_below"],
            "terms_days": data["terms_days"],
            "terms_lost_percent": data["terms_lost_percent"] or 0,
        }


class ForecastSettingsForm(forms.Form):
    """The cash the forecast watches for: the minimum balance and when to alert."""

    minimum_balance = amount_field(_("Minimum balance"))
    minimum_currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        required=False,
        help_text=_("Empty: the base currency."),
        widget=forms.TextInput(attrs={"size": 3}),
    )
    shortfall_alert_percent = forms.IntegerField(
        label=_("Alert when the chance of going below it reaches (%)")
    )


class ValueSettingsForm(forms.Form):
    """What the customer value ranking charges for money tied up and for collecting it."""

    financing_rate_percent = forms.DecimalField(
        label=_("Financing rate (% a year)"), min_value=0, max_value=100, decimal_places=2
    )
    reminder_cost = amount_field(_("Cost of a dunning message"))
    contact_cost = amount_field(_("Cost of a collector's contact"))
    assumed_margin_percent = forms.DecimalField(
        label=_("Gross margin where the cost is not known (%)"),
        min_value=0,
        max_value=100,
        decimal_places=2,
    )


class FiscalYearForm(forms.Form):
    fiscal_year_start_month = forms.TypedChoiceField(
        label=_("The fiscal year starts in"), choices=sorted(MONTHS.items()), coerce=int
    )


class CategoryAccountsForm(forms.Form):
    account_codes = forms.CharField(
        label=_("Ledger accounts"),
        max_length=1000,
        required=False,
        help_text=_("Account codes, separated by commas or spaces."),
    )

    def codes(self) -> list[str]:
        return self.cleaned_data["account_codes"].replace(",", " ").split()
