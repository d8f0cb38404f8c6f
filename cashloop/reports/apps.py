"""App config for reports: AR aging and AR KPIs, as of any date, and reports mailed on a
schedule (decision 064)."""

from datetime import time

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "cashloop.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from cashloop.core.schedule import DAILY, Job, schedule_register
        from cashloop.reports.tasks import report_schedules_send

        # Daily: each schedule knows its own weekday or day of the month, and its period.
        schedule_register(Job("reports.schedules_send", report_schedules_send, DAILY, time(7, 0)))
