"""Forms of the credit pages: ask a release, ask a new limit, record a risk signal; the
admin's credit settings, group limits and score band policies."""

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


class CreditSettingsForm(forms.Form):
    include_open_quotes = forms.BooleanField(
        label=_("Count approved and sent quotes in the exposure"), required=False
    )
    overdue_days = forms.IntegerField(
        label=_("Hold when overdue more than (days)"),
        min_value=0,
        max_value=3650,
        required=False,
        help_text=_("Empty: overdue items alone never hold a customer."),
    )
    overdue_amount = forms.DecimalField(
        label=_("and the overdue amount is at least"), max_digits=18, decimal_places=2
    )
    release_grace_days = forms.IntegerField(
        label=_("Days an approved release waives the automatic hold"), min_value=0, max_value=3650
    )


class GroupLimitForm(forms.Form):
    group = forms.ModelChoiceField(label=_("Customer group"), queryset=None)  # type: ignore[arg-type]
    limit = forms.DecimalField(
        label=_("Credit limit"),
        max_digits=18,
        decimal_places=2,
        required=False,
        help_text=_("Empty: the group has no default limit."),
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        from cashloop.customers.models import CustomerGroup

        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["group"].queryset = CustomerGroup.objects.order_by("name")  # type: ignore[attr-defined]


class BandForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    score_from = forms.IntegerField(label=_("Score from"), min_value=0, max_value=100)
    score_to = forms.IntegerField(label=_("Score to"), min_value=0, max_value=100)
    require_prepayment = forms.BooleanField(label=_("Require prepayment"), required=False)
    payment_terms_days = forms.IntegerField(
        label=_("Payment terms at most (days)"), min_value=0, max_value=365, required=False
    )
    limit_percent = forms.DecimalField(
        label=_("Lower the limit by (%)"), max_digits=5, decimal_places=2, required=False
    )
    limit_amount = forms.DecimalField(
        label=_("Lower the limit to"), max_digits=18, decimal_places=2, required=False
    )
