"""The lecture page may frame an external video: only that provider, only on
a page that shows one."""

from functools import wraps

from django.conf import settings


def allow_material_frames(view):
    """Let the page frame the video providers its materials fragment used
    (the `lecture_materials` tag records them on the request)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        origins = getattr(request, "_archive_frame_origins", None)
        if origins:
            response._csp_config = {**settings.SECURE_CSP, "frame-src": sorted(origins)}
        return response

    return wrapper
