import time
import zoneinfo
from collections.abc import Callable
from functools import cache
from urllib.parse import unquote

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import translation
from django.utils.translation import gettext


class UserLanguageMiddleware:
    """Use the signed-in user's preferred language unless the language switch
    (the language cookie) says otherwise.

    LocaleMiddleware already picked a language from the cookie or the browser's
    Accept-Language; a saved preference beats the browser but not an explicit
    switch made in this browser.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.language
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


@cache
def _known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class ViewerTimezoneMiddleware:
    """`request.viewer_timezone`: the viewer's own time zone, from the cookie
    the page's script sets (None when unknown or not a real zone). Course
    pages show times in the course's time zone, named, and add the viewer's
    own time where it differs (the `viewer_time` tag)."""

    COOKIE = "koza_tz"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = unquote(request.COOKIES.get(self.COOKIE, ""))[:64]
        request.viewer_timezone = (
            zoneinfo.ZoneInfo(name) if name in _known_timezones() else None
        )
        return self.get_response(request)


class RejectNulBytesMiddleware:
    """Answer 400 to a request carrying a NUL byte in its path, query string,
    cookies or form fields, before any view or session lookup sees it.

    No person types a NUL; PostgreSQL refuses one in any text, and a view
    that passed one on raised a server error (and an email to the admins).
    Refused here once, every page is covered. A form body is read only when
    CSRF checking reads it anyway: a CSRF-exempt view may set its own upload
    handlers first, and checks its own fields.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            "\x00" in request.path
            or "\x00" in unquote(request.META.get("QUERY_STRING", ""))
            or any(_has_nul(name, value) for name, value in request.COOKIES.items())
        ):
            return _nul_refused()
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs):
        if request.method != "POST":
            return None
        if getattr(view, "csrf_exempt", False):
            return None  # it reads its body itself (upload handlers, tus)
        fields = request.POST.lists()
        if any(_has_nul(name, *values) for name, values in fields) or any(
            _has_nul(name, *(upload.name or "" for upload in uploads))
            for name, uploads in request.FILES.lists()
        ):
            return _nul_refused()
        return None


def _has_nul(*texts: str) -> bool:
    return any("\x00" in text for text in texts)


def _nul_refused() -> HttpResponse:
    return HttpResponseBadRequest(
        gettext("The request contains a character that is not allowed."),
        content_type="text/plain; charset=utf-8",
    )


class PrivateNoStoreMiddleware:
    """A page or export made for a signed-in person is theirs alone: no
    shared proxy keeps it and no browser writes it to disk, so the next user
    of a shared computer cannot read it from the cache. A response that set
    its own Cache-Control (e.g. a static file) keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not response.has_header("Cache-Control")
        ):
            response["Cache-Control"] = "private, no-store"
        return response


class SessionTimeoutMiddleware:
    """Sign a session out after `SESSION_IDLE_TIMEOUT` seconds without a
    request, or `SESSION_COOKIE_AGE` seconds after sign-in, whichever comes
    first (a stolen cookie does not live for the whole term).

    The last-seen time is written at most every `idle / 14` seconds (a day,
    by default), so a learner's page views do not each write the session:
    the timeout is that much less precise, and the deadline rush costs no
    extra writes. The stamps live in the session itself, so this works the
    same whichever store holds it (and with Redis down, cached_db falls back
    to the database)."""

    SEEN = "koza_seen"
    SIGNED_IN = "koza_signed_in"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        session = request.session
        now = int(time.time())
        idle = settings.SESSION_IDLE_TIMEOUT
        seen = session.get(self.SEEN)
        signed_in = session.get(self.SIGNED_IN)
        if (seen is not None and now - seen > idle) or (
            signed_in is not None and now - signed_in > settings.SESSION_COOKIE_AGE
        ):
            auth.logout(request)
            messages.info(
                request,
                gettext("You were signed out after a while away. Sign in again."),
            )
            return
        if signed_in is None:  # a session from before this middleware
            session[self.SIGNED_IN] = now
        if seen is None or now - seen > max(idle // 14, 1):
            session[self.SEEN] = now


def session_stamps(now: int | None = None) -> dict[str, int]:
    """What a sign-in writes into its session (also the spike benchmark's
    made-up sessions), so the first page after it writes nothing more."""
    now = int(time.time()) if now is None else now
    return {
        SessionTimeoutMiddleware.SEEN: now,
        SessionTimeoutMiddleware.SIGNED_IN: now,
    }


@receiver(user_logged_in)
def _stamp_sign_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session.update(session_stamps())
