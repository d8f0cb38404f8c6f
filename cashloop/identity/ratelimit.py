"""Rate limits of API tokens (decision 061): each token may make
`CASHLOOP_API_RATE_LIMIT` requests a minute (a fixed window, counted in the cache); beyond
that the API answers 429 `api.rate_limited` with `Retry-After`.  Every token request's
answer says where it stands: `X-RateLimit-Limit`, `-Remaining`, `-Reset` (seconds).

The count lives in Django's cache: in each process's memory by default, so several workers
each allow the limit; a shared cache (`CACHE_URL`, e.g. a database cache table) makes it
one limit for the installation.  Browser sessions are not limited: they are people.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Standing:
    limit: int
    used: int
    reset: int  # seconds until the window ends

    @property
    def allowed(self) -> bool:
        return self.used <= self.limit

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


def _now() -> float:
    return time.time()


def rate_count(token_id: int) -> Standing:
    """Count one request of the token in the current window."""
    now = _now()
    window = int(now // WINDOW_SECONDS)
    key = f"cashloop:rate:{token_id}:{window}"
    # add() starts the window's count; incr() is atomic in the backends that share it.
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        used = 1
    reset = int((window + 1) * WINDOW_SECONDS - now) or 1
    return Standing(limit=settings.CASHLOOP_API_RATE_LIMIT, used=used, reset=reset)
