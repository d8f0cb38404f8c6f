"""Core tables: document sequences, idempotency keys and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Sequence(models.Model):
    """A gapless counter per series and year (INV-2026-000123); see `core.sequences`."""

    series = models.CharField(_("series"), max_length=20)
    year = models.PositiveIntegerField(_("year"))
    next_value = models.PositiveBigIntegerField(_("next value"), default=1)

    class Meta:
        verbose_name = _("document sequence")
        verbose_name_plural = _("document sequences")
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="core_sequence_series_year")
        ]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.next_value}"


class IdempotencyKey(models.Model):
    """The first response to an API POST sent with an `Idempotency-Key` header."""

    owner_key = models.CharField(max_length=64, help_text="user id or token id that sent it")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.BinaryField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner_key", "key"], name="core_idempotency_owner_key")
        ]

    def __str__(self) -> str:
        return f"{self.owner_key} {self.key}"


class AuditAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")


class AuditEntry(models.Model):
    """Who changed which business record when, with the values before and after."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=10, choices=AuditAction.choices)
    # The types are found through the two indexes below, which start with them: an index of
    # their own would only slow every write.
    object_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("record"), max_length=200)
    # The record whose history shows this row: the record itself, or its parent (a
    # contact's changes show in its customer's history).
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    subject_id = models.CharField(max_length=64)
    changes = models.JSONField(_("changes"), default=dict)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-at"]),
            models.Index(fields=["subject_type", "subject_id", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"


class ScheduledRun(models.Model):
    """One run of a scheduled job that was queued: the unique slot keeps it to once.

    Several workers may look at the clock at the same moment; the first to insert the
    (job, slot) row queues the task, the others find the row taken and do nothing.
    """

    job = models.CharField(_("job"), max_length=100)
    slot = models.CharField(_("slot"), max_length=20)
    queued_at = models.DateTimeField(_("queued"), auto_now_add=True)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="core_scheduled_once")]

    def __str__(self) -> str:
        return f"{self.job} {self.slot}"
