"""Forms of the dunning pages: a policy with its levels (a formset), customer settings
and invoice exclusions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from cashloop.collections.services import LevelInput
from cashloop.customers.models import CustomerGroup
from cashloop.web.forms import amount_field


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    is_default = forms.BooleanField(
        label=_("Default policy"),
        required=False,
        help_text=_("For customers with neither their own policy nor a group's."),
    )
    auto_send = forms.BooleanField(
        label=_("Send automatically"),
        required=False,
        help_text=_("Off: the daily run only previews; run it by hand from the preview."),
    )
    group_ids = forms.TypedMultipleChoiceField(
        label=_("Customer groups"), coerce=int, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group_ids"].choices = [  # type: ignore[attr-defined]
            (group.pk, str(group)) for group in CustomerGroup.objects.all()
        ]


def _text(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "cols": 18})


def _short() -> forms.TextInput:
    return forms.TextInput(attrs={"size": 12})


class LevelForm(forms.Form):
    name = forms.CharField(
        label=_("Level"), max_length=100, widget=forms.TextInput(attrs={"size": 14})
    )
    days_overdue = forms.IntegerField(
        label=_("Days overdue"), widget=forms.NumberInput(attrs={"class": "num"})
    )
    send_email = forms.BooleanField(label=_("Email"), required=False, initial=True)
    letter = forms.BooleanField(label=_("Letter"), required=False)
    create_task = forms.BooleanField(label=_("Task"), required=False)
    task_due_days = forms.IntegerField(
        label=_("Task due (days)"), initial=3, min_value=0, max_value=365
    )
    fee = amount_field(_("Fee"), initial=0)
    hold = forms.BooleanField(label=_("Credit hold"), required=False)
    subject_zh = forms.CharField(
        label=_("Subject (Chinese)"), max_length=200, required=False, widget=_short()
    )
    body_zh = forms.CharField(label=_("Message (Chinese)"), required=False, widget=_text())
    subject_en = forms.CharField(
        label=_("Subject (English)"), max_length=200, required=False, widget=_short()
    )
    body_en = forms.CharField(label=_("Message (English)"), required=False, widget=_text())


LevelFormSet = formset_factory(LevelForm, extra=0, can_delete=True, max_num=20, absolute_max=20)


def level_rows(formset: Any) -> list[LevelInput]:
    """The levels typed, in their order, without the removed and the empty rows."""
    return [
        LevelInput(**{k: v for k, v in form.cleaned_data.items() if k != "DELETE"})
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


def level_initial(policy: Any) -> list[dict[str, Any]]:
    return [
        {name: getattr(level, name) for name in LevelForm.base_fields}
        for level in policy.levels.all()
    ]
