"""A small fixed-window rate limit in the cache, for pages allauth does not
cover (e.g. public certificate verification, against enumeration; a
learner's live summary preview, against one account eating the workers)."""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    hops = settings.ALLAUTH_TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("x-forwarded-for", "")
    if hops and forwarded:
        addresses = [part.strip() for part in forwarded.split(",")]
        if len(addresses) >= hops:
            return addresses[-hops]
    return request.META.get("REMOTE_ADDR", "")


def is_rate_limited(
    request: HttpRequest, *, action: str, limit: int, period: int, per_user=False
) -> bool:
    """Count this request; True once more than `limit` came from this client
    (or, with `per_user`, this signed-in account, whatever its address) in
    the current `period` seconds."""
    window = int(time.time() // period)
    who = f"user-{request.user.pk}" if per_user else client_ip(request)
    key = f"ratelimit:{action}:{who}:{window}"
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period + 1)
        count = 1
    return count > limit
