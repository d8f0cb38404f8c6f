"""Choices of knowledge: who may see a folder or document, what a document holds, who hears."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Access(models.TextChoices):
    # Decision 035: a folder or document can only narrow what its folder allows.
    INHERIT = "inherit", _("Everyone who may see its folder")
    LISTED = "listed", _("Only the teams and roles listed")


class DocumentKind(models.TextChoices):
    PAGE = "page", _("Rich-text page")
    FILE = "file", _("Uploaded file")


class Audience(models.TextChoices):
    ALL = "all", _("Everyone")
    TEAMS = "teams", _("Chosen teams (and their sub-teams)")
