"""App config for customers: the company's customers and their contacts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "cashloop.customers"
    label = "customers"
    verbose_name = _("Customers")
