"""App config for ledger: the chart of accounts and the journal, the only writer of money."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "cashloop.ledger"
    label = "ledger"
    verbose_name = _("Ledger")
