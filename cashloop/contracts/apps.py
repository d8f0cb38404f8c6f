"""App config for contracts: payment plans, milestones, key dates, billing, recognition."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "cashloop.contracts"
    label = "contracts"
    verbose_name = _("Contracts")
