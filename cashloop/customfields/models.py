"""Tables of custom fields: the definitions, the layouts per role, and each user's list columns.

Values are not stored here: each object type keeps them in its own `custom` JSON column,
keyed by the field's `key` (decision 033).  A definition is never deleted, only retired,
so stored values always keep a definition that says how to read them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cashloop.customfields.choices import FieldKind, ObjectType

KEY_MAX_LENGTH = 50


class CustomField(models.Model):
    object_type = models.CharField(_("object type"), max_length=40, choices=ObjectType.choices)
    key = models.SlugField(_("key"), max_length=KEY_MAX_LENGTH)
    label = models.CharField(_("label"), max_length=100)
    label_en = models.CharField(_("English label"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=FieldKind.choices)
    required = models.BooleanField(_("required"), default=False)
    # Stored as the value itself would be (see validation.py); null means no default.
    default = models.JSONField(_("default"), null=True, blank=True)
    # Bounds as text, so that one column holds integers, decimals and dates alike.
    min_value = models.CharField(_("minimum"), max_length=40, blank=True)
    max_value = models.CharField(_("maximum"), max_length=40, blank=True)
    pattern = models.CharField(_("pattern"), max_length=200, blank=True)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    section = models.CharField(_("section"), max_length=100, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    # [{"value": "mfg", "label": "Manufacturing"}, ...] for the choice kinds.
    choices = models.JSONField(_("choices"), default=list, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["object_type", "section", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["object_type", "key"], name="customfield_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.display_label} ({self.key})"

    @property
    def display_label(self) -> str:
        """The English label on English pages when there is one, else the label."""
        if self.label_en and (translation.get_language() or "").startswith("en"):
            return self.label_en
        return self.label

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    def choice_label(self, value: str) -> str:
        return next((str(c["label"]) for c in self.choices if c["value"] == value), value)


class FieldLayout(models.Model):
    """Which custom fields show, in which order, for one object type and one role (or all)."""

    object_type = models.CharField(_("object type"), max_length=40, choices=ObjectType.choices)
    role = models.ForeignKey(
        "identity.Role",
        verbose_name=_("role"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="field_layouts",
    )
    keys = models.JSONField(_("fields shown"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("field layout")
        verbose_name_plural = _("field layouts")
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "role"],
                name="fieldlayout_role_unique",
                condition=models.Q(role__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["object_type"],
                name="fieldlayout_everyone_unique",
                condition=models.Q(role__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} / {self.role or _('everyone')}"


class ListColumns(models.Model):
    """The custom fields a user chose to see as extra columns of one list page."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_columns"
    )
    object_type = models.CharField(_("object type"), max_length=40, choices=ObjectType.choices)
    keys = models.JSONField(_("columns"), default=list, blank=True)

    class Meta:
        verbose_name = _("list columns")
        verbose_name_plural = _("list columns")
        constraints = [
            models.UniqueConstraint(fields=["user", "object_type"], name="listcolumns_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} / {self.object_type}"
