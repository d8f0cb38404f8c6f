"""App config for core: money, sequences, idempotency, errors, audit trail, scoping."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "cashloop.core"
    label = "core"
    verbose_name = _("Core")
