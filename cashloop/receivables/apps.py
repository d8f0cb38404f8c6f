"""App config for receivables: invoices, installments (open items), payments, allocations."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceivablesConfig(AppConfig):
    name = "cashloop.receivables"
    label = "receivables"
    verbose_name = _("Receivables")

    def ready(self) -> None:
        from cashloop.customers.hooks import MergeHook, register_merge
        from cashloop.receivables.customer_merge import receivables_count, receivables_merge

        register_merge(
            MergeHook(
                key="receivables",
                labels={
                    "invoices": _("Invoices"),
                    "payments": _("Payments"),
                    "credit_notes": _("Credit notes"),
                    "balances": _("Balances"),
                },
                count=receivables_count,
                move=receivables_merge,
            )
        )

        from cashloop.receivables.approval_types import register_approval_types

        register_approval_types()

        from datetime import time

        from cashloop.core.schedule import DAILY, Job, schedule_register
        from cashloop.receivables.tasks import invoice_overdue_daily

        # After the dunning run (06:00) has looked at the same installments.
        schedule_register(
            Job("receivables.invoice_overdue", invoice_overdue_daily, DAILY, time(6, 10))
        )
