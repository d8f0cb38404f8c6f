"""App config for web: the page shell, navigation, static files and error pages."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "cashloop.web"
    label = "web"
    verbose_name = _("Web")
