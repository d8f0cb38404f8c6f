"""Custom field endpoints: /api/v1/custom-fields (definitions, retire/reinstate, layouts)."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from cashloop.customfields import selectors, services
from cashloop.customfields.choices import ObjectType
from cashloop.customfields.schemas import (
    CustomFieldIn,
    CustomFieldOut,
    CustomFieldPatch,
    LayoutIn,
    LayoutOut,
)

router = Router(tags=["custom fields"])


class FieldFilter(Schema):
    object_type: ObjectType = ObjectType.CUSTOMER
    include_retired: bool = True


@router.get("", response=list[CustomFieldOut])
def field_list(request: HttpRequest, filters: Query[FieldFilter]) -> Any:
    fields = selectors.field_list(user=request.user, object_type=filters.object_type)
    return [f for f in fields if filters.include_retired or not f.is_retired]


@router.post("", response={201: CustomFieldOut})
def field_create(request: HttpRequest, payload: CustomFieldIn) -> Any:
    data = payload.dict()
    data["object_type"] = str(payload.object_type.value)
    data["kind"] = str(payload.kind.value)
    return Status(201, services.custom_field_create(actor=request.user, **data))


@router.put("/layouts", response={200: LayoutOut | None})
def layout_set(request: HttpRequest, payload: LayoutIn) -> Any:
    """Set the fields a role (or, with no role, everyone) sees; an empty list removes it."""
    return services.field_layout_set(
        actor=request.user,
        object_type=str(payload.object_type.value),
        role_id=payload.role_id,
        keys=payload.keys,
    )


@router.get("/{field_id}", response=CustomFieldOut)
def field_detail(request: HttpRequest, field_id: int) -> Any:
    return selectors.field_get(user=request.user, field_id=field_id)


@router.patch("/{field_id}", response=CustomFieldOut)
def field_update(request: HttpRequest, field_id: int, payload: CustomFieldPatch) -> Any:
    changes = payload.dict(exclude_unset=True)
    for name in ("key", "kind"):
        if changes.get(name) is not None:
            changes[name] = str(getattr(changes[name], "value", changes[name]))
    return services.custom_field_update(actor=request.user, field_id=field_id, changes=changes)


@router.post("/{field_id}/retire", response=CustomFieldOut)
def field_retire(request: HttpRequest, field_id: int) -> Any:
    return services.custom_field_retire(actor=request.user, field_id=field_id)


@router.post("/{field_id}/reinstate", response=CustomFieldOut)
def field_reinstate(request: HttpRequest, field_id: int) -> Any:
    return services.custom_field_reinstate(actor=request.user, field_id=field_id)
