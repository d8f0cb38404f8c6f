"""Choices of treasury: which way a budget category's money goes, how often a planned item
recurs, where a forecast run is."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    INFLOW = "inflow", _("Inflow")
    OUTFLOW = "outflow", _("Outflow")


class Frequency(models.TextChoices):
    ONCE = "once", _("Once")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


# Months between two occurrences of a recurring planned item (ONCE has no next one).
FREQUENCY_MONTHS = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.YEARLY: 12}


class ForecastStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
