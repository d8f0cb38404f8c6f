"""App config for approvals: flows, requests, delegations, expense claims and work plans."""

from datetime import time

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "cashloop.approvals"
    label = "approvals"
    verbose_name = _("Approvals")

    def ready(self) -> None:
        from cashloop.approvals.doctypes import register_builtin_types
        from cashloop.approvals.tasks import approvals_remind_and_escalate
        from cashloop.core.schedule import HOURLY, Job, schedule_register

        register_builtin_types()
        # Deadlines are in hours, so the check runs every hour (a few minutes past).
        schedule_register(
            Job("approvals.remind_and_escalate", approvals_remind_and_escalate, HOURLY, time(0, 5))
        )
