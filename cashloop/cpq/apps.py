"""App config for CPQ: the catalog, price books, discount rules and quotes."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CpqConfig(AppConfig):
    name = "cashloop.cpq"
    label = "cpq"
    verbose_name = _("Quotes and catalog")
