"""The signed-in user from the cache, so a page view costs no user query.

Every request of a signed-in learner used to start with `SELECT ... FROM
accounts_user`: at a deadline that is thousands of identical queries a minute.
`CachedAuthenticationMiddleware` replaces Django's `AuthenticationMiddleware`
and keeps the user in the cache (Redis in production) for a few minutes.

What stays exactly as Django does it:
- The session must still carry the user's current session hash, so changing
  a password still signs out every other session at once (the hash is
  checked against the cached user, whose password hash changes on save).
- Anything unusual (no cached copy, a hash that does not match, a fallback
  secret, a backend no longer configured) goes through `auth.get_user`.
- A saved or deleted user is dropped from the cache (signals below), so
  deactivating an account or a new name shows at the next request. Only a
  bulk `QuerySet.update()` skips the signal; its effect shows within
  `USER_CACHE_SECONDS` at most (code that does that calls `forget_user`).
- The cache being down costs a query, never a failed page.
"""

import logging

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

logger = logging.getLogger(__name__)

USER_CACHE_SECONDS = 300


def user_cache_key(user_id) -> str:
    return f"auth:user:{user_id}"


def forget_user(user_id) -> None:
    """Drop a user from the cache (after a change that bypassed save())."""
    try:
        cache.delete(user_cache_key(user_id))
    except Exception:  # the cache is down: nothing is cached there either
        logger.warning("could not drop user %s from the cache", user_id)


def cached_get_user(request):
    """`auth.get_user`, answered from the cache when the session's hash
    matches the cached user."""
    session = request.session
    try:
        user_id = session[SESSION_KEY]
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        return auth.get_user(request)  # anonymous
    if backend_path in settings.AUTHENTICATION_BACKENDS:
        try:
            user = cache.get(user_cache_key(user_id))
        except Exception:
            logger.warning("user cache unavailable", exc_info=True)
            user = None
        session_hash = session.get(HASH_SESSION_KEY)
        if (
            user is not None
            and user.is_active
            and session_hash
            and constant_time_compare(session_hash, user.get_session_auth_hash())
        ):
            user.backend = backend_path
            return user
    user = auth.get_user(request)
    if user.is_authenticated:
        try:
            cache.set(user_cache_key(user.pk), user, USER_CACHE_SECONDS)
        except Exception:
            logger.warning("user cache unavailable", exc_info=True)
    return user


class CachedAuthenticationMiddleware(AuthenticationMiddleware):
    def process_request(self, request):
        super().process_request(request)  # its checks, and request.auser
        request.user = SimpleLazyObject(lambda: _request_user(request))


def _request_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = cached_get_user(request)
    return request._cached_user


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
@receiver(post_delete, sender=settings.AUTH_USER_MODEL)
def _user_changed(sender, instance, **kwargs) -> None:
    forget_user(instance.pk)
