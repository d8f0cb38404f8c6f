"""Sending one delivery over HTTP: the URL checked (http or https, and not a private or
local address unless the operator allows it), one POST with a timeout, no redirects
followed, the answer's status read.  The standard library's http.client, which follows
nothing by itself."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from cashloop.core.errors import DomainError
from cashloop.webhooks.errors import WebhookError


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def url_check(url: str) -> str:
    """The URL if a delivery may go there; `webhook.url_*` otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DomainError(WebhookError.URL_SCHEME, details={"field": "url"})
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(parts.hostname, None)}
    except (socket.gaierror, UnicodeError):
        raise DomainError(WebhookError.URL_UNRESOLVED, details={"field": "url"}) from None
    if not settings.CASHLOOP_WEBHOOKS_ALLOW_PRIVATE and any(
        _private(address) for address in addresses
    ):
        raise DomainError(WebhookError.URL_PRIVATE, details={"field": "url"})
    return url.strip()


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` to `url`; any failure is an answer without a status."""
    started = time.monotonic()

    def answer(status: int | None, error: str = "") -> Answer:
        return Answer(status, error[:500], round((time.monotonic() - started) * 1000))

    try:
        url_check(url)
    except DomainError as exc:
        return answer(None, exc.code.code)
    parts = urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    host = parts.hostname or ""  # url_check made sure there is one
    connection = kind(host, parts.port, timeout=settings.CASHLOOP_WEBHOOKS_TIMEOUT)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
        return answer(response.status)
    except (OSError, http.client.HTTPException) as exc:
        return answer(None, f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()
