"""Identity endpoints: who am I, my API tokens, roles and their holders, record shares."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from cashloop.identity import selectors, services
from cashloop.identity.schemas import (
    ApiTokenCreatedOut,
    ApiTokenIn,
    ApiTokenOut,
    MeOut,
    RoleIn,
    RoleOut,
    RolePatchIn,
    ShareIn,
    ShareOut,
    UserRolesIn,
    UserRolesOut,
)

router = Router(tags=["identity"])


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> Any:
    return request.user


@router.get("/tokens", response=list[ApiTokenOut])
def token_list(request: HttpRequest) -> Any:
    return selectors.api_token_list(user=request.user)


@router.post("/tokens", response={201: ApiTokenCreatedOut})
def token_create(request: HttpRequest, payload: ApiTokenIn) -> Any:
    api_token, token = services.api_token_create(
        actor=request.user,
        name=payload.name,
        scope=payload.scope,
        expires_in_days=payload.expires_in_days,
    )
    api_token.token = token
    return Status(201, api_token)


@router.delete("/tokens/{token_id}", response=ApiTokenOut)
def token_revoke(request: HttpRequest, token_id: int) -> Any:
    return services.api_token_revoke(actor=request.user, token_id=token_id)


@router.get("/roles", response=list[RoleOut])
def role_list(request: HttpRequest) -> Any:
    return selectors.role_list(user=request.user)


@router.post("/roles", response={201: RoleOut})
def role_create(request: HttpRequest, payload: RoleIn) -> Any:
    return Status(201, services.role_create(actor=request.user, **payload.dict()))


@router.get("/roles/{role_id}", response=RoleOut)
def role_get(request: HttpRequest, role_id: int) -> Any:
    return selectors.role_get(user=request.user, role_id=role_id)


@router.patch("/roles/{role_id}", response=RoleOut)
def role_update(request: HttpRequest, role_id: int, payload: RolePatchIn) -> Any:
    changes = payload.dict(exclude_unset=True)
    return services.role_update(actor=request.user, role_id=role_id, changes=changes)


@router.delete("/roles/{role_id}", response={204: None})
def role_delete(request: HttpRequest, role_id: int) -> Any:
    services.role_delete(actor=request.user, role_id=role_id)
    return Status(204, None)


@router.get("/users/roles", response=list[UserRolesOut])
def user_role_list(request: HttpRequest) -> Any:
    return selectors.role_users(user=request.user)


@router.put("/users/{user_id}/roles", response=UserRolesOut)
def user_roles_set(request: HttpRequest, user_id: int, payload: UserRolesIn) -> Any:
    return services.user_roles_set(actor=request.user, user_id=user_id, role_ids=payload.role_ids)


@router.get("/customers/{customer_id}/shares", response=list[ShareOut])
def share_list(request: HttpRequest, customer_id: int) -> Any:
    return selectors.share_list(user=request.user, customer_id=customer_id)


@router.post("/customers/{customer_id}/shares", response={201: ShareOut})
def share_create(request: HttpRequest, customer_id: int, payload: ShareIn) -> Any:
    share = services.share_create(actor=request.user, customer_id=customer_id, **payload.dict())
    return Status(201, share)


@router.delete("/shares/{share_id}", response={204: None})
def share_delete(request: HttpRequest, share_id: int) -> Any:
    services.share_delete(actor=request.user, share_id=share_id)
    return Status(204, None)
