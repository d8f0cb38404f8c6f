"""API schemas of custom field definitions and layouts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from cashloop.core.schemas import InSchema
from cashloop.customfields.choices import FieldKind, ObjectType


class ChoiceItem(Schema):
    value: str = Field(..., min_length=1, max_length=50)
    label: str = Field("", max_length=100)


class CustomFieldIn(InSchema):
    object_type: ObjectType
    key: str = Field(..., min_length=1, max_length=50)
    label: str = Field(..., min_length=1, max_length=100)
    label_en: str = Field("", max_length=100)
    kind: FieldKind
    required: bool = False
    default: Any = None
    min_value: str = Field("", max_length=40)
    max_value: str = Field("", max_length=40)
    pattern: str = Field("", max_length=200)
    help_text: str = Field("", max_length=300)
    section: str = Field("", max_length=100)
    order: int | None = Field(None, ge=0)
    choices: list[ChoiceItem] = Field(default_factory=list, max_length=200)


class CustomFieldPatch(InSchema):
    key: str | None = None
    kind: FieldKind | None = None
    label: str | None = Field(None, min_length=1, max_length=100)
    label_en: str | None = Field(None, max_length=100)
    required: bool | None = None
    default: Any = None
    min_value: str | None = Field(None, max_length=40)
    max_value: str | None = Field(None, max_length=40)
    pattern: str | None = Field(None, max_length=200)
    help_text: str | None = Field(None, max_length=300)
    section: str | None = Field(None, max_length=100)
    order: int | None = Field(None, ge=0)
    choices: list[ChoiceItem] | None = Field(None, max_length=200)


class CustomFieldOut(Schema):
    id: int
    object_type: str
    key: str
    label: str
    label_en: str
    kind: str
    required: bool
    default: Any
    min_value: str
    max_value: str
    pattern: str
    help_text: str
    section: str
    order: int
    choices: list[ChoiceItem]
    retired_at: datetime | None


class LayoutIn(InSchema):
    object_type: ObjectType
    role_id: int | None = None
    keys: list[str] = Field(default_factory=list, max_length=200)


class LayoutOut(Schema):
    object_type: str
    role_id: int | None
    keys: list[str]


def custom_out(obj: Any, context: Any) -> dict[str, Any]:
    """The `custom` of a record as the requesting user may read it (for `resolve_custom`).

    The fields the user sees are read once per request, not once per record of a list.
    """
    from cashloop.core.scoping import object_type_of
    from cashloop.customfields.selectors import api_values, fields_shown

    request = (context or {}).get("request")
    user = getattr(request, "user", None)
    object_type = object_type_of(type(obj))
    cache = request.__dict__.setdefault("_custom_fields_shown", {}) if request else {}
    if object_type not in cache:
        cache[object_type] = fields_shown(
            user=user, object_type=object_type, include_retired=True, layout=False
        )
    return api_values(
        user=user, object_type=object_type, custom=obj.custom or {}, shown=cache[object_type]
    )
