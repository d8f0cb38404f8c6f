"""Choices of reports: the reports that can be mailed on a schedule, how often, and as what."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledReport(models.TextChoices):
    AR_SUMMARY = "ar_summary", _("Weekly AR summary")
    REVENUE = "revenue", _("Monthly revenue")


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "Excel"
