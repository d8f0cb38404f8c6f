"""App config for credit control: limits, exposure, holds, score and risk signals."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "cashloop.credit"
    label = "credit"
    verbose_name = _("Credit control")

    def ready(self) -> None:
        from cashloop.credit.approval_types import register_approval_types

        register_approval_types()
