"""App config for identity: users, teams, roles, API tokens and login."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "cashloop.identity"
    label = "identity"
    verbose_name = _("Identity")
