"""Probing recordings with ffprobe and making their poster with ffmpeg."""

import json
import shutil
import subprocess

from django.utils.translation import gettext as _

PROBE_TIMEOUT = 120
POSTER_TIMEOUT = 120


class ProcessingError(Exception):
    """The recording cannot be used; the message is shown to staff."""


def _run(args: list[str], timeout: int) -> subprocess.CompletedProcess:
    executable = shutil.which(args[0])
    if executable is None:
        raise ProcessingError(
            _("%(program)s is not installed on the server.") % {"program": args[0]}
        )
    try:
        return subprocess.run(  # noqa: S603 - fixed program, no shell
            [executable, *args[1:]], capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise ProcessingError(
            _("%(program)s took too long.") % {"program": args[0]}
        ) from error


def probe(source: str) -> dict:
    """Duration (s), resolution and codec of the first video stream."""
    result = _run(
        ["ffprobe", "-v", "error", "-print_format", "json",
         "-show_format", "-show_streams", source],
        PROBE_TIMEOUT,
    )  # fmt: skip
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip()[-500:]
        raise ProcessingError(
            _("ffprobe could not read this file: %(detail)s") % {"detail": detail}
        )
    try:
        info = json.loads(result.stdout)
    except ValueError as error:
        raise ProcessingError(_("ffprobe gave no readable answer.")) from error
    video = next(
        (s for s in info.get("streams", []) if s.get("codec_type") == "video"), None
    )
    if video is None:
        raise ProcessingError(_("This file has no video stream."))
    try:
        duration = float(info.get("format", {}).get("duration") or video["duration"])
    except (KeyError, TypeError, ValueError) as error:
        raise ProcessingError(_("The length of the video is unknown.")) from error
    return {
        "duration": duration,
        "width": int(video.get("width") or 0) or None,
        "height": int(video.get("height") or 0) or None,
        "codec": str(video.get("codec_name", ""))[:50],
    }


def poster(source: str, duration: float) -> bytes:
    """A JPEG frame from a little into the video (not the black first one)."""
    at = f"{min(duration * 0.1, 30):.2f}"
    result = _run(
        ["ffmpeg", "-v", "error", "-ss", at, "-i", source, "-frames:v", "1",
         "-vf", "scale='min(1280,iw)':-2", "-f", "image2", "-c:v", "mjpeg",
         "pipe:1"],
        POSTER_TIMEOUT,
    )  # fmt: skip
    if result.returncode != 0 or not result.stdout.startswith(b"\xff\xd8"):
        detail = result.stderr.decode(errors="replace").strip()[-500:]
        raise ProcessingError(
            _("ffmpeg could not make a poster: %(detail)s") % {"detail": detail}
        )
    return result.stdout
