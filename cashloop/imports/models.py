"""Import tables (decision 066): a file being imported (its mapping, checks and outcome),
saved column mappings, and what each imported natural key became.

A job keeps the uploaded file until it is imported, so the preview and the import read
the same bytes.  `ImportedRecord` is what makes re-running a file change nothing: a row
whose kind and natural key (a customer's code, a migrated invoice's number in the old
system) is already there is skipped, not imported twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cashloop.imports.choices import JobStatus


class ImportTemplate(models.Model):
    """A saved mapping of file columns to a kind's fields, for the next file of the same shape."""

    kind = models.CharField(_("kind"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    mapping = models.JSONField(_("mapping"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("import template")
        verbose_name_plural = _("import templates")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="imports_template_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class ImportJob(models.Model):
    kind = models.CharField(_("kind"), max_length=30)
    file_name = models.CharField(_("file"), max_length=200)
    content = models.BinaryField(_("content"), editable=False)
    mapping = models.JSONField(_("mapping"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.PREVIEWED
    )
    valid_only = models.BooleanField(_("valid rows only"), default=False)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    error_rows = models.PositiveIntegerField(_("rows with errors"), default=0)
    existing_rows = models.PositiveIntegerField(_("rows already imported"), default=0)
    imported_rows = models.PositiveIntegerField(_("rows imported"), default=0)
    # [{"line", "column", "code", "message"}], in line order; rows may have several.
    errors = models.JSONField(_("errors"), default=list)
    # [{"line", "message"}]: possible duplicates of existing records; they do not stop it.
    warnings = models.JSONField(_("warnings"), default=list)
    # The first rows as read, for the preview table.
    sample = models.JSONField(_("sample"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Who ran the import: its records are created with their rights.
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    # The file and the checks' lists are large and kept on the job itself.
    audit_exclude = ("content", "errors", "warnings", "sample")

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.file_name


class ImportedRecord(models.Model):
    kind = models.CharField(_("kind"), max_length=30)
    key = models.CharField(_("natural key"), max_length=200)
    object_id = models.BigIntegerField(_("record"))
    job = models.ForeignKey(ImportJob, on_delete=models.PROTECT, related_name="records")

    class Meta:
        verbose_name = _("imported record")
        verbose_name_plural = _("imported records")
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="imports_key_once")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"
