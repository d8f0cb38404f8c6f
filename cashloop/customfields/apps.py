"""App config for custom fields (自定义字段)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomFieldsConfig(AppConfig):
    name = "cashloop.customfields"
    label = "customfields"
    verbose_name = _("Custom fields")
