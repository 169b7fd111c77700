import re
import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    RECORDING = "recording", _("Recording")
    SLIDES = "slides", _("Slides")
    NOTEBOOK = "notebook", _("Notebook")
    CAPTIONS = "captions", _("Captions")
    LINK = "link", _("External video")


#: What a file of each kind is served as. The type comes from the kind (whose
#: content was checked on upload), never from what the browser said.
CONTENT_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
    ".pdf": "application/pdf",
    ".ipynb": "application/x-ipynb+json",
    ".vtt": "text/vtt; charset=utf-8",
    ".jpg": "image/jpeg",
}

YOUTUBE_RE = re.compile(
    r"^https://(?:www\.|m\.)?(?:youtube\.com/(?:watch\?(?:.*&)?v=|embed/|live/|shorts/)"
    r"|youtu\.be/)(?P<id>[A-Za-z0-9_-]{6,20})"
)
VIMEO_RE = re.compile(r"^https://(?:www\.|player\.)?vimeo\.com/(?:video/)?(?P<id>\d+)")
GITHUB_BLOB_RE = re.compile(
    r"^https://github\.com/(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+)/blob/(?P<path>\S+\.ipynb)$"
)
EMBED_ORIGINS = {
    "youtube": "https://www.youtube-nocookie.com",
    "vimeo": "https://player.vimeo.com",
}


def material_upload_to(material: "Material", filename: str) -> str:
    """Files live under a random folder so their URLs in storage are not
    guessable and two uploads of `slides.pdf` never collide."""
    course = material.lecture.course.slug
    return (
        f"archives/{course}/{material.lecture.number}/{uuid.uuid4().hex}/"
        f"{get_valid_filename(Path(filename).name)}"
    )


class Material(models.Model):
    """A recording, slide deck, notebook, captions file or external video of a
    lecture. Learners see it only when it is both `ready` and `published`, so
    nothing half-processed is ever published."""

    class State(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    Kind = Kind

    lecture = models.ForeignKey(
        "courses.Lecture", on_delete=models.CASCADE, related_name="materials"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    file = models.FileField(
        _("file"), upload_to=material_upload_to, max_length=400, blank=True
    )
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    external_url = models.URLField(
        _("external video URL"), blank=True, help_text=_("YouTube or Vimeo.")
    )
    github_url = models.URLField(
        _("GitHub URL"),
        blank=True,
        help_text=_("The notebook on GitHub, for “Open in Colab”."),
    )
    language = models.CharField(
        _("captions language"), max_length=10, blank=True, default="ja"
    )
    size = models.BigIntegerField(_("size"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    duration = models.FloatField(_("duration (seconds)"), null=True, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    codec = models.CharField(_("codec"), max_length=50, blank=True)
    poster = models.FileField(_("poster"), max_length=400, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.UPLOADED
    )
    failure_reason = models.TextField(_("failure reason"), blank=True)
    published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    publish_when_ready = models.BooleanField(_("publish when ready"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["lecture", "kind", "created_at"]
        indexes = [models.Index(fields=["state", "updated_at"])]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def __str__(self) -> str:
        return self.title or self.original_name or self.get_kind_display()

    def get_absolute_url(self) -> str:
        return reverse(
            "material_file",
            args=[self.lecture.course.slug, self.pk, self.download_name],
        )

    @property
    def download_name(self) -> str:
        name = get_valid_filename(self.original_name or Path(self.file.name).name)
        return name or "file"

    @property
    def duration_display(self) -> str:
        """1:02:03 or 2:03, like a video player shows it."""
        if self.duration is None:
            return ""
        minutes, seconds = divmod(round(self.duration), 60)
        hours, minutes = divmod(minutes, 60)
        if hours:
            return f"{hours}:{minutes:02d}:{seconds:02d}"
        return f"{minutes}:{seconds:02d}"

    @property
    def is_visible_to_learners(self) -> bool:
        return self.published and self.state == self.State.READY

    @property
    def embed_provider(self) -> str | None:
        if YOUTUBE_RE.match(self.external_url):
            return "youtube"
        if VIMEO_RE.match(self.external_url):
            return "vimeo"
        return None

    @property
    def embed_url(self) -> str:
        if match := YOUTUBE_RE.match(self.external_url):
            return f"{EMBED_ORIGINS['youtube']}/embed/{match['id']}"
        if match := VIMEO_RE.match(self.external_url):
            return f"{EMBED_ORIGINS['vimeo']}/video/{match['id']}"
        return ""

    @property
    def colab_url(self) -> str:
        match = GITHUB_BLOB_RE.match(self.github_url)
        if not match:
            return ""
        return (
            "https://colab.research.google.com/github/"
            f"{match['owner']}/{match['repo']}/blob/{match['path']}"
        )

    def publish(self, published: bool = True) -> bool:
        """Publish (only when ready) or unpublish; True when it changed."""
        if published and self.state != self.State.READY:
            return False
        changed = Material.objects.filter(pk=self.pk).exclude(published=published)
        if published:
            changed = changed.filter(state=self.State.READY)
        count = changed.update(
            published=published,
            published_at=timezone.now() if published else None,
        )
        self.refresh_from_db()
        return bool(count)


class Upload(models.Model):
    """A tus upload in progress. The bytes received so far are in
    `temp_path`; when the last byte arrives the file is checked, becomes a
    Material, and this row and the temporary file go away."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    lecture = models.ForeignKey(
        "courses.Lecture", on_delete=models.CASCADE, related_name="uploads"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    length = models.BigIntegerField(_("length"))
    offset = models.BigIntegerField(_("offset"), default=0)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["updated_at"])]
        verbose_name = _("upload in progress")
        verbose_name_plural = _("uploads in progress")

    def __str__(self) -> str:
        return self.filename

    @property
    def filename(self) -> str:
        return self.metadata.get("filename", "")

    @property
    def temp_path(self) -> Path:
        return Path(settings.ARCHIVE_UPLOAD_DIR) / f"{self.pk}.part"

    @property
    def percent(self) -> int:
        return int(self.offset * 100 / self.length) if self.length else 100
