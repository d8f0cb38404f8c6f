"""Page forms of CPQ; saving always goes through the services.

The forms check shapes only (a number is a number, a date a date); every rule about
prices, discounts and quotes is the services' to decide, and their refusals are shown in
the form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from cashloop.contracts.forms import PlanItemForm
from cashloop.cpq.choices import ProductKind, Recognition
from cashloop.cpq.models import Product, ProductFamily
from cashloop.customers.models import CustomerGroup
from cashloop.receivables.forms import TAX_RATE_CHOICES
from cashloop.web.forms import amount_field, currency_field, date_input

LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]


def _quantity_field(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=14,
        decimal_places=4,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "num", "size": 6}),
        **kwargs,
    )


def _percent_field(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=5,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "num", "size": 5}),
        **kwargs,
    )


class QuoteNewForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None, required=False)
    lead = forms.ModelChoiceField(
        label=_("Lead"),
        queryset=None,
        required=False,
        help_text=_("Or quote a lead that is not a customer yet."),
    )
    currency = currency_field()
    quote_date = forms.DateField(label=_("Quote date"), widget=date_input())
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=date_input(),
        help_text=_("Empty: 30 days after the quote date."),
    )
    language = forms.ChoiceField(label=_("Language of the quote"), choices=LANGUAGES)

    def __init__(self, *args: Any, customers: Any, leads: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers  # type: ignore[attr-defined]
        self.fields["lead"].queryset = leads  # type: ignore[attr-defined]


class QuoteHeaderForm(forms.Form):
    valid_until = forms.DateField(label=_("Valid until"), widget=date_input())
    language = forms.ChoiceField(label=_("Language of the quote"), choices=LANGUAGES)
    terms = forms.CharField(
        label=_("Terms"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class QuotePlanItemForm(PlanItemForm):
    """An installment of the quote's proposed plan: the contract's plan row, except that a
    quote names its milestone (the contract drafted from it creates the milestone)."""

    milestone = forms.CharField(label=_("Milestone"), max_length=200, required=False)  # type: ignore[assignment]

    def to_plan(self) -> dict[str, Any]:
        """The installment as `payment_plan_clean` takes it."""
        data = self.cleaned_data

        def text(value: Any) -> str | None:
            return None if value is None else str(value)

        return {
            "label": data["label"],
            "percent": text(data.get("percent")),
            "amount": text(data.get("amount")),
            "due_rule": data["due_rule"],
            "due_days": data.get("due_days") or 0,
            "fixed_date": text(data.get("fixed_date")),
            "milestone": data.get("milestone") or "",
            "discount_percent": text(data.get("discount_percent") or 0),
            "discount_days": data.get("discount_days") or 0,
        }


QuotePlanFormSet = formset_factory(
    QuotePlanItemForm, extra=0, can_delete=True, max_num=120, absolute_max=120
)


class ProductForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=ProductKind.choices)
    family_id = forms.TypedChoiceField(
        label=_("Product family"), coerce=int, empty_value=None, required=False
    )
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    tax_rate = forms.ChoiceField(label=_("Tax rate"), choices=TAX_RATE_CHOICES)
    standard_cost = forms.DecimalField(
        label=_("Standard cost"),
        required=False,
        max_digits=19,
        decimal_places=4,
        help_text=_("Per unit, in the base currency; empty when not known."),
    )
    recognition = forms.ChoiceField(label=_("Revenue recognition"), choices=Recognition.choices)
    is_bundle = forms.BooleanField(label=_("Bundle"), required=False)
    components_priced = forms.BooleanField(
        label=_("Components priced separately"),
        required=False,
        help_text=_("Otherwise the bundle carries the price and its components none."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        families = [("", "—"), *((f.pk, str(f)) for f in ProductFamily.objects.order_by("code"))]
        self.fields["family_id"].choices = families  # type: ignore[attr-defined]


class ComponentForm(forms.Form):
    product_id = forms.TypedChoiceField(
        label=_("Component"), coerce=int, empty_value=None, required=False
    )
    quantity = _quantity_field(_("Quantity"), required=False, initial=1)
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parts = Product.objects.filter(is_bundle=False).order_by("code")
        self.fields["product_id"].choices = [("", "—"), *((p.pk, str(p)) for p in parts)]  # type: ignore[attr-defined]


ComponentFormSet = formset_factory(ComponentForm, extra=3)


class PriceBookForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="CNY")
    customer_group_id = forms.TypedChoiceField(
        label=_("Customer group"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Empty: for every customer."),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=date_input())
    valid_until = forms.DateField(label=_("Valid until"), widget=date_input(), required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups = [("", "—"), *((g.pk, str(g)) for g in CustomerGroup.objects.order_by("code"))]
        self.fields["customer_group_id"].choices = groups  # type: ignore[attr-defined]


class PriceForm(forms.Form):
    product_id = forms.TypedChoiceField(
        label=_("Product"), coerce=int, empty_value=None, required=False
    )
    min_quantity = _quantity_field(_("From quantity"), required=False, initial=1)
    unit_price = amount_field(_("Unit price"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        products = Product.objects.order_by("code")
        self.fields["product_id"].choices = [("", "—"), *((p.pk, str(p)) for p in products)]  # type: ignore[attr-defined]


PriceFormSet = formset_factory(PriceForm, extra=3)


class FamilyForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=30)
    name = forms.CharField(label=_("Name"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    parent_id = forms.TypedChoiceField(
        label=_("Parent family"), coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        families = [("", "—"), *((f.pk, str(f)) for f in ProductFamily.objects.order_by("code"))]
        self.fields["parent_id"].choices = families  # type: ignore[attr-defined]


class CustomerGroupForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=30)
    name = forms.CharField(label=_("Name"), max_length=100)


class DiscountRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    priority = forms.IntegerField(
        label=_("Priority"),
        min_value=0,
        max_value=32767,
        initial=100,
        help_text=_("The lowest number wins when several rules match."),
    )
    family_id = forms.TypedChoiceField(
        label=_("Product family"), coerce=int, empty_value=None, required=False
    )
    customer_group_id = forms.TypedChoiceField(
        label=_("Customer group"), coerce=int, empty_value=None, required=False
    )
    min_quantity = _quantity_field(_("From quantity"), required=False)
    valid_from = forms.DateField(label=_("Valid from"), widget=date_input(), required=False)
    valid_until = forms.DateField(label=_("Valid until"), widget=date_input(), required=False)
    percent = _percent_field(_("Discount %"), initial=0)
    max_percent = _percent_field(_("Maximum discount %"))
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        families = [("", "—"), *((f.pk, str(f)) for f in ProductFamily.objects.order_by("code"))]
        groups = [("", "—"), *((g.pk, str(g)) for g in CustomerGroup.objects.order_by("code"))]
        self.fields["family_id"].choices = families  # type: ignore[attr-defined]
        self.fields["customer_group_id"].choices = groups  # type: ignore[attr-defined]


class CustomerPriceForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None)
    product_id = forms.TypedChoiceField(label=_("Product"), coerce=int)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="CNY")
    unit_price = amount_field(_("Unit price"))
    valid_from = forms.DateField(label=_("Valid from"), widget=date_input())
    valid_until = forms.DateField(label=_("Valid until"), widget=date_input(), required=False)

    def __init__(self, *args: Any, customers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers  # type: ignore[attr-defined]
        products = Product.objects.filter(active=True).order_by("code")
        self.fields["product_id"].choices = [(p.pk, str(p)) for p in products]  # type: ignore[attr-defined]
        if self.initial:
            # Editing: the customer, product and currency are what the price is.
            for name in ("customer", "product_id", "currency"):
                self.fields[name].disabled = True
