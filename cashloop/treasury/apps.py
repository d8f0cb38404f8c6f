"""App config for treasury: cash position, budgets, payment behaviour and the forecast."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TreasuryConfig(AppConfig):
    name = "cashloop.treasury"
    label = "treasury"
    verbose_name = _("Treasury")
