"""Refuse text with NUL characters in a request's address before anything reads it.

PostgreSQL cannot store or even compare text holding a NUL (0x00) character: a search
for `q=%00` would fail inside the database with a 500 instead of being refused. No text
a person types holds one, so a path or query parameter with one is a malformed request
(400 `request.malformed`). JSON bodies are checked by `core.schemas.InSchema`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from cashloop.core.errors import CoreError, DomainError

NUL = "\x00"


def has_nul(request: HttpRequest) -> bool:
    return NUL in request.path or any(
        NUL in key or any(NUL in value for value in values) for key, values in request.GET.lists()
    )


class NulRefusingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not has_nul(request):
            return self.get_response(request)
        error = DomainError(CoreError.BAD_REQUEST)
        if request.path.startswith("/api/"):
            return JsonResponse(error.as_envelope(), status=error.status)
        return HttpResponseBadRequest(error.message)
