"""Page forms of the ledger; saving always goes through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cashloop.ledger.choices import PostingReason
from cashloop.ledger.models import Account


class AccountForm(forms.ModelForm):
    """A new account: everything; an existing one: all but its code and type."""

    class Meta:
        model = Account
        fields = ["code", "name_zh", "name_en", "type", "role", "parent", "currency", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parents = Account.objects.order_by("code")
        if self.instance.pk:
            del self.fields["code"]
            del self.fields["type"]
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].label_from_instance = str  # "1122 应收账款", in the active language
        self.fields["currency"].widget.attrs.update(size=3, placeholder="CNY")

    def clean_currency(self) -> str:
        return (self.cleaned_data.get("currency") or "").upper()

    def validate_unique(self) -> None:
        # The code's uniqueness is the service's to decide (ledger.account_code_taken).
        pass

    def service_data(self, only_changed: bool = False) -> dict[str, Any]:
        data = {
            field: value
            for field, value in self.cleaned_data.items()
            if not only_changed or field in self.changed_data
        }
        if "parent" in data:
            parent = data.pop("parent")
            data["parent_id"] = parent.pk if parent else None
        return data


class ReverseForm(forms.Form):
    date = forms.DateField(
        label=_("Date of the reversal"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Must be in an open period."),
    )
    memo = forms.CharField(label=_("Memo"), max_length=500, required=False)


class EntryFilterForm(forms.Form):
    """The journal's filters; a value that does not parse is dropped, not an error page."""

    q = forms.CharField(required=False, max_length=100)
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.ChoiceField(required=False, choices=[("", ""), *PostingReason.choices])
    account_id = forms.IntegerField(required=False, min_value=1)
    customer_id = forms.IntegerField(required=False, min_value=1)

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {
            "q": cleaned.get("q") or "",
            "date_from": cleaned.get("date_from"),
            "date_to": cleaned.get("date_to"),
            "reason": cleaned.get("reason") or "",
            "account_id": cleaned.get("account_id"),
            "customer_id": cleaned.get("customer_id"),
        }
