"""Field rules: which fields of an object type a user sees whole, masked, or not at all.

Roles carry the rules (`Role.field_rules`), users answer `field_rule(object_type, field)`
(identity implements it), and everything that shows a field asks here first, so a field
hidden from a role is hidden on every page, export and API response alike.

The one enforcement point is the read path (decision 034): rows fetched through
`restrict()` / `get_scoped()` pass through `apply_field_rules`, which replaces a masked
value by `mask_value(...)` and a hidden one by the field's empty value on the instance
itself, so templates, CSV exports and API schemas can only print what the user may see.
The instance remembers what it replaced: saving it puts the real value back when the
placeholder is unchanged and refuses (`permission.field_hidden`) when someone wrote
over it.  A new row written during a request is checked against the requesting user's
rules (`acting_user`), so an API payload or form cannot fill a field its author may not see.
Searches match only the fields their user reads whole (`match_shown`), so typing a hidden
or masked value cannot confirm it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from django.db import models
from django.db.models import Q
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import DomainError, ErrorCode

SHOW, MASK, HIDE = "show", "mask", "hide"
FIELD_RULE_ORDER = {SHOW: 0, MASK: 1, HIDE: 2}
MASK_KEEP = 4
CUSTOM_FIELD = "custom"  # the JSON field that holds custom field values by key
_ABSENT = object()  # a hidden custom field's key is taken out of the values

_acting_user: ContextVar[Any] = ContextVar("field_rule_user", default=None)


class FieldRuleError(ErrorCode):
    FIELD_HIDDEN = (
        "permission.field_hidden",
        403,
        _("You may not change the field {field}: it is hidden or masked for you."),
    )


class FieldRuleUser(Protocol):
    def field_rule(self, object_type: str, field: str) -> str: ...

    def field_rules_for(self, object_type: str) -> dict[str, str]: ...


def field_rule(user: FieldRuleUser | Any, model: type[models.Model] | str, field: str) -> str:
    """The rule for `field` of `model` (a model class or an `app_label.model` string)."""
    from cashloop.core.scoping import object_type_of

    object_type = model if isinstance(model, str) else object_type_of(model)
    rule = getattr(user, "field_rule", None)
    return rule(object_type, field) if rule is not None else HIDE


def mask_value(value: Any) -> str:
    """`6222021234567890` -> `****7890`; short values lose every character."""
    text = "" if value is None else str(value)
    if not text:
        return ""
    if text.startswith("****"):
        return text  # already masked: masking twice must not lose the kept digits
    return "****" + (text[-MASK_KEEP:] if len(text) > MASK_KEEP * 2 else "")


def maskable(field: models.Field) -> bool:
    """Text fields can be masked; other fields can only be hidden."""
    return isinstance(field, models.CharField | models.TextField)


def hideable(field: models.Field) -> bool:
    """A field can be hidden when an empty value still fits it (text, or nullable)."""
    return maskable(field) or bool(field.null)


def _placeholder(field: models.Field, value: Any, rule: str) -> Any:
    if rule == MASK and maskable(field):
        return mask_value(value)
    return "" if maskable(field) and not field.null else None


def _rules(user: Any, model: type[models.Model]) -> dict[str, str]:
    from cashloop.core.scoping import object_type_of

    rules_for = getattr(user, "field_rules_for", None)
    return rules_for(object_type_of(model)) if rules_for is not None else {}


def apply_field_rules(user: Any, obj: models.Model) -> None:
    """Replace what `user` may not see on `obj` (and on related rows loaded with it)."""
    if obj.__dict__.get("_field_rule_user") is not None:
        return
    obj.__dict__["_field_rule_user"] = user
    masks: dict[str, tuple[Any, Any]] = {}
    custom_masks: dict[str, tuple[Any, Any]] = {}
    concrete = {f.name: f for f in obj._meta.concrete_fields}
    for name, rule in _rules(user, type(obj)).items():
        field = concrete.get(name)
        if field is not None:
            value = getattr(obj, field.attname)
            masks[field.attname] = (value, _placeholder(field, value, rule))
        elif CUSTOM_FIELD in concrete and name in (getattr(obj, CUSTOM_FIELD) or {}):
            value = getattr(obj, CUSTOM_FIELD)[name]
            custom_masks[name] = (value, mask_value(value) if rule == MASK else _ABSENT)
    obj.__dict__["_field_masks"] = masks
    obj.__dict__["_custom_masks"] = custom_masks
    _put(obj, placeholders=True)
    # select_related rows are read through this one: they obey their own type's rules.
    for related in obj._state.fields_cache.values():
        if isinstance(related, models.Model) and hasattr(
            type(related)._default_manager, "restrict"
        ):
            apply_field_rules(user, related)


def _put(obj: models.Model, *, placeholders: bool) -> None:
    index = 1 if placeholders else 0
    for attname, pair in obj.__dict__.get("_field_masks", {}).items():
        setattr(obj, attname, pair[index])
    custom_masks = obj.__dict__.get("_custom_masks", {})
    if custom_masks:
        values = dict(getattr(obj, CUSTOM_FIELD) or {})
        for key, pair in custom_masks.items():
            if pair[index] is _ABSENT:
                values.pop(key, None)
            else:
                values[key] = pair[index]
        setattr(obj, CUSTOM_FIELD, values)


def field_visible(user: Any, model: type[models.Model] | str, field: str) -> bool:
    return field_rule(user, model, field) != HIDE


def fields_hidden(user: Any, model: type[models.Model]) -> set[str]:
    """Names of the fields of `model` that `user` may not see at all."""
    return {name for name, rule in _rules(user, model).items() if rule == HIDE}


def path_rule(user: Any, model: type[models.Model], path: str) -> str:
    """The rule for `path` (a field, or a lookup path such as `customer__name`) of `model`:
    the strictest met on the way, each field obeying its own model's rules."""
    rule = SHOW
    for name in path.split("__"):
        field = model._meta.get_field(name)
        rule = max(rule, _rules(user, model).get(name, SHOW), key=FIELD_RULE_ORDER.__getitem__)
        if field.related_model is None:
            break
        model = field.related_model
    return rule


def match_shown(user: Any, model: type[models.Model], clauses: Iterable[tuple[str, Q]]) -> Q:
    """The OR of the `(field, condition)` clauses whose field `user` reads whole.

    A search must not find a record by a value its user may not read (typing a masked
    tax ID would confirm it); matching nothing when no clause is left, never everything.
    """
    match = Q(pk__in=[])
    for path, clause in clauses:
        if path_rule(user, model, path) == SHOW:
            match |= clause
    return match


@contextmanager
def acting_user(user: Any) -> Iterator[None]:
    """Writes made inside are checked against `user`'s field rules (set per request)."""
    token = _acting_user.set(user)
    try:
        yield
    finally:
        _acting_user.reset(token)


def current_user() -> Any:
    return _acting_user.get()


def form_apply_field_rules(form: Any, model: type[models.Model]) -> None:
    """Drop the fields the requesting user may not see from a form, and disable masked
    ones, so a page never offers to write a value its user cannot read."""
    user = current_user()
    for name, rule in _rules(user, model).items():
        if name not in form.fields:
            continue
        if rule == HIDE:
            del form.fields[name]
        else:
            form.fields[name].disabled = True


def _refuse(name: str) -> None:
    raise DomainError(FieldRuleError.FIELD_HIDDEN, field=name, details={"field": name})


@receiver(pre_save, dispatch_uid="fieldrules_guard")
def _guard(
    sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    masks = instance.__dict__.get("_field_masks")
    if masks is None:
        if instance._state.adding:
            _check_new(instance)
        return
    for attname, (_value, placeholder) in masks.items():
        if getattr(instance, attname) != placeholder:
            _refuse(attname.removesuffix("_id"))
    custom = getattr(instance, CUSTOM_FIELD, None) or {}
    for key, (_value, placeholder) in instance.__dict__.get("_custom_masks", {}).items():
        if custom.get(key, _ABSENT) != placeholder:
            _refuse(key)
    _put(instance, placeholders=False)


@receiver(post_save, dispatch_uid="fieldrules_remask")
def _remask(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if instance.__dict__.get("_field_masks") is not None:
        _put(instance, placeholders=True)


def _check_new(instance: models.Model) -> None:
    user = current_user()
    if user is None or not hasattr(type(instance)._default_manager, "restrict"):
        return
    concrete = {f.name: f for f in instance._meta.concrete_fields}
    custom = getattr(instance, CUSTOM_FIELD, None) if CUSTOM_FIELD in concrete else None
    for name in _rules(user, type(instance)):
        field = concrete.get(name)
        if field is not None:
            if getattr(instance, field.attname) not in (field.get_default(), None, ""):
                _refuse(name)
        elif custom and custom.get(name) not in (None, "", []):
            _refuse(name)


def audit_rows_for(user: Any, queryset: models.QuerySet) -> models.QuerySet:
    """Audit rows whose recorded values obey `user`'s field rules: a hidden field's change
    is left out, a masked one shows masked values (the history would otherwise tell)."""
    from django.contrib.contenttypes.models import ContentType

    class RuledAuditIterable(models.query.ModelIterable):
        def __iter__(self):  # type: ignore[no-untyped-def]
            for entry in super().__iter__():
                model = ContentType.objects.get_for_id(entry.object_type_id).model_class()
                rules = _rules(user, model) if model is not None else {}
                if rules and isinstance(entry.changes, dict):
                    entry.changes = {
                        name: [mask_value(v) if v not in (None, "") else v for v in pair]
                        if rules.get(name) == MASK
                        else pair
                        for name, pair in entry.changes.items()
                        if rules.get(name) != HIDE
                    }
                yield entry

    queryset = queryset._chain()  # type: ignore[attr-defined]
    queryset._iterable_class = RuledAuditIterable
    return queryset
