"""Homework: a weekly quiz of (by default) 5 questions x 4 choices.

Timing rule (the server's clock decides): a homework accepts answers from
`opens_at` up to and including `due_at` (a submission stamped exactly at
`due_at` is on time), then, if `late_days` > 0, up to and including
`due_at + late_days` as a late submission whose score is capped at
`late_cap` of full marks. After that it is closed.

Lateness follows the deadline in force: a submission is late when it was
submitted after `due_at` (`late_after`), and moving `due_at` re-judges
every submission and queues the changed ones for regrading.
"""

import math
import random
import secrets
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    Q,
    Value,
    When,
)
from django.db.models.lookups import GreaterThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.models import LectureItemQuerySet
from lms.db import AddDays

__all__ = [
    "PASSED",
    "Choice",
    "DraftAnswer",
    "Homework",
    "HomeworkDefaults",
    "HomeworkState",
    "ItemAnalysis",
    "Question",
    "Submission",
    "SubmissionAnswer",
    "revealed_q",
    "revealed_to_learner_q",
]

DEFAULT_QUESTIONS = 5
DEFAULT_CHOICES = 4


class HomeworkDefaults(models.Model):
    """A course's homework shape and late policy, used where a homework
    leaves its own fields blank (a sister course may differ from the model
    course: e.g. late answers for 7 days at most 2 of 3 points)."""

    course = models.OneToOneField(
        "courses.Course", on_delete=models.CASCADE, related_name="homework_defaults"
    )
    question_count = models.PositiveSmallIntegerField(
        _("questions per homework"), default=DEFAULT_QUESTIONS
    )
    choice_count = models.PositiveSmallIntegerField(
        _("choices per question"),
        default=DEFAULT_CHOICES,
        validators=[MinValueValidator(2), MaxValueValidator(10)],
    )
    due_days = models.PositiveSmallIntegerField(
        _("due days after the lecture"),
        default=7,
        validators=[MaxValueValidator(60)],
        help_text=_("A new lecture's homework is due this many days after it."),
    )
    due_time = models.TimeField(
        _("due time"),
        null=True,
        blank=True,
        help_text=_("On the course's clock. Blank: the lecture's start time."),
    )
    late_days = models.PositiveSmallIntegerField(
        _("late window (days)"),
        default=0,
        validators=[MaxValueValidator(60)],
        help_text=_("Late answers are accepted for this many days after the due time."),
    )
    late_cap = models.DecimalField(
        _("late score cap"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("1.000"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_(
            "Fraction of full marks a late submission can get at most, rounded "
            "down to whole points (0.667: at most 2 of 3 points)."
        ),
    )
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (points)"), default=3)

    class Meta:
        db_table = "quizzes_homeworkdefaults"
        verbose_name = _("homework defaults")
        verbose_name_plural = _("homework defaults")

    def __str__(self) -> str:
        return str(self.course)

    def clean(self) -> None:
        if self.question_count and self.pass_mark > self.question_count:
            raise ValidationError(
                {"pass_mark": _("The pass mark cannot exceed the number of questions.")}
            )

    @classmethod
    def of(cls, course) -> "HomeworkDefaults":
        """The course's defaults, or the built-in ones (unsaved)."""
        return cls.objects.filter(course=course).first() or cls(course=course)

    def dates_for(self, lecture) -> dict:
        """A new homework's dates for `lecture`: open at the lecture, due
        `due_days` later at `due_time` (course clock)."""
        tz = lecture.course.tzinfo
        start = timezone.localtime(lecture.starts_at, tz)
        due = start + timedelta(days=self.due_days)
        if self.due_time is not None:
            due = datetime.combine(due.date(), self.due_time, tzinfo=tz)
        closes = due + timedelta(days=self.late_days)
        return {
            "opens_at": lecture.starts_at,
            "due_at": due,
            "late_days": self.late_days,
            "late_cap": self.late_cap,
            "reveal_at": closes,
        }


class HomeworkState(models.TextChoices):
    NOT_OPEN = "not_open", _("Not open yet")
    OPEN = "open", _("Open")
    LATE = "late", _("Late submissions")
    CLOSED = "closed", _("Closed")


def revealed_q(now, prefix: str = "") -> Q:
    """The one definition of "revealed" for a query on Homework (or, with
    `prefix="homework__"`, on Submission): `reveal_at` has come (`save()`
    fills a blank one with the closing time). Before that a learner sees no
    key, no score and no pass/fail anywhere, even when staff graded early:
    comparing scores of different answer sets would give the key away."""
    return Q(**{f"{prefix}reveal_at__lte": now})


def revealed_to_learner_q(now) -> Q:
    """For a query on Submission: the homework is revealed (`revealed_q`)
    and the submitting learner's own window has closed. Only then may the
    learner see its score and pass/fail: an extended learner still
    answering after `reveal_at` would otherwise read the key from scores."""
    return revealed_q(now, "homework__") & ~still_accepting_q(
        now, prefix="homework__", user_id=models.OuterRef("user_id")
    )


def still_accepting_q(now, *, user_id, prefix: str = "") -> Q:
    """The learner's window of the homework has not closed at `now`: their
    due time in force (with any extension) plus the late days is still
    ahead. A learner with an extension answering after `reveal_at` sees no
    key and no score until then."""
    closes = AddDays(
        Homework.objects.due_for(user_id, prefix=prefix), F(f"{prefix}late_days")
    )
    return Q(GreaterThanOrEqual(closes, now))


class HomeworkQuerySet(LectureItemQuerySet):
    """Who may answer which homework when: `LectureItemQuerySet` with the
    homework's own window."""

    extension_scope = "homework"

    def with_window(self, now, *, user_id=None) -> "HomeworkQuerySet":
        """`window`: the homework's state at `now` for the learner `user_id`
        (or for nobody in particular), and `due_in_force`, their due time
        (`due_for`: `due_at` plus any extension). A homework accepts answers
        from `opens_at` up to and including the due time (on time), then up
        to and including it + `late_days` days (late), then it is closed."""
        return (
            self.annotate(due_in_force=self.due_for(user_id))
            .alias(window_closes_at=AddDays("due_in_force", "late_days"))
            .annotate(
                window=Case(
                    When(opens_at__gt=now, then=Value(HomeworkState.NOT_OPEN.value)),
                    When(due_in_force__gte=now, then=Value(HomeworkState.OPEN.value)),
                    When(
                        window_closes_at__gte=now,
                        then=Value(HomeworkState.LATE.value),
                    ),
                    default=Value(HomeworkState.CLOSED.value),
                    output_field=models.CharField(),
                )
            )
        )

    def revealed(self, now) -> "HomeworkQuerySet":
        """Homework whose answers, scores and pass/fail learners may see at
        `now` (`revealed_q`)."""
        return self.filter(revealed_q(now))


class Homework(models.Model):
    State = HomeworkState

    lecture = models.OneToOneField(
        "courses.Lecture", on_delete=models.CASCADE, related_name="homework"
    )
    opens_at = models.DateTimeField(_("opens at"))
    due_at = models.DateTimeField(
        _("due at"), help_text=_("A submission at exactly this time is on time.")
    )
    late_days = models.PositiveSmallIntegerField(
        _("late window (days)"),
        default=0,
        help_text=_("Late answers are accepted for this many days after the due time."),
    )
    late_cap = models.DecimalField(
        _("late score cap"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("1.000"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_(
            "Fraction of full marks a late submission can get at most, rounded "
            "down to whole points (0.667: at most 2 of 3 points)."
        ),
    )
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (points)"), default=3)
    shuffle = models.BooleanField(_("shuffle choices per learner"), default=True)
    reveal_at = models.DateTimeField(
        _("answers revealed at"),
        null=True,
        blank=True,
        help_text=_("Blank: when the homework closes (after any late window)."),
    )
    question_count = models.PositiveSmallIntegerField(
        _("questions"), null=True, blank=True, help_text=_("Blank: course default.")
    )
    choice_count = models.PositiveSmallIntegerField(
        _("choices per question"),
        null=True,
        blank=True,
        help_text=_("Blank: course default."),
    )
    published = models.BooleanField(_("published"), default=False)
    key_version = models.PositiveIntegerField(_("answer key version"), default=1)
    key_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    graded_key_version = models.PositiveIntegerField(
        _("graded with key version"), null=True, blank=True, editable=False
    )
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)

    objects = HomeworkQuerySet.as_manager()

    class Meta:
        db_table = "quizzes_homework"
        ordering = ["lecture__course", "lecture__number"]
        indexes = [models.Index(fields=["published", "reveal_at"])]
        verbose_name = _("homework")
        verbose_name_plural = _("homework")

    def __str__(self) -> str:
        return str(self.lecture)

    def save(self, *args, **kwargs):
        if self.reveal_at is None and self.due_at is not None:
            self.reveal_at = self.closes_at
        with transaction.atomic():
            adding = self._state.adding
            super().save(*args, **kwargs)
            if not adding and self.submissions.judge_lateness():
                # Scores from the old judgement are stale: the regrade sweep
                # (homework_grade_due) grades it again once revealed.
                Homework.objects.filter(pk=self.pk).update(graded_key_version=None)
                self.graded_key_version = None

    def get_absolute_url(self) -> str:
        return reverse(
            "homework_take", args=[self.lecture.course.slug, self.lecture.number]
        )

    def clean(self) -> None:
        if self.opens_at and self.due_at and self.due_at <= self.opens_at:
            raise ValidationError({"due_at": _("The due time must be after opening.")})
        if self.reveal_at and self.due_at and self.reveal_at < self.closes_at:
            # Revealing earlier would let late submitters copy the key.
            raise ValidationError(
                {
                    "reveal_at": _(
                        "Answers cannot be revealed before the homework closes."
                    )
                }
            )

    @property
    def closes_at(self):
        return self.due_at + timedelta(days=self.late_days)

    def state_at(self, now, *, user_id=None) -> str:
        """The window state at `now` (for the learner `user_id`, with their
        extension), asked of the database by `HomeworkQuerySet.with_window`
        (the one definition)."""
        return self.window_at(now, user_id=user_id)[0]

    def window_at(self, now, *, user_id=None) -> tuple[str, "datetime"]:
        """(window state, due time in force) at `now` for the learner."""
        return (
            Homework.objects.with_window(now, user_id=user_id)
            .values_list("window", "due_in_force")
            .get(pk=self.pk)
        )

    @property
    def reveals_at(self):
        """When the key, the score and pass/fail become the learner's to see:
        `reveal_at`, by default when the homework closes (`revealed_q`)."""
        return self.reveal_at or self.closes_at

    def is_revealed(self, now=None) -> bool:
        """In Python what `revealed_q` says in SQL."""
        return (now or timezone.now()) >= self.reveals_at

    @property
    def is_graded(self) -> bool:
        """Every submission carries a score from the current answer key."""
        return self.graded_key_version == self.key_version

    def shape(self) -> tuple[int, int]:
        defaults = getattr(self.lecture.course, "homework_defaults", None)
        questions = self.question_count or (
            defaults.question_count if defaults else DEFAULT_QUESTIONS
        )
        choices = self.choice_count or (
            defaults.choice_count if defaults else DEFAULT_CHOICES
        )
        return questions, choices

    def max_score(self) -> int:
        return self.questions.count()

    def late_cap_points(self, max_score: int) -> int:
        cap = Decimal(str(self.late_cap))
        return math.floor(Decimal(max_score) * cap + Decimal("0.0001"))


class Question(models.Model):
    homework = models.ForeignKey(
        Homework, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(
        pgettext_lazy("homework", "question"), help_text=_("Markdown.")
    )
    explanation = models.TextField(
        _("explanation"), blank=True, help_text=_("Markdown. Shown after reveal.")
    )

    class Meta:
        db_table = "quizzes_question"
        ordering = ["homework", "position", "id"]
        verbose_name = pgettext_lazy("homework", "question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.title or self.text[:60]


def shuffle_for_learner(items: list, *, user_id, homework_id, question_id) -> None:
    """Shuffle a question's choices (in position order) the way this learner
    always sees them. Seeded by an HMAC of learner, homework and question
    under SECRET_KEY: a public seed would let anyone undo the shuffle and
    read the authored order, where the right answer habitually comes first."""
    seed = salted_hmac(
        "koza.homework.shuffle",
        f"{user_id}:{homework_id}:{question_id}",
        algorithm="sha256",
    ).digest()
    random.Random(seed).shuffle(items)


class ChoiceQuerySet(models.QuerySet):
    def create_in_random_order(self, choices: list["Choice"]) -> list["Choice"]:
        """Insert choices in a random order, so that their ids, which the
        learner's form posts, say nothing about the authored order (GIFT
        authors write `=right` first by habit). `position` keeps the authored
        order for staff. Random ids per learner would need a lookup on every
        submit; this costs the one-statement submit nothing."""
        shuffled = list(choices)
        secrets.SystemRandom().shuffle(shuffled)
        return self.bulk_create(shuffled)


class Choice(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="choices"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.TextField(_("choice"), help_text=_("Markdown."))
    is_correct = models.BooleanField(_("correct"), default=False)
    feedback = models.TextField(
        _("feedback"), blank=True, help_text=_("Markdown. Shown after reveal.")
    )

    objects = ChoiceQuerySet.as_manager()

    class Meta:
        db_table = "quizzes_choice"
        ordering = ["question", "position", "id"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")

    def __str__(self) -> str:
        return self.text[:60]


def late_after(due_at) -> Q:
    """The one definition of a late submission: submitted after the due time
    in force (`with_window` calls the homework late from the same instant).
    `due_at` is a datetime or an expression, so a per-learner due time can
    take its place."""
    return Q(submitted_at__gt=due_at)


class SubmissionQuerySet(models.QuerySet):
    def judge_lateness(self) -> int:
        """Set `is_late` from each submission's time and its learner's due
        time in force (`HomeworkQuerySet.due_for`: the homework's `due_at`
        plus any extension), touching only submissions whose judgement
        changes; those are marked ungraded with the current key (their late
        cap may now apply or not), so the regrade sweep grades them again.
        Run when a due time moves or an extension is granted or revoked.
        Returns how many changed."""
        late = late_after(
            Homework.objects.due_for(models.OuterRef("user_id"), prefix="homework__")
        )
        return self.filter(late, is_late=False).update(
            is_late=True, graded_key_version=None
        ) + self.filter(~late, is_late=True).update(
            is_late=False, graded_key_version=None
        )

    def with_passed(self) -> "SubmissionQuerySet":
        """`passed`: graded, with a score of at least the pass mark."""
        return self.annotate(
            passed=ExpressionWrapper(PASSED, output_field=BooleanField())
        )

    def passed(self) -> "SubmissionQuerySet":
        return self.filter(PASSED)

    def revealed(self, now) -> "SubmissionQuerySet":
        """Submissions to homework that is revealed at `now` (`revealed_q`),
        leaving out those of learners whose extended window still accepts
        answers: the only ones whose score and pass/fail a learner may see."""
        return self.filter(revealed_to_learner_q(now))


# The one definition of "passed": a score at or above the homework's pass
# mark (an ungraded submission, score NULL, has not passed). Completion counts
# weeks passed with it; pages and exports annotate it (`with_passed()`).
PASSED = Q(score__gte=F("homework__pass_mark"))


class Submission(models.Model):
    """A learner's current answers to a homework: one row per learner, replaced
    on each resubmission (the last one counts)."""

    homework = models.ForeignKey(
        Homework, on_delete=models.CASCADE, related_name="submissions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="homework_submissions",
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    is_late = models.BooleanField(_("late"), default=False)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    token = models.UUIDField(
        _("idempotency token"),
        default=uuid.uuid4,
        help_text=_("The form that produced the current answers."),
    )
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)
    graded_key_version = models.PositiveIntegerField(null=True, blank=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        db_table = "quizzes_submission"
        constraints = [
            models.UniqueConstraint(
                fields=["homework", "user"], name="one_submission_per_learner"
            )
        ]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self) -> str:
        return f"{self.user} – {self.homework}"


class SubmissionAnswer(models.Model):
    """One chosen answer: a row each, so grading is one join and a count."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    choice = models.ForeignKey(Choice, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "quizzes_submissionanswer"
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "question"], name="one_answer_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission_id}: {self.question_id} → {self.choice_id}"


class DraftAnswer(models.Model):
    """An answer saved as it was clicked, before the learner submits."""

    homework = models.ForeignKey(Homework, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    choice = models.ForeignKey(Choice, on_delete=models.CASCADE, related_name="+")
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "quizzes_draftanswer"
        constraints = [
            models.UniqueConstraint(
                fields=["homework", "user", "question"], name="one_draft_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.question_id} → {self.choice_id}"


class ItemAnalysis(models.Model):
    """A homework's item analysis as its last grading counted it, so the
    results page reads one row instead of every answer (500,000 at 100,000
    learners). Written only by `homework_item_analysis_store`, which the
    grading job runs after grading every submission.

    Sums, not the page's figures: per choice, how many picked it and the
    sum of those learners' raw totals (number correct, no late cap). Share
    correct and discrimination follow from them and the key
    (`selectors.homework_item_analysis`), and the sums hold for the key they
    were counted under only: `is_current_for` says whether the page may use
    them (the key version is the same and no submission came in since the
    homework was graded)."""

    homework = models.OneToOneField(
        Homework,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="item_analysis",
    )
    key_version = models.PositiveIntegerField()
    computed_at = models.DateTimeField()
    submissions = models.PositiveIntegerField()
    # {"<choice id>": [picks, sum of the pickers' raw totals]}
    choices = models.JSONField(default=dict)

    class Meta:
        db_table = "quizzes_itemanalysis"
        verbose_name = _("item analysis")
        verbose_name_plural = _("item analyses")

    def __str__(self) -> str:
        return str(self.homework)

    def is_current_for(self, homework: Homework) -> bool:
        """Counted under the homework's current key, and nothing submitted
        since it was graded (a submission or a key change marks the homework
        ungraded until the regrade, which counts again)."""
        return homework.is_graded and self.key_version == homework.key_version
