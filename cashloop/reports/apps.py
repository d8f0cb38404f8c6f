"""App config for reports: AR aging and AR KPIs, as of any date."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "cashloop.reports"
    label = "reports"
    verbose_name = _("Reports")
