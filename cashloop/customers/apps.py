"""App config for customers: the company's customers and their contacts."""

from datetime import time

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "cashloop.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from cashloop.customers.search_providers import contact_hits, customer_hits
        from cashloop.web.search import register

        register("customers", _("Customers"), customer_hits, order=10)
        register("contacts", _("Contacts"), contact_hits, order=20)

        from cashloop.core.schedule import DAILY, Job, schedule_register
        from cashloop.customers.tasks import pool_sweep

        # At night, so that a customer does not leave a rep's list in the middle of a day.
        schedule_register(Job("customers.pool_sweep", pool_sweep, DAILY, time(2, 15)))
