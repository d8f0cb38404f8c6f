"""Idempotent API POSTs: the same `Idempotency-Key` and payload replays the first response.

A client that retries a POST after a time-out sends the same key; the retry gets the
stored response (with `Idempotent-Replayed: true`) and creates nothing.  The same key
with a different payload is refused with 409 `idempotency.key_reused`.  Keys belong to
the authenticated user, so two users never collide.  Server errors (5xx) are not kept,
so a retry after one runs again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from cashloop.core.errors import CoreError, DomainError
from cashloop.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
API_PREFIX = "/api/"


def _error(code: CoreError) -> JsonResponse:
    error = DomainError(code)
    return JsonResponse(error.as_envelope(), status=error.status)


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        user = getattr(request, "user", None)
        if (
            key is None
            or request.method != "POST"
            or not request.path.startswith(API_PREFIX)
            or user is None
            or not user.is_authenticated
        ):
            return self.get_response(request)
        if not (0 < len(key) <= 255) or not key.isprintable():
            return _error(CoreError.IDEMPOTENCY_KEY_INVALID)
        digest = hashlib.sha256(
            b"\0".join([request.method.encode(), request.path.encode(), request.body])
        ).hexdigest()
        owner_key = f"user:{user.pk}"

        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyKey.objects.create(
                        owner_key=owner_key,
                        key=key,
                        method=request.method,
                        path=request.path[:500],
                        request_hash=digest,
                    )
            except IntegrityError:
                first = IdempotencyKey.objects.get(owner_key=owner_key, key=key)
                if first.request_hash != digest:
                    return _error(CoreError.IDEMPOTENCY_KEY_REUSED)
                if first.status_code is None:
                    return _error(CoreError.IDEMPOTENCY_IN_PROGRESS)
                replay = HttpResponse(
                    bytes(first.response_body or b""),
                    status=first.status_code,
                    content_type=first.content_type or "application/json",
                )
                replay["Idempotent-Replayed"] = "true"
                return replay

            response = self.get_response(request)
            if response.status_code >= 500 or response.streaming:
                record.delete()
            else:
                record.status_code = response.status_code
                record.response_body = response.content
                record.content_type = response.get("Content-Type", "")
                record.save(update_fields=["status_code", "response_body", "content_type"])
            return response
