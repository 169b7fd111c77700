"""Writes of the lecture archives: checking uploaded files, turning them into
materials, and cleaning up what was abandoned."""

import json
import logging
import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from archives.models import CONTENT_TYPES, Kind, Material, Upload
from archives.serving import is_local
from courses.models import Lecture

logger = logging.getLogger(__name__)

FILE_KINDS = [Kind.RECORDING, Kind.SLIDES, Kind.NOTEBOOK, Kind.CAPTIONS]


class RefusedFile(Exception):
    """A file Koza will not keep; the message says why, for the uploader."""


class TooLarge(RefusedFile):
    pass


def limits_for(kind: str) -> dict:
    return settings.ARCHIVE_LIMITS[kind]


def check_name_and_size(*, kind: str, filename: str, size: int) -> None:
    """The cheap checks, done before a single byte is accepted."""
    if kind not in FILE_KINDS:
        raise RefusedFile(_("Choose what kind of material this file is."))
    limits = limits_for(kind)
    extension = Path(filename).suffix.lower()
    if extension not in limits["extensions"]:
        raise RefusedFile(
            _("A %(kind)s must be one of these file types: %(types)s.")
            % {
                "kind": Kind(kind).label,
                "types": ", ".join(limits["extensions"]),
            }
        )
    if size > limits["max_size"]:
        raise TooLarge(
            _("The file is too large: a %(kind)s can be at most %(max)s.")
            % {"kind": Kind(kind).label, "max": filesizeformat(limits["max_size"])}
        )
    if size <= 0:
        raise RefusedFile(_("The file is empty."))


def _is_video(head: bytes) -> bool:
    is_iso_media = head[4:8] == b"ftyp"  # MP4, M4V, MOV
    is_matroska = head.startswith(b"\x1a\x45\xdf\xa3")  # WebM, MKV
    return is_iso_media or is_matroska


def _is_notebook(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            notebook = json.load(handle)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    return (
        isinstance(notebook, dict)
        and isinstance(notebook.get("nbformat"), int)
        and isinstance(notebook.get("cells", []), list)
    )


def _is_webvtt(head: bytes) -> bool:
    head = head.removeprefix(b"\xef\xbb\xbf")
    return head.startswith(b"WEBVTT") and head[6:7] in {b"", b" ", b"\t", b"\n", b"\r"}


def _is_whole_pdf(path: Path, head: bytes) -> bool:
    """A PDF header and, like PDF readers require, `%%EOF` in the last 1 KB:
    a truncated upload is refused instead of published as a broken file."""
    if not head.startswith(b"%PDF-"):
        return False
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - 1024))
        return b"%%EOF" in handle.read()


def check_content(*, kind: str, path: Path) -> None:
    """Look at the bytes themselves, not the name or the browser's word."""
    with path.open("rb") as handle:
        head = handle.read(64)
    ok = {
        Kind.RECORDING: lambda: _is_video(head),
        Kind.SLIDES: lambda: _is_whole_pdf(path, head),
        Kind.NOTEBOOK: lambda: _is_notebook(path),
        Kind.CAPTIONS: lambda: _is_webvtt(head),
    }[Kind(kind)]()
    if not ok:
        expected = {
            Kind.RECORDING: _("an MP4, WebM or MKV video"),
            Kind.SLIDES: _("a PDF"),
            Kind.NOTEBOOK: _("a Jupyter notebook (.ipynb)"),
            Kind.CAPTIONS: _("a WebVTT captions file"),
        }[Kind(kind)]
        raise RefusedFile(
            _("This file is not %(expected)s; nothing was saved.")
            % {"expected": expected}
        )


class _MovableFile(File):
    """A file on local disk that FileSystemStorage may move instead of copy
    (a 4 GB recording is renamed into place, not copied)."""

    def temporary_file_path(self) -> str:
        return self.name


def material_create_from_path(
    *,
    lecture: Lecture,
    kind: str,
    path: Path,
    filename: str,
    user,
    title: str = "",
    github_url: str = "",
    language: str = "",
    publish_when_ready: bool = False,
    move: bool = False,
) -> Material:
    """Check a complete file and store it as a material of the lecture.

    Recordings go on to processing (ffprobe, poster); the other kinds are
    ready at once. Raises RefusedFile, and then keeps nothing.
    """
    size = path.stat().st_size
    check_name_and_size(kind=kind, filename=filename, size=size)
    check_content(kind=kind, path=path)
    extension = Path(filename).suffix.lower()
    is_recording = kind == Kind.RECORDING
    material = Material(
        lecture=lecture,
        kind=kind,
        title=title[:200],
        original_name=Path(filename).name[:255],
        github_url=github_url,
        language=language[:10] if kind == Kind.CAPTIONS else "",
        size=size,
        content_type=CONTENT_TYPES[extension],
        state=Material.State.UPLOADED if is_recording else Material.State.READY,
        publish_when_ready=publish_when_ready,
        created_by=user,
    )
    if publish_when_ready and not is_recording:
        material.published = True
        material.published_at = timezone.now()
    handle = _MovableFile(path.open("rb"), name=str(path)) if move else None
    try:
        with transaction.atomic():
            if handle is not None and is_local(default_storage):
                material.file.save(filename, handle, save=False)
            else:
                with path.open("rb") as source:
                    material.file.save(filename, File(source), save=False)
            material.save()
            if is_recording:
                from archives.tasks import material_process

                material_process.delay_on_commit(material_id=material.pk)
    except BaseException:
        stored = material.file.name
        if stored and handle is not None and is_local(material.file.storage):
            # Put the moved bytes back so the upload can be finished again.
            os.replace(material.file.storage.path(stored), path)
        elif stored:
            material.file.storage.delete(stored)
        raise
    finally:
        if handle is not None:
            handle.close()
    return material


def material_create_link(
    *, lecture: Lecture, url: str, title: str, user, publish: bool
) -> Material:
    return Material.objects.create(
        lecture=lecture,
        kind=Kind.LINK,
        external_url=url,
        title=title,
        state=Material.State.READY,
        published=publish,
        published_at=timezone.now() if publish else None,
        created_by=user,
    )


def material_delete(*, material: Material) -> None:
    """Delete the row and, once that is committed, its files."""
    names = [f.name for f in (material.file, material.poster) if f.name]
    storage = material.file.storage
    material.delete()
    transaction.on_commit(lambda: [storage.delete(name) for name in names])


def upload_create(
    *, lecture: Lecture, user, length: int, metadata: dict[str, str]
) -> Upload:
    kind = metadata.get("kind", "")
    filename = Path(metadata.get("filename", "")).name
    check_name_and_size(kind=kind, filename=filename, size=length)
    upload = Upload.objects.create(
        owner=user,
        lecture=lecture,
        kind=kind,
        length=length,
        metadata={**metadata, "filename": filename},
    )
    upload.temp_path.parent.mkdir(parents=True, exist_ok=True)
    upload.temp_path.touch()
    return upload


def upload_delete(*, upload: Upload) -> None:
    upload.temp_path.unlink(missing_ok=True)
    Upload.objects.filter(pk=upload.pk).delete()


def upload_finish(*, upload: Upload) -> Material:
    """The last byte arrived: check the content and make it a material.
    A refused file is removed with its upload row; after an unexpected error
    both stay, so a retried PATCH (at the final offset) finishes it."""
    meta = upload.metadata
    try:
        material = material_create_from_path(
            lecture=upload.lecture,
            kind=upload.kind,
            path=upload.temp_path,
            filename=upload.filename,
            user=upload.owner,
            title=meta.get("title", ""),
            github_url=meta.get("github_url", "")
            if meta.get("github_url", "").startswith("https://github.com/")
            else "",
            language=meta.get("language", ""),
            publish_when_ready=meta.get("publish", "") in {"1", "true", "on"},
            move=True,
        )
    except RefusedFile:
        upload_delete(upload=upload)
        raise
    upload_delete(upload=upload)
    return material


def uploads_remove_abandoned() -> int:
    """Uploads untouched for ARCHIVE_UPLOAD_EXPIRY_HOURS, and stray temporary
    files without a row (a crash between the two), are removed."""
    cutoff = timezone.now() - timedelta(hours=settings.ARCHIVE_UPLOAD_EXPIRY_HOURS)
    removed = 0
    for upload in Upload.objects.filter(updated_at__lt=cutoff):
        upload_delete(upload=upload)
        removed += 1
    directory = Path(settings.ARCHIVE_UPLOAD_DIR)
    if directory.is_dir():
        known = {str(pk) for pk in Upload.objects.values_list("pk", flat=True)}
        for path in directory.glob("*.part"):
            too_old = path.stat().st_mtime < cutoff.timestamp()
            if path.stem not in known and too_old:
                path.unlink(missing_ok=True)
                removed += 1
    if removed:
        logger.info("removed %d abandoned uploads", removed)
    return removed


def material_process(*, material_id: int) -> None:
    """Probe a recording and make its poster. Safe to run twice: the claim is
    a conditional update, and only a material still `processing` is
    finished. A failure marks it failed with the reason and unpublished."""
    from archives.processing import ProcessingError, poster, probe

    claimed = Material.objects.filter(
        pk=material_id,
        kind=Kind.RECORDING,
        state__in=[Material.State.UPLOADED, Material.State.PROCESSING],
    ).update(
        state=Material.State.PROCESSING, failure_reason="", updated_at=timezone.now()
    )
    if not claimed:
        return
    material = Material.objects.get(pk=material_id)
    storage = material.file.storage
    name = material.file.name
    source = storage.path(name) if is_local(storage) else storage.url(name)
    try:
        info = probe(source)
        image = poster(source, info["duration"])
    except ProcessingError as error:
        Material.objects.filter(pk=material_id, state=Material.State.PROCESSING).update(
            state=Material.State.FAILED,
            failure_reason=str(error),
            published=False,
            published_at=None,
        )
        return
    old_poster = material.poster.name
    poster_name = storage.save(
        f"{Path(name).parent}/poster.jpg", ContentFile(image, name="poster.jpg")
    )
    publish = material.publish_when_ready or material.published
    finished = Material.objects.filter(
        pk=material_id, state=Material.State.PROCESSING
    ).update(
        state=Material.State.READY,
        poster=poster_name,
        published=publish,
        published_at=timezone.now() if publish else None,
        **info,
    )
    if not finished:
        storage.delete(poster_name)
    elif old_poster and old_poster != poster_name:
        storage.delete(old_poster)


def materials_needing_processing() -> list[int]:
    """Recordings waiting longer than a task needs: their task was lost."""
    now = timezone.now()
    return list(
        Material.objects.filter(kind=Kind.RECORDING)
        .filter(
            models.Q(
                state=Material.State.UPLOADED,
                updated_at__lt=now - timedelta(minutes=5),
            )
            | models.Q(
                state=Material.State.PROCESSING,
                updated_at__lt=now - timedelta(minutes=30),
            )
        )
        .values_list("pk", flat=True)
    )
