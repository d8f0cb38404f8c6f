"""Bearer-token authentication for the API, resolved once per request.

It runs before the idempotency middleware and the API, so that both see the token's
user in `request.user` and the token itself in `request.api_token`.  A wrong token is
not an error here: the request simply stays anonymous and the API answers 401.
It also names the requesting user as the one whose field rules writes must obey, and
counts each token's requests against its rate limit (decision 061).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse

from cashloop.core.errors import CoreError, DomainError
from cashloop.core.fieldrules import acting_user
from cashloop.identity.ratelimit import Standing, rate_count
from cashloop.identity.tokens import token_lookup


class BearerTokenMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.api_token = None  # type: ignore[attr-defined]
        header = request.headers.get("Authorization", "")
        standing = None
        if request.path.startswith("/api/") and header[:7].lower() == "bearer ":
            token = token_lookup(header[7:].strip())
            request.api_token = token  # type: ignore[attr-defined]
            request.user = token.user if token else AnonymousUser()
            # A token request is not a browser session: CSRF does not apply to it.
            request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
            if token is not None:
                standing = rate_count(token.pk)
                if not standing.allowed:
                    return _limited(standing)
        # Rows written while answering obey the requesting user's field rules (decision 034).
        with acting_user(request.user):
            response = self.get_response(request)
        for name, value in (standing.headers() if standing else {}).items():
            response[name] = value
        return response


def _limited(standing: Standing) -> HttpResponse:
    error = DomainError(CoreError.RATE_LIMITED, limit=standing.limit)
    response = JsonResponse(error.as_envelope(), status=error.status)
    response["Retry-After"] = str(standing.reset)
    for name, value in standing.headers().items():
        response[name] = value
    return response
