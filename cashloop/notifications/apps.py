"""App config for notifications: messages to a user, in the app and by email."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "cashloop.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
