"""API authentication: a bearer token (resolved by `BearerTokenMiddleware`) or the session.

Session requests keep Django's CSRF protection for writes; token requests are exempt
from CSRF but a read-only token may not write.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import SessionAuth
from ninja.security.base import AuthBase

from cashloop.core.errors import DomainError
from cashloop.identity.errors import IdentityError
from cashloop.identity.models import TokenScope

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class TokenAuth(AuthBase):
    openapi_type = "http"
    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> Any:
        token = getattr(request, "api_token", None)
        if token is None:
            return None
        if token.scope == TokenScope.READ and request.method not in SAFE_METHODS:
            raise DomainError(IdentityError.TOKEN_READ_ONLY)
        return token.user


class CookieSessionAuth(SessionAuth):
    """Session auth that steps aside when the request came with a bearer token."""

    def __call__(self, request: HttpRequest) -> Any:
        if getattr(request, "api_token", None) is not None:
            return None
        return super().__call__(request)


api_auth = [TokenAuth(), CookieSessionAuth()]
