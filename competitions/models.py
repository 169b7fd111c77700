import uuid
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from competitions.storage import private_storage
from courses.models import Extension


def _entry_path(entry: "Entry", filename: str) -> str:
    # The learner's file name is kept in `original_name`; on disk a random
    # name, so nothing about a path can be guessed.
    return f"competitions/{entry.competition_id}/entries/{uuid.uuid4().hex}"


def _report_path(participant: "Participant", filename: str) -> str:
    return f"competitions/{participant.competition_id}/reports/{uuid.uuid4().hex}.pdf"


def _starter_path(starter: "StarterFile", filename: str) -> str:
    return f"competitions/{starter.competition_id}/starter/{filename}"


class Competition(models.Model):
    """The final competition of a course: learners upload predictions for a
    hidden test set, scored on its public part while open and ranked on its
    private part once staff publish the final leaderboard."""

    class Format(models.TextChoices):
        CSV = "csv", _("CSV")
        JSONL = "jsonl", _("JSON Lines")

    class Metric(models.TextChoices):
        ACCURACY = "accuracy", _("Accuracy")
        MACRO_F1 = "macro_f1", _("Macro-F1")
        RMSE = "rmse", _("RMSE")
        MAE = "mae", _("MAE")
        ROC_AUC = "roc_auc", _("ROC-AUC")
        EXACT_MATCH = "exact_match", _("Exact match")
        EXTERNAL = "external", _("Imported scores (external judge)")

    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, related_name="competitions"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Markdown.")
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    submission_format = models.CharField(
        _("submission format"), max_length=8, choices=Format.choices, default="csv"
    )
    id_column = models.CharField(_("id column"), max_length=50, default="id")
    prediction_column = models.CharField(
        _("prediction column"), max_length=50, default="prediction"
    )
    metric = models.CharField(
        _("metric"), max_length=16, choices=Metric.choices, default=Metric.ACCURACY
    )
    normalize_nfkc = models.BooleanField(
        _("normalise Unicode (NFKC)"), default=True, help_text=_("Exact match only.")
    )
    normalize_case = models.BooleanField(
        _("ignore case"), default=True, help_text=_("Exact match only.")
    )
    normalize_whitespace = models.BooleanField(
        _("collapse whitespace"), default=True, help_text=_("Exact match only.")
    )
    normalize_punctuation = models.BooleanField(
        _("ignore punctuation"), default=False, help_text=_("Exact match only.")
    )
    daily_limit = models.PositiveSmallIntegerField(
        _("submissions per day"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_("Per day in the course's time zone; rejected files do not count."),
    )
    max_final_selections = models.PositiveSmallIntegerField(
        _("final submissions a learner may select"),
        default=2,
        validators=[MinValueValidator(1)],
    )
    max_upload_mb = models.PositiveSmallIntegerField(
        _("upload size limit (MB)"), default=20, validators=[MinValueValidator(1)]
    )
    report_required = models.BooleanField(_("PDF report required"), default=False)
    report_deadline = models.DateTimeField(_("report deadline"), null=True, blank=True)
    private_published_at = models.DateTimeField(
        _("private leaderboard published at"), null=True, blank=True
    )

    class Meta:
        ordering = ["-opens_at"]
        verbose_name = _("competition")
        verbose_name_plural = _("competitions")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("competition", args=[self.course.slug])

    # The learner's extension (`for_learner`); none for staff and the board.
    extra_time = timedelta(0)

    def for_learner(self, user_id) -> "Competition":
        """This competition as the learner `user_id` sees it: with their
        extension (`Extension.objects.extra_time`, the one rule), the close
        and the report deadline come later, and so do `is_open`, `is_closed`
        and `report_open` for every page and write that asks them."""
        self.extra_time = Extension.objects.extra_time_of(
            user_id=user_id,
            course_id=self.course_id,
            scope=Extension.Scope.COMPETITION,
        )
        return self

    @property
    def closes_at_in_force(self) -> datetime:
        return self.closes_at + self.extra_time

    @property
    def report_deadline_in_force(self) -> datetime:
        return (self.report_deadline or self.closes_at) + self.extra_time

    @property
    def is_extended(self) -> bool:
        return self.extra_time > timedelta(0)

    @property
    def is_open(self) -> bool:
        return self.opens_at <= timezone.now() < self.closes_at_in_force

    @property
    def is_closed(self) -> bool:
        return timezone.now() >= self.closes_at_in_force

    def extended_learners_open(self, now=None) -> int:
        """How many learners' extensions keep the competition open at `now`
        after its close: the private board waits for them."""
        now = now or timezone.now()
        return (
            Extension.objects.covering(scope=Extension.Scope.COMPETITION)
            .filter(course_id=self.course_id, extra_time__gt=now - self.closes_at)
            .values("user_id")
            .distinct()
            .count()
        )

    @property
    def private_published(self) -> bool:
        return self.private_published_at is not None

    @property
    def higher_is_better(self) -> bool:
        return self.metric not in {self.Metric.RMSE, self.Metric.MAE}

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def report_open(self) -> bool:
        return self.opens_at <= timezone.now() < self.report_deadline_in_force

    def day_start(self, moment: datetime | None = None) -> datetime:
        """Midnight of the course's day containing `moment`: daily limits
        follow the learners' calendar, not UTC."""
        tz = self.course.tzinfo
        local = (moment or timezone.now()).astimezone(tz)
        return datetime.combine(local.date(), time.min, tzinfo=tz)


class Answer(models.Model):
    """One row of the hidden answer key. Lives only in the database: no file
    under MEDIA_ROOT, no view, no template ever renders it."""

    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="answers"
    )
    row_id = models.CharField(_("id"), max_length=200)
    answer = models.TextField(_("answer"))
    is_private = models.BooleanField(_("private"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["competition", "row_id"], name="one_answer_per_row_id"
            )
        ]
        verbose_name = _("hidden answer")
        verbose_name_plural = _("hidden answers")

    def __str__(self) -> str:
        return self.row_id


class StarterFile(models.Model):
    """Data and a sample submission learners download to get started."""

    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="starter_files"
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=_starter_path, storage=private_storage)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("starter file")
        verbose_name_plural = _("starter files")

    def __str__(self) -> str:
        return self.title

    @property
    def filename(self) -> str:
        return (self.file.name or "").rsplit("/", 1)[-1]


class Participant(models.Model):
    """A learner taking part: nickname, report, and the row every upload of
    theirs locks so two tabs cannot slip past the daily limit."""

    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="competition_participations",
    )
    nickname = models.CharField(
        _("nickname"),
        max_length=40,
        blank=True,
        help_text=_("Shown on the leaderboard instead of your name."),
    )
    report = models.FileField(
        _("report"), upload_to=_report_path, storage=private_storage, blank=True
    )
    report_uploaded_at = models.DateTimeField(
        _("report uploaded at"), null=True, blank=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["competition", "user"], name="one_participant_per_user"
            )
        ]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return self.nickname or str(self.user)


class Entry(models.Model):
    """One uploaded prediction file and what scoring made of it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SCORING = "scoring", _("Scoring")
        SCORED = "scored", _("Scored")
        # Context: "Rejected" is also an application decision (不許可).
        REJECTED = "rejected", pgettext_lazy("competition entry", "Rejected")
        FAILED = "failed", _("Failed")

    # Entries in these states use up one of the day's submissions; a rejected
    # file or a failure on our side gives the slot back.
    COUNTED = (Status.QUEUED, Status.SCORING, Status.SCORED)

    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="entries"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="competition_entries",
    )
    file = models.FileField(_("file"), upload_to=_entry_path, storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    reason = models.TextField(_("reason"), blank=True)
    row_errors = models.JSONField(_("row errors"), default=list, blank=True)
    public_score = models.FloatField(_("public score"), null=True, blank=True)
    private_score = models.FloatField(_("private score"), null=True, blank=True)
    imported = models.BooleanField(_("score imported"), default=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    enqueued_at = models.DateTimeField(_("enqueued at"), default=timezone.now)
    scoring_started_at = models.DateTimeField(
        _("scoring started at"), null=True, blank=True
    )
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)
    selected_for_final = models.BooleanField(_("selected for final"), default=False)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["competition", "user", "submitted_at"]),
            models.Index(fields=["competition", "status"]),
            models.Index(fields=["status", "scoring_started_at"]),
        ]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.SCORING}

    def problem_messages(self) -> list[str]:
        """Why the file was rejected, row by row, in the reader's language."""
        from competitions.metrics import describe

        return [describe(problem) for problem in self.row_errors]
