"""The form of a report schedule: the page sets one language for the recipients it adds
(the API sets one per recipient)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cashloop.reports.choices import Frequency, ReportFormat, ScheduledReport, Weekday


class ScheduleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    report = forms.ChoiceField(label=_("Report"), choices=ScheduledReport.choices)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices)
    weekday = forms.TypedChoiceField(
        label=_("Weekday (weekly)"),
        choices=[("", "—"), *Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    day = forms.IntegerField(label=_("Day of the month (monthly)"), required=False)
    formats = forms.MultipleChoiceField(
        label=_("Formats"),
        choices=ReportFormat.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    recipients = forms.TypedMultipleChoiceField(
        label=_("Recipients"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    language = forms.ChoiceField(
        label=_("Language of the report"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, users: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipients"].choices = [(u.pk, f"{u} <{u.email}>") for u in users]
