"""Page forms of customers; saving always goes through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cashloop.core.fieldrules import form_apply_field_rules
from cashloop.customers.choices import InteractionKind
from cashloop.customers.models import Contact, Customer, PoolSettings
from cashloop.customfields.forms import CustomFieldsFormMixin, service_custom
from cashloop.identity.models import Team, User


class CustomerForm(CustomFieldsFormMixin, forms.ModelForm):
    custom_object_type = "customers.customer"
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=500,
        help_text=_("Separate tags with commas."),
    )
    confirm_duplicate = forms.BooleanField(
        label=_("Save anyway: this is not one of the customers listed above"),
        required=False,
    )

    class Meta:
        model = Customer
        fields = [
            "code",
            "name",
            "legal_name",
            "aliases",
            "tax_id",
            "address",
            "country",
            "currency",
            "payment_terms_days",
            "owner",
            "team",
            "status",
            "group",
        ]
        widgets = {
            "aliases": forms.Textarea(attrs={"rows": 3}),
            "address": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, owners: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners if owners is not None else User.objects.none()
        self.fields["team"].queryset = Team.objects.order_by("name")
        self.fields["team"].help_text = _("Left empty, the owner's team is used.")
        self.fields["country"].required = False
        if self.instance.pk:
            self.initial["tags"] = ", ".join(tag.name for tag in self.instance.tags.all())
        form_apply_field_rules(self, Customer)

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].upper()

    def clean_country(self) -> str:
        # Left empty, the customer is where most are: the model's default.
        return self.cleaned_data.get("country") or Customer._meta.get_field("country").default

    def validate_unique(self) -> None:
        # Uniqueness is the service's to decide (customer.code_taken), under a lock.
        pass

    def service_data(self) -> dict[str, Any]:
        data = self.strip_custom(dict(self.cleaned_data))
        data["custom"] = service_custom(self.custom_data())
        data.pop("confirm_duplicate", None)
        owner, team = data.pop("owner"), data.pop("team")
        data["owner_id"] = owner.pk if owner else None
        data["team_id"] = team.pk if team else None
        group = data.pop("group", None)
        data["group_id"] = group.pk if group else None
        data["tags"] = [t.strip() for t in (data.get("tags") or "").split(",") if t.strip()]
        return data


class ContactForm(CustomFieldsFormMixin, forms.ModelForm):
    custom_object_type = "customers.contact"

    class Meta:
        model = Contact
        fields = ["name", "title", "phone", "email"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_apply_field_rules(self, Contact)


class InteractionForm(forms.Form):
    """Log an interaction from the customer page; participants are that customer's contacts."""

    kind = forms.ChoiceField(label=_("Kind"), choices=InteractionKind.choices)
    occurred_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    summary = forms.CharField(
        label=_("Summary"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    contacts = forms.ModelMultipleChoiceField(
        label=_("Contacts"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    next_step = forms.CharField(label=_("Next step"), max_length=1000, required=False)
    next_step_date = forms.DateField(
        label=_("Next step due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = customer.contacts.order_by("name", "id")
        if not self.is_bound:
            self.initial.setdefault(
                "occurred_at", timezone.localtime().replace(second=0, microsecond=0)
            )

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["contact_ids"] = [c.pk for c in data.pop("contacts")]
        return data


class HandOverForm(forms.Form):
    """Hand over a person's customers: all of them, or the ones ticked."""

    from_user = forms.ModelChoiceField(label=_("From"), queryset=User.objects.none())
    to_user = forms.ModelChoiceField(label=_("To"), queryset=User.objects.none())
    everything = forms.TypedChoiceField(
        label=_("Customers"),
        choices=[("1", _("All their customers")), ("0", _("Only the customers ticked"))],
        coerce=lambda value: value == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    customers = forms.ModelMultipleChoiceField(
        label=_("Customers ticked"),
        queryset=Customer.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    include_opportunities = forms.BooleanField(
        label=_("Hand over their open opportunities too"), required=False, initial=True
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args: Any, givers: Any, takers: Any, customers: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["from_user"].queryset = givers
        self.fields["to_user"].queryset = takers
        self.fields["customers"].queryset = customers

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "from_user_id": data["from_user"].pk,
            "to_user_id": data["to_user"].pk,
            "customer_ids": None if data["everything"] else [c.pk for c in data["customers"]],
            "reason": data["reason"],
            "include_opportunities": data["include_opportunities"],
        }


class PoolSettingsForm(forms.ModelForm):
    class Meta:
        model = PoolSettings
        fields = [
            "enabled",
            "days_without_interaction",
            "days_without_deal",
            "claim_limit",
            "reclaim_cooldown_days",
        ]
        help_texts = {
            "enabled": _("When on, a daily task returns stale customers to the pool."),
            "days_without_interaction": _("Empty: this rule is off."),
            "days_without_deal": _(
                "A deal is an opportunity won or an invoice issued. Empty: this rule is off."
            ),
            "claim_limit": _("Empty: no limit."),
        }


class MergeForm(forms.Form):
    survivor = forms.ModelChoiceField(
        label=_("Merge into"),
        queryset=Customer.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["survivor"].queryset = candidates
