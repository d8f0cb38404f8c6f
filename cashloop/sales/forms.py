"""Page forms of sales; saving always goes through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cashloop.customers.models import Customer
from cashloop.customfields.forms import PREFIX as CUSTOM_PREFIX
from cashloop.customfields.forms import CustomFieldsFormMixin, service_custom
from cashloop.identity.models import Team, User
from cashloop.sales.choices import (
    ForecastCategory,
    LeadSource,
    LeadStatus,
    OpportunityStatus,
    StageKind,
)
from cashloop.sales.models import AssignmentRule, Lead, Opportunity, Pipeline, Stage

DATE = forms.DateInput(attrs={"type": "date"})


def _split(text: str) -> list[str]:
    return [part.strip() for part in (text or "").replace("，", ",").split(",") if part.strip()]


class OpportunityForm(CustomFieldsFormMixin, forms.ModelForm):
    custom_object_type = "sales.opportunity"
    products = forms.CharField(
        label=_("Products of interest"),
        required=False,
        max_length=1000,
        help_text=_("Separate with commas."),
    )
    competitors = forms.CharField(
        label=_("Competitors"),
        required=False,
        max_length=1000,
        help_text=_("Separate with commas."),
    )

    class Meta:
        model = Opportunity
        fields = [
            "customer",
            "name",
            "amount",
            "currency",
            "rate",
            "expected_close_date",
            "pipeline",
            "owner",
            "source",
            "products",
            "competitors",
            "forecast_category",
        ]
        widgets = {"expected_close_date": DATE}

    def __init__(
        self, *args: Any, customers: Any = None, owners: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = (
            customers if customers is not None else Customer.objects.none()
        )
        self.fields["owner"].queryset = owners if owners is not None else User.objects.none()
        self.fields["pipeline"].queryset = Pipeline.objects.filter(active=True)
        self.fields["rate"].required = False
        self.fields["rate"].help_text = _("Only for a foreign currency: yuan for one unit.")
        self.fields["currency"].required = False
        self.fields["currency"].help_text = _("Left empty, the customer's currency.")
        if self.instance.pk and self.instance.status == OpportunityStatus.OPEN:
            # The rep may move an open deal between the open categories (decision 027).
            self.fields["forecast_category"].choices = [
                (value, label)
                for value, label in ForecastCategory.choices
                if value != ForecastCategory.CLOSED
            ]
            self.fields["forecast_category"].required = False
        else:
            del self.fields["forecast_category"]  # new deals take it from their probability
        if self.instance.pk:
            del self.fields["customer"], self.fields["pipeline"]
            self.initial["products"] = ", ".join(self.instance.products)
            self.initial["competitors"] = ", ".join(self.instance.competitors)

    def clean_currency(self) -> str:
        return (self.cleaned_data.get("currency") or "").upper()

    def validate_unique(self) -> None:
        pass

    def _post_clean(self) -> None:
        # Model validation is the service's (amount > 0, close date, stage in pipeline).
        pass

    def service_data(self) -> dict[str, Any]:
        data = self.strip_custom(dict(self.cleaned_data))
        data["custom"] = service_custom(self.custom_data())
        for name in ("customer", "pipeline", "owner"):
            if name in data:
                value = data.pop(name)
                data[f"{name}_id"] = value.pk if value else None
        data["products"] = _split(data.get("products", ""))
        data["competitors"] = _split(data.get("competitors", ""))
        for optional in ("currency", "forecast_category"):
            if not data.get(optional):
                data.pop(optional, None)
        return data


class MoveForm(forms.Form):
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects.none())
    lost_reason = forms.CharField(label=_("Lost reason"), required=False, max_length=500)

    def __init__(self, *args: Any, pipeline: Pipeline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = pipeline.stages.order_by("position")


class ProbabilityForm(forms.Form):
    probability = forms.IntegerField(label=_("Probability (%)"), min_value=0, max_value=100)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class LeadForm(CustomFieldsFormMixin, forms.ModelForm):
    custom_object_type = "sales.lead"

    class Meta:
        model = Lead
        fields = [
            "company_name",
            "contact_name",
            "phone",
            "email",
            "source",
            "region",
            "owner",
            "status",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, owners: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners if owners is not None else User.objects.none()
        self.fields["status"].choices = [
            (value, label)
            for value, label in LeadStatus.choices
            if value in ("new", "contacted", "qualified")
        ]
        if self.instance.pk:
            self.fields["owner"].required = True
        else:
            del self.fields["status"]
            self.fields["owner"].help_text = _("Left empty, the assignment rules choose.")

    def _post_clean(self) -> None:
        pass

    def service_data(self) -> dict[str, Any]:
        data = self.strip_custom(dict(self.cleaned_data))
        data["custom"] = service_custom(self.custom_data())
        owner = data.pop("owner")
        data["owner_id"] = owner.pk if owner else None
        return data


class DisqualifyForm(forms.Form):
    reason = forms.CharField(label=_("Why is the lead disqualified?"), max_length=500)


class ConvertForm(CustomFieldsFormMixin, forms.Form):
    """Convert a lead: link a customer the user picked, or create one with a code (and
    the customer's custom fields, which only a new customer needs)."""

    custom_object_type = "customers.customer"

    existing = forms.TypedChoiceField(
        label=_("Customer"), coerce=int, required=False, widget=forms.RadioSelect, empty_value=None
    )
    customer_code = forms.CharField(label=_("New customer's code"), required=False, max_length=30)
    customer_name = forms.CharField(label=_("New customer's name"), required=False, max_length=200)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="CNY")
    confirm_duplicate = forms.BooleanField(
        label=_("Create it although it looks like a customer above"), required=False
    )
    create_opportunity = forms.BooleanField(
        label=_("Create an opportunity"), required=False, initial=True
    )
    opportunity_name = forms.CharField(label=_("Opportunity"), required=False, max_length=200)
    amount = forms.DecimalField(label=_("Amount"), required=False, max_digits=19, decimal_places=4)
    expected_close_date = forms.DateField(
        label=_("Expected close date"), required=False, widget=DATE
    )

    def __init__(self, *args: Any, candidates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not candidates:
            del self.fields["confirm_duplicate"]
        self.fields["existing"].choices = [("", _("Create a new customer"))] + [
            (c.customer.pk, f"{c.customer.code} {c.customer.name}") for c in candidates if c.visible
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("existing") is not None:
            # Linking to a customer that exists: its custom fields are not asked for.
            for name in [n for n in self.errors if n.startswith(CUSTOM_PREFIX)]:
                del self.errors[name]
        if data.get("existing") is None and not data.get("customer_code"):
            self.add_error("customer_code", _("A new customer needs a code."))
        if data.get("create_opportunity"):
            for name in ("amount", "expected_close_date"):
                if data.get(name) in (None, ""):
                    self.add_error(name, _("The opportunity needs this."))
        return data


class PipelineForm(forms.ModelForm):
    class Meta:
        model = Pipeline
        fields = ["name", "is_default", "active"]

    def validate_unique(self) -> None:
        pass


class StageForm(forms.ModelForm):
    class Meta:
        model = Stage
        fields = ["name", "probability", "kind"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["probability"].max_value = 100
        self.fields["kind"].initial = StageKind.OPEN

    def _post_clean(self) -> None:
        pass


class AssignmentRuleForm(forms.ModelForm):
    class Meta:
        model = AssignmentRule
        fields = ["name", "position", "source", "region", "user", "team", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(is_active=True).order_by("username")
        self.fields["team"].queryset = Team.objects.order_by("name")
        self.fields["source"].choices = [("", _("Any source")), *LeadSource.choices]
        self.fields["region"].help_text = _("Left empty, any region.")
        self.fields["user"].help_text = _("Either one person …")
        self.fields["team"].help_text = _("… or a team whose members take turns.")

    def _post_clean(self) -> None:
        pass

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        user, team = data.pop("user"), data.pop("team")
        data["user_id"] = user.pk if user else None
        data["team_id"] = team.pk if team else None
        return data
