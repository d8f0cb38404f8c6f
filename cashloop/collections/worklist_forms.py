"""Forms of the collector's quick actions on a customer's collection page (decision 050)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cashloop.collections.choices import ActivityOutcome, TaskKind
from cashloop.customers.choices import InteractionKind

DATE = forms.DateInput(attrs={"type": "date"})
CONTACT_KINDS = [
    (kind.value, kind.label)
    for kind in (InteractionKind.CALL, InteractionKind.VISIT, InteractionKind.EMAIL)
]
TASK_KINDS = [
    (kind.value, kind.label) for kind in (TaskKind.FOLLOW_UP, TaskKind.CALL, TaskKind.SMS)
]


class ActivityForm(forms.Form):
    """Log a call, visit or email with its outcome; a promise when the customer promised."""

    kind = forms.ChoiceField(label=_("Contacted by"), choices=CONTACT_KINDS)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ActivityOutcome.choices)
    contact_ids = forms.TypedMultipleChoiceField(
        label=_("With"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    summary = forms.CharField(
        label=_("What was said"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    promise_amount = forms.DecimalField(
        label=_("Promised amount"), max_digits=18, decimal_places=2, required=False
    )
    promise_date = forms.DateField(label=_("Promised for"), widget=DATE, required=False)
    next_follow_up = forms.DateField(label=_("Next follow-up"), widget=DATE, required=False)

    def __init__(self, *args: Any, contacts: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact_ids"].choices = [(c.pk, c.name) for c in contacts]


class PromiseForm(forms.Form):
    amount = forms.DecimalField(label=_("Promised amount"), max_digits=18, decimal_places=2)
    promised_date = forms.DateField(label=_("Promised for"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class TaskForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TASK_KINDS)
    due_date = forms.DateField(label=_("Due"), widget=DATE)
    title = forms.CharField(label=_("Task"), max_length=300, required=False)
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class EscalateForm(forms.Form):
    note = forms.CharField(
        label=_("Why escalate"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
