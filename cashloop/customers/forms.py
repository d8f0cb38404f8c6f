"""Page forms of customers; saving always goes through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cashloop.customers.models import Contact, Customer
from cashloop.identity.models import Team, User


class CustomerForm(forms.ModelForm):
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=500,
        help_text=_("Separate tags with commas."),
    )

    class Meta:
        model = Customer
        fields = [
            "code",
            "name",
            "legal_name",
            "tax_id",
            "currency",
            "payment_terms_days",
            "owner",
            "team",
            "status",
        ]

    def __init__(self, *args: Any, owners: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners if owners is not None else User.objects.none()
        self.fields["team"].queryset = Team.objects.order_by("name")
        self.fields["team"].help_text = _("Left empty, the owner's team is used.")
        if self.instance.pk:
            self.initial["tags"] = ", ".join(tag.name for tag in self.instance.tags.all())

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].upper()

    def validate_unique(self) -> None:
        # Uniqueness is the service's to decide (customer.code_taken), under a lock.
        pass

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        owner, team = data.pop("owner"), data.pop("team")
        data["owner_id"] = owner.pk if owner else None
        data["team_id"] = team.pk if team else None
        data["tags"] = [t.strip() for t in (data.get("tags") or "").split(",") if t.strip()]
        return data


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "phone", "email"]
