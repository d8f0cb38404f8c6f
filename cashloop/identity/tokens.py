"""API token format and lookup: `cl_<prefix>_<secret>`, stored as a SHA-256 hash.

Tokens carry 256 bits of randomness, so a fast hash is safe here (unlike passwords); the
prefix is an index to find the row without scanning, and the comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.utils import timezone

from cashloop.identity.models import ApiToken

TOKEN_PREFIX = "cl"


def token_generate() -> tuple[str, str, str]:
    """A new token: (the full token shown once, its lookup prefix, its hash)."""
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    return token, prefix, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_lookup(token: str) -> ApiToken | None:
    """The usable token matching `token`, or None (unknown, revoked, expired, malformed)."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    found = ApiToken.objects.usable().select_related("user").filter(prefix=parts[1]).first()
    if found is None or not hmac.compare_digest(found.token_hash, token_hash(token)):
        return None
    if not found.user.is_active:
        return None
    now = timezone.now()
    # Touch last_used_at at most once a minute, so reads stay reads.
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found
