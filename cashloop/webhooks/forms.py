"""The form of a webhook subscription."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cashloop.webhooks.choices import EVENTS


class SubscriptionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_("Where Cashloop posts the events: http:// or https://."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(name, f"{name} — {text}") for name, text in EVENTS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
