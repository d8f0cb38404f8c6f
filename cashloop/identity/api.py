"""Identity endpoints: who am I, and my API tokens."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from cashloop.identity import selectors, services
from cashloop.identity.schemas import ApiTokenCreatedOut, ApiTokenIn, ApiTokenOut, MeOut

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
