"""A tus 1.0 server (core, creation, termination) for lecture recordings.

https://tus.io/protocols/resumable-upload: the client creates an upload with
POST (its length and metadata), sends the bytes with PATCH from the offset the
server confirms with HEAD, and can resume there after any interruption. Bytes
stream from the request to the temporary file in chunks; a 4 GB recording is
never held in memory.

Authentication: the session cookie says who the user is; because the views
must be csrf_exempt (tus clients send PATCH/DELETE with their own headers, not
forms), every request must also carry `Upload-Token`, a signed token bound to
that user and course that only the staff upload page hands out. A cross-site
page can send the cookie but can neither read nor forge the token, and a
custom header forces a CORS preflight that nothing here answers.
"""

import base64
import binascii
import fcntl
import logging
from functools import wraps

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from archives.models import Upload
from archives.services import (
    RefusedFile,
    TooLarge,
    upload_create,
    upload_delete,
    upload_finish,
)
from courses.access import course_staff_required
from courses.models import Course, Lecture

logger = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination"
CHUNK_SIZE = 1024 * 1024
TOKEN_SALT = "archives.upload"  # noqa: S105 - a signing salt, not a secret
TOKEN_MAX_AGE = 7 * 24 * 3600


def upload_token(*, user, course: Course) -> str:
    return signing.dumps({"u": user.pk, "c": course.pk}, salt=TOKEN_SALT)


def _token_is_valid(request: HttpRequest, course: Course) -> bool:
    try:
        data = signing.loads(
            request.headers.get("Upload-Token", ""),
            salt=TOKEN_SALT,
            max_age=TOKEN_MAX_AGE,
        )
    except signing.BadSignature:
        return False
    return data == {"u": request.user.pk, "c": course.pk}


def _max_size() -> int:
    return max(limits["max_size"] for limits in settings.ARCHIVE_LIMITS.values())


def _tus_response(status: int, message: str = "", **headers) -> HttpResponse:
    response = HttpResponse(
        message, status=status, content_type="text/plain; charset=utf-8"
    )
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = str(value)
    return response


def _options() -> HttpResponse:
    return _tus_response(
        204,
        Tus_Version=TUS_VERSION,
        Tus_Extension=TUS_EXTENSIONS,
        Tus_Max_Size=_max_size(),
    )


def tus_endpoint(view):
    """OPTIONS for anyone; everything else for course admins who also send
    the page's upload token and speak tus 1.0.0."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            return _options()
        if not request.user.is_authenticated:
            return _tus_response(401, _("Sign in to upload."))
        if request.headers.get("Tus-Resumable") != TUS_VERSION:
            return _tus_response(412, Tus_Version=TUS_VERSION)
        return _admin_with_token(request, slug, *args, **kwargs)

    @course_staff_required(admin=True)
    def _admin_with_token(request, course, *args, **kwargs):
        if not _token_is_valid(request, course):
            return _tus_response(
                403, _("The upload page has expired; reload it and try again.")
            )
        return view(request, course, *args, **kwargs)

    return wrapper


def _parse_metadata(header: str) -> dict[str, str] | None:
    metadata = {}
    for pair in filter(None, (p.strip() for p in header.split(","))):
        key, _sep, value = pair.partition(" ")
        try:
            metadata[key] = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
    return metadata


def _nonnegative_int(value: str | None) -> int | None:
    if value is None or not value.isdigit():
        return None
    return int(value)


@tus_endpoint
def uploads(request: HttpRequest, course: Course, number: int) -> HttpResponse:
    """Creation: POST with Upload-Length and Upload-Metadata (filename, kind,
    and optionally title, publish, github_url, language)."""
    if request.method != "POST":
        return _tus_response(405, Allow="POST, OPTIONS")
    lecture = get_object_or_404(Lecture, course=course, number=number)
    length = _nonnegative_int(request.headers.get("Upload-Length"))
    metadata = _parse_metadata(request.headers.get("Upload-Metadata", ""))
    if length is None or metadata is None:
        return _tus_response(400, _("Upload-Length and Upload-Metadata are needed."))
    if length > _max_size():
        return _tus_response(413, _("The file is too large."))
    try:
        upload = upload_create(
            lecture=lecture, user=request.user, length=length, metadata=metadata
        )
    except TooLarge as error:
        return _tus_response(413, str(error))
    except RefusedFile as error:
        return _tus_response(415, str(error))
    location = request.build_absolute_uri(
        reverse("tus_upload", args=[course.slug, upload.pk])
    )
    return _tus_response(201, Location=location, Upload_Offset=0)


@tus_endpoint
def upload(request: HttpRequest, course: Course, upload_id) -> HttpResponse:
    upload = get_object_or_404(
        Upload, pk=upload_id, owner=request.user, lecture__course=course
    )
    if request.method == "HEAD":
        return _tus_response(
            200, Upload_Offset=upload.offset, Upload_Length=upload.length
        )
    if request.method == "PATCH":
        return _patch(request, upload)
    if request.method == "DELETE":
        upload_delete(upload=upload)
        return _tus_response(204)
    return _tus_response(405, Allow="HEAD, PATCH, DELETE, OPTIONS")


def _patch(request: HttpRequest, upload: Upload) -> HttpResponse:
    if request.content_type != "application/offset+octet-stream":
        return _tus_response(415, _("PATCH needs application/offset+octet-stream."))
    offset = _nonnegative_int(request.headers.get("Upload-Offset"))
    if offset is None:
        return _tus_response(400, _("Upload-Offset is needed."))
    content_length = _nonnegative_int(request.META.get("CONTENT_LENGTH"))
    if content_length is None:
        return _tus_response(411, _("Content-Length is needed."))
    if offset + content_length > upload.length:
        return _tus_response(413, _("More bytes than the upload's length."))
    with upload.temp_path.open("r+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _tus_response(423, _("This upload is already receiving data."))
        upload.refresh_from_db()
        if offset != upload.offset:
            return _tus_response(
                409,
                _("Wrong offset: the server has %(offset)s bytes.")
                % {"offset": upload.offset},
                Upload_Offset=upload.offset,
            )
        written = _receive(request, handle, offset=offset, length=content_length)
        Upload.objects.filter(pk=upload.pk, offset=offset).update(
            offset=offset + written, updated_at=timezone.now()
        )
    upload.offset = offset + written
    if upload.offset < upload.length:
        return _tus_response(204, Upload_Offset=upload.offset)
    try:
        material = upload_finish(upload=upload)
    except RefusedFile as error:
        return _tus_response(415, str(error))
    return _tus_response(204, Upload_Offset=upload.offset, Koza_Material=material.pk)


def _receive(request: HttpRequest, handle, *, offset: int, length: int) -> int:
    """Copy up to `length` bytes from the request body to the file at
    `offset`, chunk by chunk. A dropped connection keeps what arrived."""
    handle.seek(offset)
    handle.truncate()
    written = 0
    try:
        while written < length:
            chunk = request.read(min(CHUNK_SIZE, length - written))
            if not chunk:
                break
            handle.write(chunk)
            written += len(chunk)
    except OSError:
        logger.info("upload interrupted after %d bytes", written)
    handle.flush()
    return written
