"""Tables of reports: schedules that mail a report to people (decision 064).  The reports
themselves are reads over other apps' tables and keep nothing."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cashloop.reports.choices import Frequency, ScheduledReport

MONTH_DAYS_MAX = 28  # every month has the day, as for the worker's monthly jobs


class ReportSchedule(models.Model):
    """A report mailed to its recipients weekly on a weekday or monthly on a day, as PDF
    and/or Excel.  `last_period` (an ISO week "2026-W48" or a month "2026-11") is the period
    last sent, so each period is sent at most once however often the job runs."""

    name = models.CharField(_("name"), max_length=100)
    report = models.CharField(_("report"), max_length=20, choices=ScheduledReport.choices)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    weekday = models.PositiveSmallIntegerField(_("weekday"), null=True, blank=True)
    day = models.PositiveSmallIntegerField(_("day of the month"), null=True, blank=True)
    as_pdf = models.BooleanField(_("PDF"), default=True)
    as_xlsx = models.BooleanField(_("Excel"), default=False)
    active = models.BooleanField(_("active"), default=True)
    last_period = models.CharField(_("last period sent"), max_length=10, blank=True)
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    audit_exclude = ("last_period", "last_sent_at")

    class Meta:
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(as_pdf=True) | Q(as_xlsx=True), name="report_schedule_format"
            ),
            models.CheckConstraint(
                condition=(
                    Q(frequency=Frequency.WEEKLY, weekday__gte=0, weekday__lte=6, day=None)
                    | Q(
                        frequency=Frequency.MONTHLY,
                        day__gte=1,
                        day__lte=MONTH_DAYS_MAX,
                        weekday=None,
                    )
                ),
                name="report_schedule_when",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def formats(self) -> list[str]:
        return [f for f, on in (("pdf", self.as_pdf), ("xlsx", self.as_xlsx)) if on]


class ReportRecipient(models.Model):
    """Who gets a schedule's report, and in which language it is written for them."""

    schedule = models.ForeignKey(
        ReportSchedule, on_delete=models.CASCADE, related_name="recipients"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("report recipient")
        verbose_name_plural = _("report recipients")
        ordering = ["schedule_id", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "user"], name="report_recipient_once")
        ]

    def __str__(self) -> str:
        return f"{self.schedule} → {self.user}"
