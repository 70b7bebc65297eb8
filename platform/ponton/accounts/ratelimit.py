"""A fixed-window rate limiter on the cache (Redis in production).

Used for logins and for activation-key guesses: `hit()` counts one attempt and says whether
the caller is over the limit.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def _key(scope: str, ident: str, window: int) -> str:
    bucket = int(time.time()) // window
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    return f"rl:{scope}:{digest}:{bucket}"


def is_limited(*, scope: str, ident: str, limit: tuple[int, int]) -> bool:
    attempts, window = limit
    return (cache.get(_key(scope, ident, window)) or 0) >= attempts


def hit(*, scope: str, ident: str, limit: tuple[int, int]) -> bool:
    """Count one attempt; True when this attempt is over the limit."""
    attempts, window = limit
    key = _key(scope, ident, window)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window)
        count = 1
    return count > attempts


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"
