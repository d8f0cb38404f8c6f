"""Bearer-token authentication for the API, resolved once per request.

It runs before the idempotency middleware and the API, so that both see the token's
user in `request.user` and the token itself in `request.api_token`.  A wrong token is
not an error here: the request simply stays anonymous and the API answers 401.
It also names the requesting user as the one whose field rules writes must obey.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse

from cashloop.core.fieldrules import acting_user
from cashloop.identity.tokens import token_lookup


class BearerTokenMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.api_token = None  # type: ignore[attr-defined]
        header = request.headers.get("Authorization", "")
        if request.path.startswith("/api/") and header[:7].lower() == "bearer ":
            token = token_lookup(header[7:].strip())
            request.api_token = token  # type: ignore[attr-defined]
            request.user = token.user if token else AnonymousUser()
            # A token request is not a browser session: CSRF does not apply to it.
            request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        # Rows written while answering obey the requesting user's field rules (decision 034).
        with acting_user(request.user):
            return self.get_response(request)
