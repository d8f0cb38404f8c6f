"""Choices of imports."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class JobStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Checked, not imported")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Not imported")


class InstallmentState(models.TextChoices):
    """What became of a migrated contract's installment in the old system (decision 068):
    not invoiced there (Cashloop bills it when due), or invoiced or paid there (never
    billed again)."""

    SCHEDULED = "scheduled", pgettext_lazy("installment", "Not invoiced")
    INVOICED = "invoiced", pgettext_lazy("installment", "Invoiced")
    PAID = "paid", _("Paid")
