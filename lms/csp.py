"""A page may frame an external video: only that provider, only on a page
that shows one."""

from functools import wraps

from django.conf import settings


def allow_frame_origins(request, origins) -> None:
    """Let this request's page frame `origins` (called by the fragment that
    embeds them; the view must be wrapped in `allow_recorded_frames`)."""
    request._frame_origins = set(origins) | getattr(request, "_frame_origins", set())


def allow_recorded_frames(view):
    """Let the page frame the video providers its fragments recorded with
    `allow_frame_origins` while rendering."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        origins = getattr(request, "_frame_origins", None)
        if origins:
            response._csp_config = {**settings.SECURE_CSP, "frame-src": sorted(origins)}
        return response

    return wrapper
