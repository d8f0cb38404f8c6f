"""Writes of custom fields: define, change, retire, reinstate and order fields; layouts;
each user's list columns; and the check every object's service runs on its `custom` values.

A field's key and kind never change: stored values are read through them.  Retiring keeps
every stored value (decision 033).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cashloop.core.audit import audit_record, audit_snapshot
from cashloop.core.errors import DomainError, full_clean_or_raise
from cashloop.core.fieldrules import SHOW, field_rule
from cashloop.core.models import AuditAction
from cashloop.core.scoping import require
from cashloop.customfields.choices import CHOICE_KINDS, RANGE_KINDS, FieldKind, ObjectType
from cashloop.customfields.errors import CustomFieldError
from cashloop.customfields.models import KEY_MAX_LENGTH, CustomField, FieldLayout, ListColumns
from cashloop.customfields.selectors import field_get, fields_for, fields_shown
from cashloop.customfields.validation import (
    BadValue,
    custom_values_clean,
    pattern_check,
    value_clean,
)
from cashloop.identity.models import Role, User

KEY_RE = re.compile(rf"[a-z][a-z0-9_]{{0,{KEY_MAX_LENGTH - 1}}}")
FIELD_ATTRS = frozenset(
    {
        "label",
        "label_en",
        "required",
        "default",
        "min_value",
        "max_value",
        "pattern",
        "help_text",
        "section",
        "order",
        "choices",
    }
)


def custom_values_validate(
    *,
    actor: Any,
    object_type: str,
    values: Mapping[str, Any] | None,
    current: Mapping[str, Any] | None = None,
    fields: Sequence[CustomField] | None = None,
) -> dict[str, Any]:
    """The `custom` dict to store for a record (None `current`: a new one), or
    `custom_field.invalid`.  Every create and update service of the five types calls this.

    A field the actor sees masked or not at all keeps its value: the actor may send it back
    unchanged, not change it.  A batch passes `fields` (`fields_for(object_type,
    include_retired=True)`) read once for all its records.
    """
    values = dict(values or {})
    if fields is None:
        fields = fields_for(object_type, include_retired=True)
    old = current or {}
    for field in fields:
        changed = field.key in values and values[field.key] != old.get(field.key)
        if changed and field_rule(actor, object_type, field.key) != SHOW:
            raise DomainError(
                CustomFieldError.INVALID,
                key=field.key,
                reason=_("You may not change this field."),
                details={
                    "key": field.key,
                    "reason": "not_allowed",
                    "fields": {field.key: "not_allowed"},
                },
            )
    return custom_values_clean(fields, values, current=current)


def _model_field_names(object_type: str) -> set[str]:
    model = apps.get_model(object_type)
    names: set[str] = set()
    for f in model._meta.get_fields():
        names.add(f.name)
        if attname := getattr(f, "attname", None):
            names.add(attname)
    return names


def _check_key(object_type: str, key: str) -> None:
    if object_type not in ObjectType.values:
        raise DomainError(
            CustomFieldError.BAD_DEFINITION,
            reason=f"object_type {object_type}",
            details={"field": "object_type"},
        )
    if not KEY_RE.fullmatch(key or ""):
        raise DomainError(CustomFieldError.KEY_INVALID, details={"field": "key"})
    # A custom field's field rule is keyed by its key, beside the model's own fields.
    if key in _model_field_names(object_type) or key == "custom":
        raise DomainError(CustomFieldError.KEY_TAKEN, key=key, details={"field": "key"})
    if CustomField.objects.filter(object_type=object_type, key=key).exists():
        raise DomainError(CustomFieldError.KEY_TAKEN, key=key, details={"field": "key"})


def _bad(reason: str, field: str) -> DomainError:
    return DomainError(CustomFieldError.BAD_DEFINITION, reason=reason, details={"field": field})


def _check_definition(field: CustomField) -> None:
    """Choices, bounds, pattern and default must make sense for the field's kind."""
    if field.kind in CHOICE_KINDS:
        values = [c.get("value") if isinstance(c, dict) else None for c in field.choices or []]
        if not values or any(not isinstance(v, str) or not v for v in values):
            raise _bad("a choice field needs choices, each with a value and a label", "choices")
        if len(set(values)) != len(values):
            raise _bad("choice values must differ", "choices")
        field.choices = [
            {"value": c["value"], "label": c.get("label") or c["value"]} for c in field.choices
        ]
    elif field.choices:
        raise _bad("only choice fields have choices", "choices")
    if field.min_value or field.max_value:
        if field.kind not in RANGE_KINDS:
            raise _bad(
                "only numbers, decimals, money and dates have a minimum or maximum", "min_value"
            )
        bare = CustomField(kind=field.kind, key=field.key)
        bounds = []
        for name in ("min_value", "max_value"):
            text = getattr(field, name).strip()
            setattr(field, name, text)
            if not text:
                continue
            try:
                sample: Any = (
                    {"amount": text, "currency": "CNY"} if field.kind == FieldKind.MONEY else text
                )
                value_clean(bare, sample)
            except BadValue as exc:
                raise _bad(f"{name}: {exc}", name) from None
            bounds.append(text)
        if len(bounds) == 2 and field.kind != FieldKind.DATE:
            from decimal import Decimal

            if Decimal(bounds[0]) > Decimal(bounds[1]):
                raise _bad("the minimum is above the maximum", "min_value")
        elif len(bounds) == 2 and bounds[0] > bounds[1]:
            raise _bad("the minimum is after the maximum", "min_value")
    if field.pattern:
        if field.kind not in (FieldKind.TEXT, FieldKind.LONG_TEXT):
            raise _bad("only text fields have a pattern", "pattern")
        pattern_check(field.pattern)
    if field.default not in (None, "", []):
        try:
            field.default = value_clean(field, field.default)
        except BadValue as exc:
            raise _bad(f"default: {exc}", "default") from None
    else:
        field.default = None


@transaction.atomic
def custom_field_create(
    *,
    actor: User,
    object_type: str,
    key: str,
    label: str,
    kind: str,
    label_en: str = "",
    required: bool = False,
    default: Any = None,
    min_value: str = "",
    max_value: str = "",
    pattern: str = "",
    help_text: str = "",
    section: str = "",
    order: int | None = None,
    choices: Sequence[Mapping[str, str]] = (),
) -> CustomField:
    """Add a field to an object type; it shows at once in forms, pages, exports and the API."""
    require(actor, "add", CustomField)
    key = (key or "").strip()
    _check_key(object_type, key)
    if order is None:
        order = 1 + max((f.order for f in fields_for(object_type, include_retired=True)), default=0)
    field = CustomField(
        object_type=object_type,
        key=key,
        label=label,
        label_en=label_en,
        kind=kind,
        required=required,
        default=default,
        min_value=min_value or "",
        max_value=max_value or "",
        pattern=pattern or "",
        help_text=help_text,
        section=section,
        order=order,
        choices=[dict(c) for c in choices],
    )
    if kind not in FieldKind.values:
        raise _bad(f"kind {kind}", "kind")
    _check_definition(field)
    full_clean_or_raise(field, exclude=["key"])
    try:
        with transaction.atomic():
            field.save()
    except IntegrityError as exc:  # a concurrent create took the key
        raise DomainError(CustomFieldError.KEY_TAKEN, key=key, details={"field": "key"}) from exc
    audit_record(actor=actor, instance=field, action=AuditAction.CREATE)
    return field


def _field_for_change(actor: User, field_id: int) -> CustomField:
    field = field_get(user=actor, field_id=field_id, action="change")
    return CustomField.objects.select_for_update().get(pk=field.pk)


@transaction.atomic
def custom_field_update(*, actor: User, field_id: int, changes: Mapping[str, Any]) -> CustomField:
    """Change a field's label, rules, section, order or choices; key and kind stay."""
    field = _field_for_change(actor, field_id)
    if "key" in changes and changes["key"] != field.key:
        raise DomainError(CustomFieldError.KEY_IMMUTABLE, details={"field": "key"})
    if "kind" in changes and changes["kind"] != field.kind:
        raise DomainError(CustomFieldError.KIND_IMMUTABLE, details={"field": "kind"})
    before = audit_snapshot(field)
    for name, value in changes.items():
        if name in ("key", "kind"):
            continue
        if name not in FIELD_ATTRS:
            raise _bad(f"unknown attribute {name}", name)
        setattr(field, name, value if value is not None or name == "default" else "")
    _check_definition(field)
    full_clean_or_raise(field, exclude=["key"])
    field.save()
    audit_record(actor=actor, instance=field, action=AuditAction.UPDATE, before=before)
    return field


@transaction.atomic
def custom_field_retire(*, actor: User, field_id: int) -> CustomField:
    """Take a field out of forms and lists; stored values stay and stay readable."""
    field = _field_for_change(actor, field_id)
    if field.is_retired:
        raise DomainError(CustomFieldError.ALREADY_RETIRED)
    before = audit_snapshot(field)
    field.retired_at = timezone.now()
    field.save(update_fields=["retired_at", "updated_at"])
    audit_record(actor=actor, instance=field, action=AuditAction.UPDATE, before=before)
    return field


@transaction.atomic
def custom_field_reinstate(*, actor: User, field_id: int) -> CustomField:
    field = _field_for_change(actor, field_id)
    if not field.is_retired:
        raise DomainError(CustomFieldError.NOT_RETIRED)
    before = audit_snapshot(field)
    field.retired_at = None
    field.save(update_fields=["retired_at", "updated_at"])
    audit_record(actor=actor, instance=field, action=AuditAction.UPDATE, before=before)
    return field


@transaction.atomic
def custom_field_move(*, actor: User, field_id: int, offset: int) -> None:
    """Move a field up (-1) or down (+1) among its type's fields of the same section."""
    field = _field_for_change(actor, field_id)
    siblings = [
        f for f in fields_for(field.object_type, include_retired=True) if f.section == field.section
    ]
    index = next(i for i, f in enumerate(siblings) if f.pk == field.pk)
    target = index + (1 if offset > 0 else -1)
    if not 0 <= target < len(siblings):
        return
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        if sibling.order != position:
            before = audit_snapshot(sibling)
            sibling.order = position
            sibling.save(update_fields=["order", "updated_at"])
            audit_record(actor=actor, instance=sibling, action=AuditAction.UPDATE, before=before)


@transaction.atomic
def field_layout_set(
    *, actor: User, object_type: str, role_id: int | None, keys: Sequence[str]
) -> FieldLayout | None:
    """Choose the fields (in order) a role sees; an empty list removes the role's layout,
    so the role sees what everyone sees."""
    require(actor, "change", CustomField)
    active = {f.key for f in fields_for(object_type)}
    wanted: list[str] = []
    for key in keys:
        if key not in active:
            raise DomainError(CustomFieldError.LAYOUT_UNKNOWN_KEY, key=key, details={"key": key})
        if key not in wanted:
            wanted.append(key)
    role = Role.objects.filter(pk=role_id).first() if role_id is not None else None
    if role_id is not None and role is None:
        raise _bad("unknown role", "role_id")
    layout = (
        FieldLayout.objects.select_for_update().filter(object_type=object_type, role=role).first()
    )
    if not wanted:
        if layout is not None:
            audit_record(
                actor=actor,
                instance=layout,
                action=AuditAction.DELETE,
                before=audit_snapshot(layout),
            )
            layout.delete()
        return None
    if layout is None:
        layout = FieldLayout.objects.create(object_type=object_type, role=role, keys=wanted)
        audit_record(actor=actor, instance=layout, action=AuditAction.CREATE)
        return layout
    before = audit_snapshot(layout)
    layout.keys = wanted
    layout.save()
    audit_record(actor=actor, instance=layout, action=AuditAction.UPDATE, before=before)
    return layout


@transaction.atomic
def list_columns_set(*, actor: User, object_type: str, keys: Sequence[str]) -> list[str]:
    """A user's own choice of extra list columns (a preference: no audit row)."""
    require(actor, "view", apps.get_model(object_type))
    shown = fields_shown(user=actor, object_type=object_type, layout=False)
    visible = {s.field.key for s in shown}
    chosen = [k for k in dict.fromkeys(keys) if k in visible]
    ListColumns.objects.update_or_create(
        user=actor, object_type=object_type, defaults={"keys": chosen}
    )
    return chosen
