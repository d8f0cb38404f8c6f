"""Forms of the dunning pages: a policy with its levels (a formset), customer settings
and invoice exclusions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from cashloop.collections.choices import ChargeBooking, DisputeReason
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
    interest_rate = forms.DecimalField(
        label=_("Interest per year (%)"),
        min_value=0,
        max_value=100,
        decimal_places=4,
        initial=0,
        required=False,
        help_text=_("Simple interest on the overdue principal, charged at each level; 0: none."),
    )
    charge_booking = forms.ChoiceField(
        label=_("Book fees and interest"),
        choices=ChargeBooking.choices,
        initial=ChargeBooking.ON_RUN,
        required=False,
        help_text=_("A payment clears fees first, then interest, then the principal."),
    )

    def clean_interest_rate(self) -> Decimal:
        return self.cleaned_data.get("interest_rate") or Decimal(0)

    def clean_charge_booking(self) -> str:
        return self.cleaned_data.get("charge_booking") or ChargeBooking.ON_RUN

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


# --- disputes (decision 051) -------------------------------------------------------------------


class DisputeForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=DisputeReason.choices)
    amount = amount_field(
        _("Disputed amount"), required=False, help_text=_("Empty: all the installment owes.")
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=_text(3))


class DisputeResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            ("credit", _("Credit note (through approval when a flow applies)")),
            ("reject", _("Reject: the customer owes it")),
            ("withdraw", _("Withdrawn by the customer")),
        ],
    )
    credit_amount = amount_field(
        _("Credit amount"), required=False, help_text=_("Empty: the disputed amount.")
    )
    note = forms.CharField(label=_("Resolution"), max_length=2000, widget=_text(3))
