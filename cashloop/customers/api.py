"""Customer and contact endpoints: /api/v1/customers and /api/v1/contacts."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from cashloop.core.schemas import AuditEntryOut
from cashloop.customers import selectors, services
from cashloop.customers.schemas import (
    ContactIn,
    ContactOut,
    ContactPatch,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
)

customers_router = Router(tags=["customers"])
contacts_router = Router(tags=["contacts"])


class CustomerFilter(Schema):
    q: str = ""
    status: str = ""
    owner_id: int | None = None
    tag: str = ""


@customers_router.get("", response=list[CustomerOut])
@paginate(LimitOffsetPagination)
def customer_list(request: HttpRequest, filters: Query[CustomerFilter]) -> Any:
    return selectors.customer_list(user=request.user, **filters.dict())


@customers_router.post("", response={201: CustomerOut})
def customer_create(request: HttpRequest, payload: CustomerIn) -> Any:
    return Status(201, services.customer_create(actor=request.user, **payload.dict()))


@customers_router.get("/{customer_id}", response=CustomerOut)
def customer_detail(request: HttpRequest, customer_id: int) -> Any:
    return selectors.customer_get(user=request.user, customer_id=customer_id)


@customers_router.patch("/{customer_id}", response=CustomerOut)
def customer_update(request: HttpRequest, customer_id: int, payload: CustomerPatch) -> Any:
    services.customer_update(
        actor=request.user, customer_id=customer_id, changes=payload.dict(exclude_unset=True)
    )
    return selectors.customer_get(user=request.user, customer_id=customer_id)


@customers_router.delete("/{customer_id}", response={204: None})
def customer_delete(request: HttpRequest, customer_id: int) -> Any:
    services.customer_delete(actor=request.user, customer_id=customer_id)
    return Status(204, None)


@customers_router.get("/{customer_id}/history", response=list[AuditEntryOut])
@paginate(LimitOffsetPagination)
def customer_history(request: HttpRequest, customer_id: int) -> Any:
    return selectors.customer_history(user=request.user, customer_id=customer_id)


class ContactFilter(Schema):
    customer_id: int | None = None
    q: str = ""


@contacts_router.get("", response=list[ContactOut])
@paginate(LimitOffsetPagination)
def contact_list(request: HttpRequest, filters: Query[ContactFilter]) -> Any:
    return selectors.contact_list(user=request.user, **filters.dict())


@contacts_router.post("", response={201: ContactOut})
def contact_create(request: HttpRequest, payload: ContactIn) -> Any:
    return Status(201, services.contact_create(actor=request.user, **payload.dict()))


@contacts_router.get("/{contact_id}", response=ContactOut)
def contact_detail(request: HttpRequest, contact_id: int) -> Any:
    return selectors.contact_get(user=request.user, contact_id=contact_id)


@contacts_router.patch("/{contact_id}", response=ContactOut)
def contact_update(request: HttpRequest, contact_id: int, payload: ContactPatch) -> Any:
    return services.contact_update(
        actor=request.user, contact_id=contact_id, changes=payload.dict(exclude_unset=True)
    )


@contacts_router.delete("/{contact_id}", response={204: None})
def contact_delete(request: HttpRequest, contact_id: int) -> Any:
    services.contact_delete(actor=request.user, contact_id=contact_id)
    return Status(204, None)
