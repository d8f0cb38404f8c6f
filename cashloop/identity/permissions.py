"""The permission registry: which object types, actions and fields a role may name.

It is built from the code, not typed twice: the object types and their special actions
(claim, write_off, ...) are those the built-in roles grant in `roles.py` (every app adds
its grants there), every type also offers the standard actions, and the fields a field
rule may name are the model's own visible fields plus the custom fields an admin defined.
The roles editor draws its matrix from here and role services validate against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _

from cashloop.core.fieldrules import HIDE, MASK, hideable, maskable
from cashloop.identity.roles import BUILTIN_ROLES

STANDARD_ACTIONS = ("view", "add", "change", "delete", "export", "approve")
# Identity's own checks: who may edit roles and assign them (the lock-out rule counts these).
ROLE_ADMIN = ("identity.role", "manage")
_OWN_GRANTS = {ROLE_ADMIN[0]: [ROLE_ADMIN[1]]}
# Column headings of the matrix; an action without one (a new app's) shows its code.
ACTION_LABELS = {
    "view": _("View"),
    "add": _("Create"),
    "change": _("Edit"),
    "delete": _("Delete"),
    "export": _("Export"),
    "approve": _("Approve"),
    "claim": _("Claim"),
    "hand_over": _("Hand over"),
    "merge": _("Merge"),
    "issue": _("Issue"),
    "credit": _("Credit"),
    "write_off": _("Write off"),
    "allocate": _("Allocate"),
    "refund": _("Refund"),
    "reverse": _("Reverse"),
    "manage": _("Manage"),
}
# Bookkeeping fields nobody types in; hiding them would only confuse.
_NOT_RULED = {"id", "created_at", "updated_at", "custom"}


@dataclass(frozen=True)
class ObjectType:
    code: str
    label: str
    actions: tuple[str, ...]


@dataclass(frozen=True)
class RuledField:
    name: str
    label: str
    rules: tuple[str, ...]  # the rules this field can take: hide, and mask for text


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


@cache
def _granted() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for spec in BUILTIN_ROLES.values():
        for object_type, actions in {**spec["grants"], **_OWN_GRANTS}.items():
            if object_type == "*":
                continue
            seen = found.setdefault(object_type, list(STANDARD_ACTIONS))
            seen.extend(a for a in actions if a != "*" and a not in seen)
    return {code: tuple(actions) for code, actions in sorted(found.items())}


def object_types() -> list[ObjectType]:
    """Every object type a role can grant, with the actions it takes, in a stable order."""
    result = []
    for code, actions in _granted().items():
        model = _model(code)
        label = str(model._meta.verbose_name_plural) if model is not None else code
        result.append(ObjectType(code, label.capitalize(), actions))
    return result


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def all_actions() -> tuple[str, ...]:
    """Every action of any object type: the matrix's columns."""
    seen: list[str] = []
    for actions in _granted().values():
        seen.extend(a for a in actions if a not in seen)
    return tuple(seen)


def is_known(object_type: str, action: str) -> bool:
    if object_type == "*":
        return action == "*" or action in all_actions()
    actions = _granted().get(object_type)
    return actions is not None and (action == "*" or action in actions)


def _custom_fields(object_type: str) -> list[Any]:
    # The custom-fields app is optional here: without it a type has no custom fields.
    try:
        from cashloop.customfields.selectors import fields_for
    except ImportError:
        return []
    return list(fields_for(object_type))


def ruled_fields(object_type: str) -> list[RuledField]:
    """The fields of `object_type` a field rule may name: what a user could see of it."""
    model = _model(object_type)
    # Rules act where rows are read through `restrict()`: only scoped models can have them.
    if model is None or not hasattr(model._default_manager, "restrict"):
        return []
    skip = _NOT_RULED | set(getattr(model, "audit_exclude", ()))
    result = []
    for field in model._meta.concrete_fields:
        if field.name in skip or field.is_relation or not field.editable:
            continue
        if not hideable(field):
            continue
        rules = (MASK, HIDE) if maskable(field) else (HIDE,)
        result.append(RuledField(field.name, str(field.verbose_name).capitalize(), rules))
    for custom in _custom_fields(object_type):
        result.append(RuledField(custom.key, str(custom.label), (MASK, HIDE)))
    return result


def ruled_types() -> list[ObjectType]:
    """The object types that have fields a rule may name (models only)."""
    return [ot for ot in object_types() if ruled_fields(ot.code)]
