"""How a delivery is signed, and how a receiver checks it (docs/webhooks.md).

The signature is HMAC-SHA256, keyed by the subscription's secret, over
`"<timestamp>.<body>"`, where the timestamp is the Unix time of the attempt: the header
`X-Cashloop-Signature: t=<timestamp>,v1=<hex digest>`.  A receiver recomputes it from the
raw body, compares in constant time, and refuses timestamps older than its tolerance (five
minutes suggested), so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(
    secret: str, header: str, body: bytes, *, now: float | None = None, tolerance: int = 300
) -> bool:
    """What a receiver does: True when `header` signs `body` with `secret`, recently."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).split(",v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
