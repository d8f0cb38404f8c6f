"""App config for credit control: limits, exposure, holds, score and risk signals."""

from datetime import time

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "cashloop.credit"
    label = "credit"
    verbose_name = _("Credit control")

    def ready(self) -> None:
        from cashloop.credit.approval_types import register_approval_types

        register_approval_types()
        from cashloop.core.schedule import DAILY, Job, schedule_register
        from cashloop.credit.tasks import credit_daily

        # After the promise check (05:30) and the dunning run (06:00): the scores count last
        # night's broken promises, and a dunning hold is placed before it is evaluated.
        schedule_register(Job("credit.credit_daily", credit_daily, DAILY, time(6, 30)))
