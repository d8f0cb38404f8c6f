"""App config for receivables: invoices, installments (open items), payments, allocations."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceivablesConfig(AppConfig):
    name = "cashloop.receivables"
    label = "receivables"
    verbose_name = _("Receivables")
