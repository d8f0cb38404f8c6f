"""App config for contracts: payment plans, milestones, key dates, billing, recognition."""

from datetime import time

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "cashloop.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from cashloop.contracts.tasks import key_date_reminders, revenue_recognition_monthly
        from cashloop.core.schedule import DAILY, MONTHLY, Job, schedule_register

        # Early on the 1st: last month's revenue is in before finance closes the month.
        schedule_register(
            Job("contracts.revenue_recognition", revenue_recognition_monthly, MONTHLY, time(1, 30))
        )
        # Before the working day starts, so the reminders wait in the owner's inbox.
        schedule_register(Job("contracts.key_date_reminders", key_date_reminders, DAILY, time(7)))

        from cashloop.contracts.approval_types import register_approval_types
        from cashloop.contracts.tasks import contracts_close_daily

        register_approval_types()
        # After midnight: a contract whose term ended yesterday is closed by the working day.
        schedule_register(Job("contracts.close", contracts_close_daily, DAILY, time(0, 40)))

        from cashloop.contracts.tasks import contract_billing_daily

        # Before the day's closing of contracts, so that an installment due as a contract
        # ends is still billed; the invoices are there by the morning.
        schedule_register(Job("contracts.billing", contract_billing_daily, DAILY, time(0, 30)))
