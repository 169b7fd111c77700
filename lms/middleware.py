import zoneinfo
from collections.abc import Callable
from functools import cache
from urllib.parse import unquote

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


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
