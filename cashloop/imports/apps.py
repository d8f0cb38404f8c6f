"""App config for imports: moving a company's data in from spreadsheets (decision 066)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "cashloop.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        # kinds.py registers every kind, importing last those kept in modules of their own
        # (which build on it): loaded first, any of them can then be imported on its own.
        from cashloop.imports import kinds  # noqa: F401
