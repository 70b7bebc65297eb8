"""The cache on Redis degrades to the process's memory while Redis is down, and goes back to
Redis once it answers again (docs/adr/0026). Against a redis-server the test owns and kills."""

from __future__ import annotations

import time

from ponton.accounts import ratelimit
from ponton.config.cache import RedisOrLocalCache
from tests.support.faults import own_redis


def _cache(url: str) -> RedisOrLocalCache:
    return RedisOrLocalCache(
        url, {"KEY_PREFIX": "t", "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2}}
    )


def test_the_cache_falls_back_to_memory_then_returns_to_redis(db, monkeypatch):
    with own_redis() as redis:
        cache = _cache(redis.url)
        cache.set("on-redis", 1)
        assert cache.get("on-redis") == 1
        redis.kill()
        # Down: every call answers, from the process's memory (Redis' values are not there).
        assert cache.get("on-redis") is None
        cache.clear()  # the memory, shared by the process's fallback caches
        assert cache.add("attempts", 0) is True
        assert [cache.incr("attempts") for _ in range(3)] == [1, 2, 3]
        assert cache.get_many(["attempts"]) == {"attempts": 3}
        # Redis is not asked again before RETRY_SECONDS: no connection attempt per call.
        assert cache._redis_after > time.monotonic()
        redis.start()
        assert cache.get("attempts") == 3  # still the memory, until the delay is over
        monkeypatch.setattr(cache, "_redis_after", 0.0)
        assert cache.get("attempts") is None  # Redis again (it kept nothing: no persistence)
        cache.set("back", 2)
        assert _cache(redis.url).get("back") == 2


def test_a_rate_limit_still_holds_per_process_while_redis_is_down(db, monkeypatch):
    """A login limit of 3 attempts: with Redis down the fourth attempt is still refused."""
    with own_redis() as redis:
        monkeypatch.setattr(ratelimit, "cache", _cache(redis.url))
        redis.kill()
        ratelimit.cache.clear()
        hits = [
            ratelimit.hit(scope="login-ip", ident="203.0.113.7", limit=(3, 60)) for _ in range(4)
        ]
        assert hits == [False, False, False, True]
        assert ratelimit.is_limited(scope="login-ip", ident="203.0.113.7", limit=(3, 60))
