"""Sending a protected file once the view has checked who may have it.

Three ways, one decision each: nginx streams it (X-Accel-Redirect to its
internal location), object storage serves it (redirect to a short-lived
signed URL), or Django streams it itself with HTTP Range support so a video
player can seek (development and the embedded default).
"""

import re
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import StreamingHttpResponse
from django.utils.csp import CSP
from django.utils.http import content_disposition_header

CHUNK_SIZE = 256 * 1024
RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")

#: Served files are never a page: no scripts, no plugins, no framing of our
#: pages, and a PDF viewer inside a sandbox.
FILE_CSP = {
    "default-src": [CSP.NONE],
    "img-src": [CSP.SELF],
    "media-src": [CSP.SELF],
    "style-src": [CSP.UNSAFE_INLINE],
    "object-src": [CSP.SELF],
    "sandbox": True,
}


def is_local(storage: Storage) -> bool:
    """Files on this machine's disk (MEDIA_ROOT); anything else is object
    storage that hands out its own URLs."""
    return isinstance(storage, FileSystemStorage)


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single `bytes=` range, or None when it cannot
    be satisfied. Raises ValueError for several ranges (answered in full)."""
    if "," in header:
        raise ValueError("multiple ranges")
    match = RANGE_RE.match(header.strip())
    if not match or size == 0:
        return None
    first, last = match.groups()
    if first == "":
        if last == "" or int(last) == 0:
            return None
        return max(0, size - int(last)), size - 1
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if start >= size or end < start:
        return None
    return start, end


def _stream(storage: Storage, name: str, start: int, length: int):
    with storage.open(name, "rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def _finish(
    response: HttpResponse, *, content_type: str, disposition: str
) -> HttpResponse:
    response["Content-Type"] = content_type
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response._csp_config = FILE_CSP
    return response


def serve_protected(
    request: HttpRequest,
    *,
    storage: Storage,
    name: str,
    content_type: str,
    filename: str,
    as_attachment: bool,
) -> HttpResponse:
    disposition = content_disposition_header(as_attachment, filename)
    if not is_local(storage):
        url = _signed_url(storage, name, content_type, disposition)
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store"
        return response
    if settings.MEDIA_ACCEL_REDIRECT:
        response = HttpResponse()
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_PREFIX + quote(name)
        return _finish(response, content_type=content_type, disposition=disposition)

    size = storage.size(name)
    start, end, status = 0, size - 1, 200
    header = request.headers.get("Range")
    if header:
        try:
            byte_range = parse_range(header, size)
        except ValueError:  # several ranges: the whole file is a valid answer
            byte_range = None
        else:
            if byte_range is None:
                response = HttpResponse(status=416)
                response["Content-Range"] = f"bytes */{size}"
                response["Accept-Ranges"] = "bytes"
                return response
        if byte_range is not None:
            (start, end), status = byte_range, 206
    length = end - start + 1 if size else 0
    response = StreamingHttpResponse(
        _stream(storage, name, start, length), status=status
    )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return _finish(response, content_type=content_type, disposition=disposition)


def _signed_url(storage: Storage, name: str, content_type: str, disposition: str):
    """A URL that works for MEDIA_SIGNED_URL_SECONDS (django-storages' S3
    storage signs it and tells the bucket which headers to answer with)."""
    try:
        return storage.url(
            name,
            parameters={
                "ResponseContentType": content_type,
                "ResponseContentDisposition": disposition,
            },
            expire=settings.MEDIA_SIGNED_URL_SECONDS,
        )
    except TypeError:  # a storage without signed-URL parameters
        return storage.url(name)
