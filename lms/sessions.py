"""Sessions in the database, with a short-lived copy in the cache.

Django's `cached_db` engine, with one change: the cached copy lives at most
`CACHE_SECONDS` instead of the whole session age (60 days). The database row
is the session; the cache only saves the query. When Redis is away (see
`lms.cache`) a sign-out or a password change reaches the database but cannot
drop the cached copy, and a write that timed out on a frozen Redis may still
land when it wakes up. Either way the stale copy is gone within
`CACHE_SECONDS` of its last write, instead of bringing a signed-out session
back for weeks once Redis returns.
"""

from django.contrib.sessions.backends import cached_db

CACHE_SECONDS = 300


class _ShortLived:
    """The session cache, with every expiry capped at CACHE_SECONDS."""

    def __init__(self, cache):
        self._cache = cache

    def __getattr__(self, name):
        return getattr(self._cache, name)

    def __contains__(self, key) -> bool:
        return key in self._cache

    def set(self, key, value, timeout):
        self._cache.set(key, value, min(timeout, CACHE_SECONDS))

    async def aset(self, key, value, timeout):
        await self._cache.aset(key, value, min(timeout, CACHE_SECONDS))


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = _ShortLived(self._cache)
