"""The cache on Redis, degrading to the process's memory while Redis does not answer
(docs/adr/0026).

The cache holds nothing that must survive (sessions are in PostgreSQL): rate-limit counters
(logins, activation keys, checkout, forum messages; DRF's token throttle). When Redis is down,
a page must still work, so a failing call goes to a per-process memory cache instead, and
Redis is not asked again for RETRY_SECONDS (no connection attempt per call). Rate limits
then count per process: they still hold, only looser (times the number of processes) until
Redis is back; the counts made meanwhile are not carried over.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("ponton.cache")
RETRY_SECONDS = 5.0
_DEGRADING = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


class RedisOrLocalCache(RedisCache):
    """Django's RedisCache; while Redis fails, the process's own memory (LocMemCache)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        local = {k: v for k, v in params.items() if k in ("TIMEOUT", "KEY_PREFIX", "VERSION")}
        self._local = LocMemCache("ponton-redis-fallback", local)
        self._redis_after = 0.0  # monotonic time before which Redis is not asked


def _degrading(name: str):
    redis_method = getattr(RedisCache, name)

    def method(self: RedisOrLocalCache, *args, **kwargs):
        if time.monotonic() >= self._redis_after:
            try:
                return redis_method(self, *args, **kwargs)
            except RedisError as exc:
                self._redis_after = time.monotonic() + RETRY_SECONDS
                logger.warning("cache: Redis unavailable, process memory meanwhile: %s", exc)
        return getattr(self._local, name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = redis_method.__doc__
    return method


for _name in _DEGRADING:
    setattr(RedisOrLocalCache, _name, _degrading(_name))
