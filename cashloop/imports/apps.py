"""App config for imports: moving a company's data in from spreadsheets (decision 066)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "cashloop.imports"
    label = "imports"
    verbose_name = _("Imports")
