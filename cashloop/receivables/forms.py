"""Page forms of receivables; saving always goes through the services.

The forms only check shapes (a number is a number, a date a date, within what the
columns store); every rule about money (decimals of the currency, tax rates, amounts
against residuals) is the services' to decide, and their refusals are shown in the form.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from cashloop.customfields.forms import CustomFieldsFormMixin
from cashloop.receivables import services
from cashloop.receivables.choices import DueRule, InvoiceStatus, PaymentMethod, WriteOffKind
from cashloop.receivables.models import InvoicingProfile
from cashloop.web.forms import amount_field, currency_field, date_input, rate_field


def _percent_label(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


TAX_RATE_CHOICES = [
    (f"{rate.normalize():f}", _percent_label(rate))
    for rate in sorted(services.TAX_RATES, reverse=True)
]


class InvoiceForm(CustomFieldsFormMixin, forms.Form):
    """The header of a draft and its custom fields; an existing draft keeps its customer
    and currency.  `instance` is the draft being changed (its stored custom values)."""

    custom_object_type = "receivables.invoice"

    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None)
    issue_date = forms.DateField(label=_("Invoice date"), widget=date_input())
    currency = currency_field()
    rate = rate_field()
    memo = forms.CharField(label=_("Memo"), max_length=500, required=False)

    def __init__(
        self, *args: Any, customers: Any = None, instance: Any = None, **kwargs: Any
    ) -> None:
        # Set before the mixin runs: it fills and checks the custom fields against it.
        self.instance = instance
        super().__init__(*args, **kwargs)
        field = self.fields["customer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = customers
        field.label_from_instance = lambda c: f"{c.code} {c.name}"
        if instance is not None:
            del self.fields["customer"]
            del self.fields["currency"]

    def clean_currency(self) -> str:
        return (self.cleaned_data.get("currency") or "").upper()


class LineForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=300)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=14,
        decimal_places=4,
        initial=Decimal(1),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "num", "size": 6}),
    )
    unit_price = amount_field(_("Unit price (net)"))
    discount_percent = forms.DecimalField(
        label=_("Discount %"),
        max_digits=5,
        decimal_places=2,
        initial=Decimal(0),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "num", "size": 4}),
    )
    tax_rate = forms.ChoiceField(label=_("Tax rate"), choices=TAX_RATE_CHOICES, initial="0.13")

    def to_service(self) -> services.LineIn:
        data = self.cleaned_data
        return services.LineIn(
            description=data["description"],
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            tax_rate=Decimal(data["tax_rate"]),
            discount_percent=data.get("discount_percent") or Decimal(0),
        )


class InstallmentForm(forms.Form):
    share = forms.DecimalField(
        label=_("Share"),
        max_digits=9,
        decimal_places=4,
        initial=Decimal(1),
        help_text=_("Weight in the total: 1 and 1 split it in halves, 30 and 70 in 30%/70%."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "num", "size": 5}),
    )
    due_rule = forms.ChoiceField(label=_("Due rule"), choices=DueRule.choices)
    due_days = forms.IntegerField(
        label=_("Days"),
        min_value=0,
        max_value=3650,
        initial=30,
        required=False,
        widget=forms.NumberInput(attrs={"class": "num", "style": "width:5em"}),
    )
    fixed_date = forms.DateField(label=_("Fixed date"), required=False, widget=date_input())
    discount_percent = forms.DecimalField(
        label=_("Early-payment discount %"),
        max_digits=5,
        decimal_places=2,
        initial=Decimal(0),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "num", "size": 4}),
    )
    discount_days = forms.IntegerField(
        label=_("Discount days"),
        min_value=0,
        max_value=3650,
        initial=0,
        required=False,
        widget=forms.NumberInput(attrs={"class": "num", "style": "width:5em"}),
    )

    def to_service(self) -> services.InstallmentIn:
        data = self.cleaned_data
        return services.InstallmentIn(
            share=data["share"],
            due_rule=DueRule(data["due_rule"]),
            due_days=data.get("due_days") or 0,
            fixed_date=data.get("fixed_date"),
            discount_percent=data.get("discount_percent") or Decimal(0),
            discount_days=data.get("discount_days") or 0,
        )


LineFormSet = formset_factory(LineForm, extra=0, can_delete=True, max_num=200, absolute_max=200)
InstallmentFormSet = formset_factory(
    InstallmentForm, extra=0, can_delete=True, max_num=60, absolute_max=60
)


def filled(formset: Any) -> list[Any]:
    """The rows of a valid formset that carry data and are not marked for removal.

    Rows shown with the draft's values count as they are; an added row left as it was
    shown (nothing typed) is skipped, as Django leaves its `cleaned_data` empty.
    """
    return [
        form for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class CreditNoteForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=date_input())
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("Why the invoice is reduced: returned goods, a price adjustment …"),
    )


class ContractCreditLineForm(forms.Form):
    """One contract line of a contract invoice: how much of its net to credit (blank: none)."""

    contract_line_id = forms.IntegerField(widget=forms.HiddenInput)
    amount = amount_field(_("Amount to credit (net)"), required=False, min_value=0)


ContractCreditFormSet = formset_factory(
    ContractCreditLineForm, extra=0, max_num=200, absolute_max=200
)


class PaymentForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None)
    amount = amount_field(_("Amount"))
    currency = currency_field()
    rate = rate_field()
    date = forms.DateField(label=_("Date received"), widget=date_input())
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    bank_reference = forms.CharField(label=_("Bank reference"), max_length=100, required=False)
    payer_name = forms.CharField(label=_("Payer name"), max_length=200, required=False)
    payer_account = forms.CharField(label=_("Payer account"), max_length=60, required=False)
    memo = forms.CharField(label=_("Memo"), max_length=500, required=False)

    def __init__(self, *args: Any, customers: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["customer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = customers
        field.label_from_instance = lambda c: f"{c.code} {c.name}"

    def clean_currency(self) -> str:
        return (self.cleaned_data.get("currency") or "").upper()

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["customer_id"] = data.pop("customer").pk
        data["payment_date"] = data.pop("date")
        data["currency"] = data["currency"] or None
        return data


class RefundForm(forms.Form):
    amount = amount_field(_("Amount to refund"))
    date = forms.DateField(label=_("Date"), widget=date_input())
    memo = forms.CharField(label=_("Memo"), max_length=500, required=False)


class WriteOffForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=WriteOffKind.choices, widget=forms.RadioSelect
    )
    amount = amount_field(_("Amount"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,
        help_text=_("Required for a bad debt."),
    )
    date = forms.DateField(label=_("Date"), widget=date_input())


class InvoiceFilterForm(forms.Form):
    """The invoice list's filters; a value that does not parse is dropped, not an error."""

    q = forms.CharField(required=False, max_length=100)
    status = forms.ChoiceField(required=False, choices=[("", ""), *InvoiceStatus.choices])
    customer_id = forms.IntegerField(required=False, min_value=1)
    overdue_only = forms.BooleanField(required=False)
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)
    currency = forms.CharField(required=False, max_length=3)

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {
            "q": cleaned.get("q") or "",
            "status": cleaned.get("status") or "",
            "customer_id": cleaned.get("customer_id"),
            "overdue_only": bool(cleaned.get("overdue_only")),
            "date_from": cleaned.get("date_from"),
            "date_to": cleaned.get("date_to"),
            "currency": (cleaned.get("currency") or "").upper(),
        }


class DocumentFilterForm(forms.Form):
    """Filters of the payment and credit-note lists."""

    q = forms.CharField(required=False, max_length=100)
    customer_id = forms.IntegerField(required=False, min_value=1)
    unapplied_only = forms.BooleanField(required=False)
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {
            "q": cleaned.get("q") or "",
            "customer_id": cleaned.get("customer_id"),
            "unapplied_only": bool(cleaned.get("unapplied_only")),
            "date_from": cleaned.get("date_from"),
            "date_to": cleaned.get("date_to"),
        }


class StatementForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    currency = forms.CharField(
        label=_("Currency"),
        required=False,
        max_length=3,
        widget=forms.TextInput(attrs={"placeholder": _("Currency"), "size": 4}),
    )


class InvoicingProfileForm(forms.ModelForm):
    """The company as the seller on its invoices (decision 058)."""

    class Meta:
        model = InvoicingProfile
        fields = list(services.INVOICING_PROFILE_FIELDS)
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"country": _("ISO 3166 code, such as CN or DE.")}
