"""Page forms of identity."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cashloop.identity.models import TokenScope
from cashloop.identity.services import TOKEN_MAX_DAYS


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    scope = forms.ChoiceField(label=_("Scope"), choices=TokenScope.choices)
    expires_in_days = forms.IntegerField(
        label=_("Expires in (days)"), min_value=1, max_value=TOKEN_MAX_DAYS, initial=90
    )
