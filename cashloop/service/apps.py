"""App config for after-sales service (售后): tickets, their conversation, the overdue warning."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "cashloop.service"
    label = "service"
    verbose_name = _("After-sales service")
