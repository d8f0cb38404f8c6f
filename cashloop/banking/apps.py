"""App config for banking: bank accounts, statement import and payment recognition (认款)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BankingConfig(AppConfig):
    name = "cashloop.banking"
    label = "banking"
    verbose_name = _("Banking")
