"""App config for webhooks: events Cashloop sends, signed, to other systems (decision 060)."""

from datetime import time

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "cashloop.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from cashloop.core.schedule import HOURLY, Job, schedule_register
        from cashloop.webhooks.tasks import webhook_retry_due

        # A safety net: retries are queued for their time, this picks up any a worker lost.
        schedule_register(Job("webhooks.retry_due", webhook_retry_due, HOURLY, time(0, 7)))
