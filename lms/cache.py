"""Django's Redis cache, made safe to lose: a Redis error is a cache miss.

Two things differ from Django's own backend.

One Redis client object per connection pool. Django's
`RedisCacheClient.get_client` builds a new `redis.Redis` for every cache call.
The connections come from a shared pool either way, but building the client
costs about 0.4 ms of Python each time, and a signed-in page makes at least
two cache calls (the session, the user): at a deadline that was a tenth of a
submit's time. A `redis.Redis` is safe to share between threads, so one per
pool does the same work.

Redis going away costs a cache miss, never a failed page. Sessions, the
signed-in user, rate limits and every other cached value are copies of the
database or can be rebuilt, so a read that fails answers "not cached" and a
write that fails is skipped (and logged). The settings give every socket a
short timeout (`REDIS_TIMEOUT`), so a frozen Redis costs a fraction of a
second instead of a hung page, and after one error this process stops asking
Redis for `REDIS_BREAKER_SECONDS` (a circuit breaker), so a learner's page does
not wait on the timeout at every cache call. What that means for callers:

- `get` answers the default, `get_many` nothing, `has_key` False;
- `set`, `delete` and friends do nothing;
- `add` answers True: used as a lock (allauth's rate limits, its TOTP
  used-code marker) it lets the caller go ahead, so logins keep working and
  rate limits are off while Redis is away;
- `incr` raises ValueError, as for a missing key.
"""

import logging
import threading
import time
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class CircuitBreaker:
    """Stop calling a server for `seconds` after it failed.

    One per Redis server and process (threads share it), so a process that
    saw Redis fail stops waiting on it until the pause is over, then lets the
    next call through to see whether it is back."""

    _all: dict[str, "CircuitBreaker"] = {}
    _lock = threading.Lock()

    def __init__(self, name: str):
        self.name = name
        self.open_until = 0.0
        self.failures = 0

    @classmethod
    def for_url(cls, url: str) -> "CircuitBreaker":
        parts = urlsplit(url)
        name = f"{parts.hostname or parts.path}:{parts.port or ''}"
        with cls._lock:
            return cls._all.setdefault(name, cls(name))

    @classmethod
    def reset_all(cls) -> None:
        """Close every breaker (tests start from a clean slate)."""
        for breaker in cls._all.values():
            breaker.open_until = 0.0
            breaker.failures = 0

    @property
    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def failed(self, exc: BaseException, seconds: float) -> None:
        if not self.failures:
            logger.warning(
                "Redis %s unavailable (%s: %s); cache reads are misses and "
                "writes are skipped, retrying every %ss",
                self.name, type(exc).__name__, exc, seconds,
            )  # fmt: skip
        self.failures += 1
        self.open_until = time.monotonic() + seconds

    def succeeded(self) -> None:
        if self.failures:
            logger.warning("Redis %s is back", self.name)
            self.failures = 0


class _ReusingClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write)
            )
        return client


_MISSING = object()


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.breaker_seconds = float(options.pop("breaker_seconds", 5))
        super().__init__(server, params | {"OPTIONS": options})
        self._class = _ReusingClient
        self.breaker = CircuitBreaker.for_url(self._servers[0])

    def _call(self, method: str, fallback, *args, **kwargs):
        return self._guarded(fallback, getattr(super(), method), *args, **kwargs)

    def _guarded(self, fallback, function, *args, **kwargs):
        if self.breaker.is_open:
            return fallback
        try:
            result = function(*args, **kwargs)
        except RedisError as exc:
            self.breaker.failed(exc, self.breaker_seconds)
            return fallback
        self.breaker.succeeded()
        return result

    def ping(self) -> None:
        """Ask Redis itself, breaker or not (for /healthz); raises if down."""
        try:
            self._cache.get_client(write=True).ping()
        except RedisError as exc:
            self.breaker.failed(exc, self.breaker_seconds)
            raise
        self.breaker.succeeded()

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", True, key, value, timeout, version=version)

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._call("set", None, key, value, timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version=version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version=version)

    def incr(self, key, delta=1, version=None):
        result = self._call("incr", _MISSING, key, delta, version=version)
        if result is _MISSING:
            raise ValueError(f"Key {key!r} not found (Redis unavailable).")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version=version)

    def delete_many(self, keys, version=None):
        # Keys made without Django's memcached checks (a scan of every
        # character of every key, which Redis does not need): forgetting
        # 100,000 learners' bell counts after one bulk notification spent
        # more time there than in Redis.
        keys = [self.make_key(key, version=version) for key in keys]
        if keys:
            self._guarded(None, self._cache.delete_many, keys)

    def clear(self):
        return self._call("clear", False)
