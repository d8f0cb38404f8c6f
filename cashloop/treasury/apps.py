"""App config for treasury: cash position, budgets, payment behaviour and the forecast."""

from datetime import time

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TreasuryConfig(AppConfig):
    name = "cashloop.treasury"
    label = "treasury"
    verbose_name = _("Treasury")

    def ready(self) -> None:
        from cashloop.core.schedule import DAILY, Job, schedule_register
        from cashloop.treasury.tasks import forecast_daily

        # After the night's postings and the morning's dunning and credit checks.
        schedule_register(Job("treasury.forecast_daily", forecast_daily, DAILY, time(7, 0)))
