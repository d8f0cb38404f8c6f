"""App config for CPQ: the catalog, price books, discount rules and quotes."""

from datetime import time

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CpqConfig(AppConfig):
    name = "cashloop.cpq"
    label = "cpq"
    verbose_name = _("Quotes and catalog")

    def ready(self) -> None:
        from cashloop.core.schedule import DAILY, Job, schedule_register
        from cashloop.cpq.approval_types import register_approval_types
        from cashloop.cpq.tasks import quotes_expire

        register_approval_types()
        # Just after midnight: a quote valid until yesterday is no longer on offer today.
        schedule_register(Job("cpq.quotes_expire", quotes_expire, DAILY, time(0, 20)))
