"""Page forms of contracts: the draft (header, lines, milestones, payment plan), a
milestone's acceptance, termination, amendments and templates.

The forms check shapes only; every rule about money and plans is the services' to decide,
and their refusals are shown in the form.  Lines and plan items name a milestone by its
number in the milestone rows (1, 2 …), as the services do.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from cashloop.contracts import services
from cashloop.contracts.choices import ContractStatus, MilestoneKind, PlanDueRule
from cashloop.contracts.models import ContractTemplate
from cashloop.cpq.choices import Recognition
from cashloop.customfields.forms import CustomFieldsFormMixin
from cashloop.receivables.forms import TAX_RATE_CHOICES
from cashloop.web.forms import amount_field, currency_field, date_input, rate_field


def _small_number(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "num", "size": 5}),
        **kwargs,
    )


def _position(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=60,
        required=False,
        widget=forms.NumberInput(attrs={"class": "num", "style": "width:4em"}),
    )


def _days(label: Any, initial: int = 0) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=3650,
        initial=initial,
        required=False,
        widget=forms.NumberInput(attrs={"class": "num", "style": "width:5em"}),
    )


class ContractForm(CustomFieldsFormMixin, forms.Form):
    """The header of a draft; an existing draft keeps its customer."""

    custom_object_type = "contracts.contract"

    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    signing_date = forms.DateField(
        label=_("Signing date"),
        required=False,
        widget=date_input(),
        help_text=_("Needed to activate: installments due on signing count from it."),
    )
    start_date = forms.DateField(label=_("Start date"), widget=date_input())
    end_date = forms.DateField(label=_("End date"), required=False, widget=date_input())
    currency = currency_field()
    rate = rate_field()
    template = forms.ModelChoiceField(
        label=_("Template"),
        queryset=ContractTemplate.objects.filter(active=True),
        required=False,
        help_text=_("The terms are written from the template's text."),
    )

    def __init__(
        self, *args: Any, customers: Any = None, instance: Any = None, **kwargs: Any
    ) -> None:
        self.instance = instance
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers
        if instance is not None:
            del self.fields["customer"]


class MilestoneForm(forms.Form):
    name = forms.CharField(label=_("Milestone"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=MilestoneKind.choices, initial=MilestoneKind.ACCEPTANCE
    )
    planned_date = forms.DateField(label=_("Planned date"), required=False, widget=date_input())

    def to_service(self) -> services.MilestoneIn:
        data = self.cleaned_data
        return services.MilestoneIn(data["name"], data["kind"], data["planned_date"])


class ContractLineForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=300)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=14,
        decimal_places=4,
        initial=Decimal(1),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "num", "size": 6}),
    )
    unit_price = amount_field(_("Unit price (net)"))
    discount_percent = _small_number(
        _("Discount %"), max_digits=5, decimal_places=2, initial=Decimal(0)
    )
    tax_rate = forms.ChoiceField(label=_("Tax rate"), choices=TAX_RATE_CHOICES, initial="0.13")
    recognition = forms.ChoiceField(
        label=_("Revenue recognition"),
        choices=Recognition.choices,
        initial=Recognition.AT_INVOICING,
    )
    milestone = _position(_("Milestone no."))
    service_start = forms.DateField(label=_("Service from"), required=False, widget=date_input())
    service_end = forms.DateField(label=_("Service to"), required=False, widget=date_input())
    # Carried over from the quote's catalog line, so the product stays known.
    product_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    unit = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)

    def to_service(self) -> services.ContractLineIn:
        data = self.cleaned_data
        return services.ContractLineIn(
            product_id=data.get("product_id"),
            description=data["description"],
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            tax_rate=Decimal(data["tax_rate"]),
            discount_percent=data.get("discount_percent") or Decimal(0),
            recognition=data["recognition"],
            service_start=data.get("service_start"),
            service_end=data.get("service_end"),
            milestone_position=data.get("milestone"),
            unit=data.get("unit") or "",
        )


class PlanItemForm(forms.Form):
    label = forms.CharField(label=_("Installment"), max_length=100)
    percent = _small_number(_("%"), max_digits=7, decimal_places=4, min_value=0)
    amount = amount_field(_("or amount"), required=False)
    due_rule = forms.ChoiceField(label=_("Due rule"), choices=PlanDueRule.choices)
    due_days = _days(_("Days"))
    milestone = _position(_("Milestone no."))
    fixed_date = forms.DateField(label=_("Fixed date"), required=False, widget=date_input())
    discount_percent = _small_number(
        _("Early-payment discount %"), max_digits=5, decimal_places=2, initial=Decimal(0)
    )
    discount_days = _days(_("Discount days"))

    def to_service(self) -> services.PlanItemIn:
        data = self.cleaned_data
        return services.PlanItemIn(
            label=data["label"],
            percent=data.get("percent"),
            amount=data.get("amount"),
            due_rule=data["due_rule"],
            due_days=data.get("due_days") or 0,
            fixed_date=data.get("fixed_date"),
            milestone_position=data.get("milestone"),
            discount_percent=data.get("discount_percent") or Decimal(0),
            discount_days=data.get("discount_days") or 0,
        )


MilestoneFormSet = formset_factory(
    MilestoneForm, extra=0, can_delete=True, max_num=60, absolute_max=60
)
ContractLineFormSet = formset_factory(
    ContractLineForm, extra=0, can_delete=True, max_num=500, absolute_max=500
)
PlanItemFormSet = formset_factory(
    PlanItemForm, extra=0, can_delete=True, max_num=120, absolute_max=120
)


class ContractFilterForm(forms.Form):
    q = forms.CharField(required=False)
    status = forms.ChoiceField(choices=[("", ""), *ContractStatus.choices], required=False)
    customer_id = forms.IntegerField(required=False)

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {"q": "", "status": "", "customer_id": None}
        return {
            "q": self.cleaned_data["q"] or "",
            "status": self.cleaned_data["status"] or "",
            "customer_id": self.cleaned_data["customer_id"],
        }


class MilestoneAcceptForm(forms.Form):
    actual_date = forms.DateField(label=_("Accepted on"), widget=date_input())


class TerminateForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class AmendmentForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the change"), max_length=500)
    end_date = forms.DateField(label=_("End date"), required=False, widget=date_input())


class ContractTemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("zh-hans", "简体中文"), ("en", "English")]
    )
    body = forms.CharField(
        label=_("Terms"),
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "Placeholders: {{ customer.name }}, {{ contract.number }}, {{ contract.total }}, "
            "{{ contract.start_date }}, {{ contract.end_date }}, {{ plan_table }}."
        ),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
