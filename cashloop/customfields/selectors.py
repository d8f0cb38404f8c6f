"""Reads of custom fields: definitions, what a user sees of the values, list filters.

Definitions are configuration, readable by everyone who reads the object type; values
are read through the object's own scoped selectors, and then through `field_rule`
(a custom field's rule key is its own key), so a hidden field is absent and a masked one
shows `****` on every page, export and API response alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.db import connection
from django.db.models import DateField, DecimalField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from cashloop.core.errors import DomainError
from cashloop.core.fieldrules import HIDE, MASK, field_rule, mask_value
from cashloop.core.scoping import object_type_of, require
from cashloop.customfields.choices import EQUALITY_KINDS, TEXT_KINDS, FieldKind
from cashloop.customfields.errors import CustomFieldError
from cashloop.customfields.models import CustomField, FieldLayout, ListColumns
from cashloop.customfields.validation import BadValue, Money, value_clean, value_python

FILTER_PREFIX = "cf_"
_QS = TypeVar("_QS", bound=QuerySet)
RANGE_SUFFIXES = ("__gte", "__lte")


def fields_for(object_type: str, *, include_retired: bool = False) -> list[CustomField]:
    """The custom fields of an object type by section and order (the registry others read)."""
    qs = CustomField.objects.filter(object_type=object_type)
    if not include_retired:
        qs = qs.filter(retired_at__isnull=True)
    return list(qs.order_by("section", "order", "id"))


def field_list(*, user: Any, object_type: str) -> list[CustomField]:
    """Every field of a type, retired ones too, for the settings pages."""
    require(user, "view", CustomField)
    return fields_for(object_type, include_retired=True)


def field_get(*, user: Any, field_id: int, action: str = "view") -> CustomField:
    require(user, action, CustomField)
    field = CustomField.objects.filter(pk=field_id).first()
    if field is None:
        raise DomainError(CustomFieldError.NOT_FOUND)
    return field


def layout_list(*, user: Any, object_type: str) -> list[FieldLayout]:
    require(user, "view", CustomField)
    return list(
        FieldLayout.objects.filter(object_type=object_type)
        .select_related("role")
        .order_by("role__code")
    )


def _layout_keys(user: Any, object_type: str) -> list[str] | None:
    """The keys the user's layouts show, in order; None when no layout applies.

    A layout of one of the user's roles wins over the one for everyone; several roles'
    layouts add up, in the order of the roles' codes.
    """
    role_ids = [r.pk for r in getattr(user, "_roles", [])]
    layouts = list(
        FieldLayout.objects.filter(object_type=object_type)
        .filter(Q(role_id__in=role_ids) | Q(role__isnull=True))
        .select_related("role")
    )
    own = sorted(
        (lay for lay in layouts if lay.role_id), key=lambda lay: lay.role.code if lay.role else ""
    )
    chosen = own or [lay for lay in layouts if lay.role_id is None]
    if not chosen:
        return None
    keys: list[str] = []
    for layout in chosen:
        keys.extend(k for k in layout.keys if k not in keys)
    return keys


@dataclass(frozen=True)
class Shown:
    """A field as one user sees it: `masked` values show as `****`."""

    field: CustomField
    masked: bool


def fields_shown(
    *, user: Any, object_type: str, include_retired: bool = False, layout: bool = True
) -> list[Shown]:
    """The fields a user sees: in the layout (when `layout`), not hidden by a field rule."""
    fields = fields_for(object_type, include_retired=include_retired)
    if not fields:
        return []
    if layout and (keys := _layout_keys(user, object_type)) is not None:
        by_key = {f.key: f for f in fields}
        fields = [by_key[k] for k in keys if k in by_key]
    shown = []
    for field in fields:
        rule = field_rule(user, object_type, field.key)
        if rule != HIDE:
            shown.append(Shown(field, masked=rule == MASK))
    return shown


def user_names(ids: Iterable[Any]) -> dict[int, str]:
    from cashloop.identity.models import User

    wanted = {i for i in ids if isinstance(i, int)}
    return {u.pk: str(u) for u in User.objects.filter(pk__in=wanted)} if wanted else {}


def users_of(fields: Sequence[CustomField], customs: Iterable[Mapping[str, Any]]) -> dict[int, str]:
    """Names of the users that the user-kind fields of these records name, in one query."""
    keys = [f.key for f in fields if f.kind == FieldKind.USER]
    if not keys:
        return {}
    return user_names(c.get(k) for c in customs for k in keys if c.get(k) is not None)


def display_value(field: CustomField, stored: Any, users: Mapping[int, str] | None = None) -> str:
    """A stored value as a person reads it, in the page's language."""
    if stored is None or stored == "" or stored == []:
        return ""
    value = value_python(field, stored)
    if field.kind == FieldKind.YES_NO:
        return _("Yes") if value else _("No")
    if field.kind == FieldKind.CHOICE:
        return field.choice_label(value)
    if field.kind == FieldKind.MULTI_CHOICE:
        return ", ".join(field.choice_label(v) for v in value)
    if field.kind == FieldKind.USER:
        names = users if users is not None else user_names([value])
        return names.get(value, f"#{value}")
    if field.kind == FieldKind.DATE:
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Money):
        return f"{number_format(value.amount, force_grouping=True)} {value.currency}"
    if isinstance(value, Decimal):
        return number_format(value, force_grouping=True)
    return str(value)


def shown_display(
    shown: Shown, custom: Mapping[str, Any], users: Mapping[int, str] | None = None
) -> str:
    text = display_value(shown.field, custom.get(shown.field.key), users)
    return mask_value(text) if shown.masked and text else text


def api_values(
    *,
    user: Any,
    object_type: str,
    custom: Mapping[str, Any],
    shown: Sequence[Shown] | None = None,
) -> dict[str, Any]:
    """`custom` as the API returns it: retired fields too, hidden ones left out, masked
    ones as `****` text.  Keys without a definition (none should exist) are left out.
    `shown` is what `fields_shown(..., include_retired=True, layout=False)` gave, if read."""
    if shown is None:
        shown = fields_shown(user=user, object_type=object_type, include_retired=True, layout=False)
    result: dict[str, Any] = {}
    for item in shown:
        key = item.field.key
        if key in custom:
            result[key] = mask_value(custom[key]) if item.masked else custom[key]
    return result


@dataclass(frozen=True)
class Section:
    title: str  # empty for the fields in no section
    rows: list[tuple[str, str, str]]  # (key, label, text)


def detail_sections(*, user: Any, object_type: str, custom: Mapping[str, Any]) -> list[Section]:
    """The values of one record for its detail page, grouped by section, in layout order."""
    shown = fields_shown(user=user, object_type=object_type)
    users = users_of([s.field for s in shown], [custom])
    sections: dict[str, Section] = {}
    for item in shown:
        section = sections.setdefault(item.field.section, Section(item.field.section, []))
        section.rows.append(
            (item.field.key, item.field.display_label, shown_display(item, custom, users))
        )
    return list(sections.values())


def list_columns(
    *, user: Any, object_type: str, visible: Sequence[Shown] | None = None
) -> list[Shown]:
    """The custom columns the user picked for a list, that they may still see.

    `visible` is `fields_shown(..., layout=False)` when the page has read it already."""
    if visible is not None and not visible:
        return []
    chosen = (
        ListColumns.objects.filter(user=user, object_type=object_type)
        .values_list("keys", flat=True)
        .first()
    )
    if not chosen:
        return []
    if visible is None:
        visible = fields_shown(user=user, object_type=object_type, layout=False)
    by_key = {s.field.key: s for s in visible}
    return [by_key[k] for k in chosen if k in by_key]


def column_cells(columns: Sequence[Shown], objects: Sequence[Any]) -> None:
    """Put `obj.custom_cells` (texts of the chosen columns) on each listed object."""
    users = users_of([c.field for c in columns], [o.custom for o in objects])
    for obj in objects:
        obj.custom_cells = [shown_display(c, obj.custom, users) for c in columns]


def _range_expression(field: CustomField) -> Any:
    if field.kind == FieldKind.MONEY:
        text = KeyTextTransform("amount", KeyTransform(field.key, "custom"))
    else:
        text = KeyTextTransform(field.key, "custom")
    if field.kind == FieldKind.DATE:
        return Cast(text, DateField())
    return Cast(text, DecimalField(max_digits=30, decimal_places=6))


def _equality(qs: _QS, field: CustomField, stored: Any) -> _QS:
    """Equality as `custom @> {...}` on PostgreSQL, which the GIN index serves (decision 033)."""
    if connection.vendor == "postgresql":
        wanted = [stored] if field.kind == FieldKind.MULTI_CHOICE else stored
        return qs.filter(custom__contains={field.key: wanted})
    if field.kind == FieldKind.MULTI_CHOICE:
        # SQLite has no JSON containment: look inside the list with json_each.  The table
        # name is the model's and the key a checked slug; the value goes as a parameter.
        column = f'"{qs.model._meta.db_table}"."custom"'
        path = f"$.{field.key}"
        sql = f"EXISTS (SELECT 1 FROM json_each({column}, %s) WHERE value = %s)"  # noqa: S608
        return qs.alias(**{f"_cf_{field.key}": RawSQL(sql, [path, stored])}).filter(  # noqa: S611
            **{f"_cf_{field.key}": True}
        )
    return qs.filter(**{f"custom__{field.key}": stored})


def custom_filter(qs: _QS, *, user: Any, object_type: str, params: Mapping[str, str]) -> _QS:
    """Narrow a list by `cf_<key>=value` (equality) and `cf_<key>__gte/__lte` (ranges).

    Only fields the user sees whole can filter: filtering on a hidden or masked value would
    reveal it one guess at a time.
    """
    fields = {
        s.field.key: s.field
        for s in fields_shown(user=user, object_type=object_type, layout=False)
        if not s.masked
    }
    for name, raw in params.items():
        if not name.startswith(FILTER_PREFIX) or raw in ("", None):
            continue
        key, _sep, op = name.removeprefix(FILTER_PREFIX).partition("__")
        field = fields.get(key)
        if field is None:
            continue
        try:
            if op:
                if f"__{op}" not in RANGE_SUFFIXES or field.kind in EQUALITY_KINDS:
                    continue
                bound = _range_bound(field, raw)
                qs = qs.alias(**{f"_cf_{key}_r": _range_expression(field)}).filter(
                    **{f"_cf_{key}_r__{op}": bound}
                )
            elif field.kind in EQUALITY_KINDS:
                stored = value_clean(field, raw)
                if field.kind == FieldKind.MULTI_CHOICE:
                    stored = stored[0] if stored else raw
                qs = _equality(qs, field, stored)
        except BadValue:
            raise DomainError(
                CustomFieldError.BAD_FILTER, key=key, value=raw, details={"key": key}
            ) from None
    return qs


def _range_bound(field: CustomField, raw: str) -> Any:
    """A filter bound as the range expression compares it: a Decimal, or a date."""
    loose = _unbounded(field)
    if field.kind == FieldKind.MONEY:
        return value_python(loose, value_clean(loose, {"amount": raw, "currency": "CNY"})).amount
    if field.kind == FieldKind.NUMBER:
        return Decimal(value_clean(loose, raw))
    return value_python(loose, value_clean(loose, raw))


def _unbounded(field: CustomField) -> CustomField:
    """The field without its min/max: a filter bound may lie outside them."""
    return CustomField(kind=field.kind, key=field.key, choices=field.choices)


def filters_from(params: Mapping[str, str]) -> dict[str, str]:
    """The custom filters of a request's query, to carry into links and exports."""
    return {k: v for k, v in params.items() if k.startswith(FILTER_PREFIX) and v}


def custom_text_match(*, user: Any, object_type: str, q: str) -> Q:
    """Records whose text custom values (that the user sees whole) contain `q`."""
    match = Q()
    for shown in fields_shown(user=user, object_type=object_type, layout=False):
        if shown.field.kind in TEXT_KINDS and not shown.masked:
            match |= Q(**{f"custom__{shown.field.key}__icontains": q})
    return match


def export_columns(
    *, user: Any, object_type: str, include_retired: bool = False
) -> tuple[list[str], Callable[[Mapping[str, Any]], list[str]]]:
    """The custom columns of an export: their headers, and a function from a record's
    `custom` to its cells.  Every field the user may see, retired ones when asked."""
    from cashloop.identity.models import User

    columns = fields_shown(
        user=user, object_type=object_type, include_retired=include_retired, layout=False
    )
    users: dict[int, str] = {}
    if any(c.field.kind == FieldKind.USER for c in columns):
        users = {u.pk: str(u) for u in User.objects.all()}
    header = [c.field.display_label for c in columns]
    return header, lambda custom: [shown_display(c, custom, users) for c in columns]


def custom_filtered(qs: _QS, *, user: Any, params: Mapping[str, str]) -> _QS:
    """`qs` (already scoped to the user) narrowed by the `cf_` filters among `params`."""
    custom = filters_from(params)
    if not custom:
        return qs
    return custom_filter(qs, user=user, object_type=object_type_of(qs.model), params=custom)
