"""App config for collections: dunning policies and levels, exclusions, the daily dunning
run, its preview, the dunning log and the collection tasks it creates (decision 047)."""

from datetime import time

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionsConfig(AppConfig):
    name = "cashloop.collections"
    label = "collections"
    verbose_name = _("Collections")

    def ready(self) -> None:
        from cashloop.collections.tasks import dunning_daily
        from cashloop.core.schedule import DAILY, Job, schedule_register

        # Early morning: reminders are in the customer's inbox when the working day starts,
        # and the collectors find today's tasks waiting.
        schedule_register(Job("collections.dunning_daily", dunning_daily, DAILY, time(6, 0)))
