"""Forms of the credit page: ask a release, ask a new limit, record a risk signal."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cashloop.credit.choices import Severity, SignalKind


class ReleaseForm(forms.Form):
    reason = forms.CharField(label=_("Why release"), max_length=500)


class LimitForm(forms.Form):
    limit = forms.DecimalField(label=_("New credit limit"), max_digits=18, decimal_places=2)
    reason = forms.CharField(label=_("Why"), max_length=500, required=False)


class SignalForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SignalKind.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    source = forms.CharField(label=pgettext_lazy("risk signal", "Source"), max_length=100)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
