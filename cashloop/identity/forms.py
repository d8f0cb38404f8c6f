"""Page forms of identity: API tokens, the roles editor, record shares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cashloop.core.fieldrules import SHOW
from cashloop.identity.models import DataScope, ShareAccess, Team, TokenScope, User
from cashloop.identity.services import TOKEN_MAX_DAYS


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    scope = forms.ChoiceField(label=_("Scope"), choices=TokenScope.choices)
    expires_in_days = forms.IntegerField(
        label=_("Expires in (days)"), min_value=1, max_value=TOKEN_MAX_DAYS, initial=90
    )


class RoleForm(forms.Form):
    """A role's name and scope; its matrix and field rules come from `matrix_data`."""

    code = forms.SlugField(label=_("Code"), max_length=50)
    name = forms.CharField(label=_("Name"), max_length=100)
    data_scope = forms.ChoiceField(label=_("Data scope"), choices=DataScope.choices)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            # The code names the role in migrations and layouts: it never changes.
            del self.fields["code"]


GRANT_PREFIX = "grant:"
RULE_PREFIX = "rule:"


def matrix_data(data: Mapping[str, Any]) -> tuple[dict[str, list[str]], dict[str, dict[str, str]]]:
    """Grants from `grant:<type>:<action>` checkboxes, field rules from `rule:<type>:<field>`
    selects, as the services take them (the services validate both)."""
    grants: dict[str, list[str]] = {}
    rules: dict[str, dict[str, str]] = {}
    for key in data:
        if key.startswith(GRANT_PREFIX):
            object_type, _sep, action = key[len(GRANT_PREFIX) :].rpartition(":")
            grants.setdefault(object_type, []).append(action)
        elif key.startswith(RULE_PREFIX):
            object_type, _sep, field = key[len(RULE_PREFIX) :].rpartition(":")
            rule = data.get(key)
            if rule and rule != SHOW:
                rules.setdefault(object_type, {})[field] = rule
    return grants, rules


class ShareForm(forms.Form):
    """Share a customer from its page: with one user or one team."""

    user = forms.ModelChoiceField(label=_("User"), queryset=User.objects.none(), required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    access = forms.ChoiceField(label=_("Access"), choices=ShareAccess.choices)
    expires_at = forms.DateTimeField(
        label=_("Expires"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(is_active=True).order_by("username")
        self.fields["team"].queryset = Team.objects.order_by("name")

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "user_id": data["user"].pk if data.get("user") else None,
            "team_id": data["team"].pk if data.get("team") else None,
            "access": data["access"],
            "expires_at": data.get("expires_at"),
        }
