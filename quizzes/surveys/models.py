"""The weekly summary survey (the survey issue).

Each lecture has one survey whose centrepiece is the learner's summary of the
lecture in their own words, plus a few rating / choice / comment questions.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models, transaction
from django.db.models import (
    Case,
    Q,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.models import LectureItemQuerySet

__all__ = [
    "CopyPair",
    "Survey",
    "SurveyCourseSettings",
    "SurveyDraft",
    "SurveyQuestion",
    "SurveyResponse",
    "SurveyState",
    "count_summary_chars",
    "normalise_newlines",
]


def normalise_newlines(text: str) -> str:
    """Browsers post CRLF; a line break is one character whatever the OS."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def count_summary_chars(text: str) -> int:
    """Summary length in characters (Japanese has no spaces to count words by).

    Counted after normalising newlines and trimming, in code points: the same
    rule as the live counter in static/js/survey.js.
    """
    return len(normalise_newlines(text).strip())


class SurveyCourseSettings(models.Model):
    """Per-course survey settings, kept in surveys so the course model stays
    the courses app's own. A course without a row uses the defaults."""

    course = models.OneToOneField(
        "courses.Course", on_delete=models.CASCADE, related_name="survey_settings"
    )
    only_accepted_summaries_count = models.BooleanField(
        _("only accepted summaries count toward completion"),
        default=False,
        help_text=_(
            "When on, a summary counts toward completion only once staff "
            "accepted it; otherwise every submitted summary counts."
        ),
    )

    due_days = models.PositiveSmallIntegerField(
        _("due days after the lecture"),
        default=7,
        validators=[MaxValueValidator(60)],
        help_text=_("A new lecture's survey is due this many days after it."),
    )
    due_time = models.TimeField(
        _("due time"),
        null=True,
        blank=True,
        help_text=_("On the course's clock. Blank: the lecture's start time."),
    )
    summary_min_chars = models.PositiveIntegerField(
        _("minimum summary length (characters)"), default=200
    )
    summary_max_chars = models.PositiveIntegerField(
        _("maximum summary length (characters)"),
        default=2000,
        validators=[MaxValueValidator(20000)],
    )
    allow_late = models.BooleanField(
        _("accept late answers"),
        default=False,
        help_text=_("Learners may still submit or edit after the due time."),
    )

    class Meta:
        db_table = "quizzes_surveycoursesettings"
        verbose_name = _("survey settings")
        verbose_name_plural = _("survey settings")

    def __str__(self) -> str:
        return str(self.course)

    def clean(self) -> None:
        if self.summary_min_chars > self.summary_max_chars:
            raise ValidationError(
                {
                    "summary_max_chars": _(
                        "The maximum must not be smaller than the minimum."
                    )
                }
            )

    @classmethod
    def of(cls, course) -> "SurveyCourseSettings":
        """The course's settings, or the built-in ones (unsaved)."""
        return cls.objects.filter(course=course).first() or cls(course=course)

    def dates_for(self, lecture) -> dict:
        """A new survey's dates for `lecture`: open at the lecture, due
        `due_days` later at `due_time` (course clock)."""
        tz = lecture.course.tzinfo
        due = timezone.localtime(lecture.starts_at, tz) + timedelta(days=self.due_days)
        if self.due_time is not None:
            due = datetime.combine(due.date(), self.due_time, tzinfo=tz)
        return {"opens_at": lecture.starts_at, "due_at": due}


class SurveyState(models.TextChoices):
    NOT_OPEN = "not_open", _("Not open yet")
    OPEN = "open", _("Open")
    LATE = "late", _("Late answers")
    CLOSED = "closed", _("Closed")


class SurveyQuerySet(LectureItemQuerySet):
    """Who may answer which survey when: `LectureItemQuerySet` with the
    survey's own window."""

    extension_scope = "survey"

    def with_window(self, now, *, user_id=None) -> "SurveyQuerySet":
        """`window` at `now` for the learner `user_id` (or for nobody in
        particular), and `due_in_force`, their due time (`due_for`: `due_at`
        plus any extension): open from `opens_at` (or at once) up to and
        including the due time; after it, late while the survey accepts late
        answers, else closed."""
        return self.annotate(due_in_force=self.due_for(user_id)).annotate(
            window=Case(
                When(opens_at__gt=now, then=Value(SurveyState.NOT_OPEN.value)),
                When(due_in_force__gte=now, then=Value(SurveyState.OPEN.value)),
                When(allow_late=True, then=Value(SurveyState.LATE.value)),
                default=Value(SurveyState.CLOSED.value),
                output_field=models.CharField(),
            )
        )


class Survey(models.Model):
    State = SurveyState

    lecture = models.OneToOneField(
        "courses.Lecture", on_delete=models.CASCADE, related_name="survey"
    )
    opens_at = models.DateTimeField(
        _("opens at"), null=True, blank=True, help_text=_("Empty: open once published.")
    )
    due_at = models.DateTimeField(_("due at"))
    summary_min_chars = models.PositiveIntegerField(
        _("minimum summary length (characters)"), default=200
    )
    summary_max_chars = models.PositiveIntegerField(
        _("maximum summary length (characters)"), default=2000
    )
    allow_late = models.BooleanField(
        _("accept late answers"),
        default=False,
        help_text=_("Learners may still submit or edit after the due time."),
    )
    published = models.BooleanField(_("published"), default=False)
    copies_checked_at = models.DateTimeField(
        _("copies checked at"), null=True, blank=True, editable=False
    )

    objects = SurveyQuerySet.as_manager()

    class Meta:
        db_table = "quizzes_survey"
        ordering = ["lecture"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return str(self.lecture)

    def save(self, *args, **kwargs):
        """A due time moved by staff re-judges every answer's lateness, in
        the same transaction."""
        with transaction.atomic():
            adding = self._state.adding
            super().save(*args, **kwargs)
            if not adding:
                self.responses.judge_lateness()

    def get_absolute_url(self) -> str:
        return reverse("survey", args=[self.lecture.course.slug, self.lecture.number])

    def clean(self) -> None:
        if self.summary_min_chars > self.summary_max_chars:
            raise ValidationError(
                {
                    "summary_max_chars": _(
                        "The maximum must not be smaller than the minimum."
                    )
                }
            )

    def state_at(self, now: datetime | None = None, *, user_id=None) -> str:
        """The window state at `now` (for the learner `user_id`, with their
        extension), asked of the database by `SurveyQuerySet.with_window`
        (the one definition)."""
        return self.window_at(now, user_id=user_id)[0]

    def window_at(self, now=None, *, user_id=None) -> tuple[str, datetime]:
        """(window state, due time in force) at `now` for the learner."""
        return (
            Survey.objects.with_window(now or timezone.now(), user_id=user_id)
            .values_list("window", "due_in_force")
            .get(pk=self.pk)
        )


class SurveyQuestion(models.Model):
    class Kind(models.TextChoices):
        RATING = "rating", _("Rating 1–5")
        CHOICE = "choice", _("Single choice")
        COMMENT = "comment", _("Free comment")

    RATING_VALUES = (1, 2, 3, 4, 5)

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    label = models.CharField(pgettext_lazy("survey question", "label"), max_length=300)
    required = models.BooleanField(_("required"), default=True)
    choices = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_("For single choice: a list of options."),
    )

    class Meta:
        db_table = "quizzes_surveyquestion"
        ordering = ["survey", "position", "pk"]
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if self.kind == self.Kind.CHOICE and (
            not isinstance(self.choices, list) or len(self.choices) < 2
        ):
            raise ValidationError(
                {"choices": _("A single-choice question needs at least two options.")}
            )

    @property
    def key(self) -> str:
        """The key of this question's answer in SurveyResponse.answers and its
        form field name. Not a bare number: JSON lookups would read that as
        an array index."""
        return f"q_{self.pk}"


def late_after(due_at) -> Q:
    """The one definition of a late answer: its latest save came after the
    due time in force (a response once late stays late on resubmission,
    and the latest save is the latest of them). `due_at` may be an
    expression, so a per-learner due time can take its place."""
    return Q(updated_at__gt=due_at)


class SurveyResponseQuerySet(models.QuerySet):
    def judge_lateness(self) -> int:
        """Set `late` from each answer's time and its learner's due time in
        force (`SurveyQuerySet.due_for`: the survey's `due_at` plus any
        extension), touching only answers whose judgement changes. Run when
        a due time moves or an extension is granted or revoked; returns how
        many changed."""
        late = late_after(
            Survey.objects.due_for(models.OuterRef("user_id"), prefix="survey__")
        )
        return self.filter(late, late=False).update(late=True) + self.filter(
            ~late, late=True
        ).update(late=False)


class SurveyResponse(models.Model):
    class Review(models.TextChoices):
        PENDING = "pending", _("Not reviewed")
        ACCEPTED = "accepted", _("Accepted")
        NEEDS_REVISION = "needs_revision", _("Needs revision")
        REJECTED = "rejected", pgettext_lazy("summary review", "Rejected")

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="responses"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="survey_responses",
    )
    summary = models.TextField(_("summary"), help_text=_("Markdown."))
    summary_chars = models.PositiveIntegerField(_("characters"), default=0)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    late = models.BooleanField(_("late"), default=False)
    review_state = models.CharField(
        _("review"), max_length=16, choices=Review.choices, default=Review.PENDING
    )
    review_comment = models.TextField(_("reviewer comment"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    objects = SurveyResponseQuerySet.as_manager()

    class Meta:
        db_table = "quizzes_surveyresponse"
        ordering = ["survey", "submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "user"], name="one_survey_response_per_user"
            )
        ]
        indexes = [
            models.Index(fields=["survey", "review_state"]),
            # The review queue's keyset order (oldest first).
            models.Index(
                fields=["survey", "submitted_at", "id"], name="response_review_order"
            ),
        ]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")

    def __str__(self) -> str:
        return f"{self.user} – {self.survey}"


class SurveyDraft(models.Model):
    """What the learner is typing, saved as they type so nothing is lost."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="drafts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    summary = models.TextField(blank=True)
    answers = models.JSONField(default=dict, blank=True)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "quizzes_surveydraft"
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "user"], name="one_survey_draft_per_user"
            )
        ]
        verbose_name = _("survey draft")
        verbose_name_plural = _("survey drafts")

    def __str__(self) -> str:
        return f"{self.user} – {self.survey}"


class CopyPair(models.Model):
    """A summary that nearly duplicates another one, or the lecture's own
    description (then `other` is empty). Replaced on each detection run."""

    class Kind(models.TextChoices):
        PAIR = "pair", _("Near-duplicate summaries")
        DESCRIPTION = "description", _("Copies the lecture description")

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="copy_pairs"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="+"
    )
    other = models.ForeignKey(
        SurveyResponse,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    estimate = models.FloatField(_("estimated similarity"), default=0)
    similarity = models.FloatField(_("similarity"))
    found_at = models.DateTimeField(_("found at"), default=timezone.now)

    class Meta:
        db_table = "quizzes_copypair"
        ordering = ["survey", "-similarity"]
        verbose_name = _("copy pair")
        verbose_name_plural = _("copy pairs")

    def __str__(self) -> str:
        return f"{self.survey}: {self.similarity:.2f}"
