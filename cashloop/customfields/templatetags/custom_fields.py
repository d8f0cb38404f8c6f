"""`{% custom_fields_panel object %}`: a record's custom values on its detail page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from cashloop.core.scoping import object_type_of
from cashloop.customfields.selectors import detail_sections

register = template.Library()


@register.inclusion_tag("customfields/_panel.html", takes_context=True)
def custom_fields_panel(context: dict[str, Any], obj: Any) -> dict[str, Any]:
    user = context["request"].user
    sections = detail_sections(
        user=user, object_type=object_type_of(type(obj)), custom=obj.custom or {}
    )
    return {"sections": sections}


@register.inclusion_tag("customfields/_columns_picker.html", takes_context=True)
def custom_columns_picker(
    context: dict[str, Any], object_type: str, visible: Any, columns: Any
) -> dict[str, Any]:
    """The "columns" menu of a list: tick the custom fields (of `visible`) to show."""
    request = context["request"]
    chosen = {c.field.key for c in columns}
    return {
        "object_type": object_type,
        "choices": [(s.field.key, s.field.display_label, s.field.key in chosen) for s in visible],
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def may_manage_custom_fields(user: Any) -> bool:
    """Whether the Settings page shows the custom fields panel to `user`."""
    from cashloop.core.scoping import may
    from cashloop.customfields.models import CustomField

    return may(user, "change", CustomField)


@register.inclusion_tag("customfields/_filters.html", takes_context=True)
def custom_filter_controls(context: dict[str, Any], visible: Any) -> dict[str, Any]:
    """Filter inputs of a list for the custom fields (of `visible`) the user sees whole: a
    select for choices and yes/no, a box for text, from/to boxes for numbers, money, dates."""
    from cashloop.customfields.choices import EQUALITY_KINDS, FieldKind
    from cashloop.customfields.selectors import FILTER_PREFIX

    params = context["request"].GET
    controls = []
    for shown in visible:
        field = shown.field
        if shown.masked or field.kind in (FieldKind.LONG_TEXT, FieldKind.USER):
            continue
        name = FILTER_PREFIX + field.key
        if field.kind in EQUALITY_KINDS:
            options = (
                [("true", _("Yes")), ("false", _("No"))]
                if field.kind == FieldKind.YES_NO
                else [(c["value"], c["label"]) for c in field.choices]
            )
            controls.append(
                {"field": field, "name": name, "value": params.get(name, ""), "options": options}
            )
        else:
            controls.append(
                {
                    "field": field,
                    "name": name,
                    "range": True,
                    "date": field.kind == FieldKind.DATE,
                    "gte": params.get(name + "__gte", ""),
                    "lte": params.get(name + "__lte", ""),
                }
            )
    return {"controls": controls}
