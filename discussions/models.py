"""Course Q&A: questions filed under a lecture, its homework or survey, the
competition or "general"; answers and comments under them.

The visibility rule lives here once (`QuestionQuerySet.visible_to`, with
`spoiler_guarded_q` for the spoiler guard): every page, fragment, search,
count, feed and notification asks it. A question about a homework or the
competition that is still open could give the answers away, so until the
homework's answers are revealed (or the competition has closed, or staff
made the question public after checking it) only its author and staff see
it.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from competitions.models import Competition
from competitions.storage import private_storage
from courses.models import Lecture
from quizzes.homework.models import Homework, revealed_q, still_accepting_q

BODY_MAX_LENGTH = 20_000
TITLE_MAX_LENGTH = 200


class Topic(models.TextChoices):
    GENERAL = "general", _("General")
    LECTURE = "lecture", _("Lecture")
    HOMEWORK = "homework", _("Homework")
    SURVEY = "survey", _("Survey")
    COMPETITION = "competition", _("Competition")


# Topics that need a lecture, and those a question can spoil.
LECTURE_TOPICS = frozenset({Topic.LECTURE, Topic.HOMEWORK, Topic.SURVEY})
GUARDED_TOPICS = frozenset({Topic.HOMEWORK, Topic.COMPETITION})


@dataclass(frozen=True)
class Category:
    """A topic, with its lecture for the lecture topics: what a question is
    filed under, and what the list filters by. Its `key` ("general",
    "homework-3") is the form value and the URL's `category`."""

    topic: str
    lecture_number: int | None = None

    @property
    def key(self) -> str:
        if self.lecture_number is None:
            return self.topic
        return f"{self.topic}-{self.lecture_number}"

    @classmethod
    def parse(cls, key: str | None) -> "Category | None":
        """The category named by `key`, or None for anything else."""
        topic, _, number = (key or "").partition("-")
        if topic not in Topic.values:
            return None
        if topic in LECTURE_TOPICS:
            return cls(topic, int(number)) if number.isdigit() else None
        return None if number else cls(topic)

    def label(self) -> str:
        topic = Topic(self.topic).label
        if self.lecture_number is None:
            return str(topic)
        if self.topic == Topic.LECTURE:
            return gettext("Lecture %(number)s") % {"number": self.lecture_number}
        return gettext("Lecture %(number)s: %(topic)s") % {
            "number": self.lecture_number,
            "topic": topic,
        }


class PostState(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    HIDDEN = "hidden", _("Hidden by staff")
    DELETED = "deleted", _("Deleted")


def _revealed_homework(now: datetime, viewer_id=None):
    """Homework whose answers are out at `now` for the viewer: revealed
    (`revealed_q`, the homework's one definition) and, for a learner, their
    own window closed too (an extended learner still answering reads no
    spoiler, as they read no key)."""
    homework = Homework.objects.filter(revealed_q(now))
    if viewer_id is not None:
        homework = homework.exclude(still_accepting_q(now, user_id=viewer_id))
    return homework


def _open_competitions(now: datetime):
    """Competitions someone may still submit to at `now` (not yet closed)."""
    return Competition.objects.filter(closes_at__gt=now)


def spoiler_guarded_q(now: datetime, *, viewer_id=None, course=None) -> Q:
    """For a query on Question: still under the spoiler guard at `now` (for
    the learner `viewer_id`, whose extension may keep a homework open
    longer). The guard lifts for a homework question once that lecture's
    homework answers are revealed, for a competition question once every
    competition of the course has closed, and for either when staff made the
    question public. `Question.spoiler_guarded` reads the same querysets.

    With `course` (every query of one course's questions) the database
    works out the course's guarded lectures and whether a competition is
    open once per query instead of once per row: counting 20,000 questions
    takes milliseconds instead of seconds."""
    if course is None:
        homework_revealed = Exists(
            _revealed_homework(now, viewer_id).filter(lecture_id=OuterRef("lecture_id"))
        )
        competition_open = Exists(
            _open_competitions(now).filter(course_id=OuterRef("course_id"))
        )
        homework_guarded = Q(topic=Topic.HOMEWORK) & ~homework_revealed
    else:
        # Lectures without revealed homework (one without any homework
        # stays guarded, as above): a small uncorrelated subquery.
        guarded_lectures = Lecture.objects.filter(course=course).exclude(
            homework__in=_revealed_homework(now, viewer_id)
        )
        competition_open = Exists(_open_competitions(now).filter(course=course))
        homework_guarded = Q(
            topic=Topic.HOMEWORK, lecture__in=guarded_lectures.values("pk")
        )
    return Q(made_public_at__isnull=True) & (
        homework_guarded | (Q(topic=Topic.COMPETITION) & competition_open)
    )


def topic_guarded(*, course, topic: str, lecture, now: datetime, viewer_id=None):
    """Whether a question filed under `topic` (and `lecture`) would be
    guarded at `now`: the ask page tells the author before they post."""
    if topic == Topic.HOMEWORK:
        return not (
            lecture is not None
            and _revealed_homework(now, viewer_id).filter(lecture=lecture).exists()
        )
    if topic == Topic.COMPETITION:
        return _open_competitions(now).filter(course=course).exists()
    return False


def _exactly_one(*fields: str) -> Q:
    """Exactly one of the foreign keys `fields` is set."""
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{other}__isnull": other != field for other in fields})
    return condition


def guarded_category_keys(course, now: datetime, viewer_id=None) -> set[str]:
    """The categories of `course` whose new questions would be guarded at
    `now` (as `Category.key`): each homework not yet revealed, and the
    competition while one is open. The ask page lists them."""
    numbers = (
        Homework.objects.filter(lecture__course=course)
        .exclude(pk__in=_revealed_homework(now, viewer_id).values("pk"))
        .values_list("lecture__number", flat=True)
    )
    keys = {Category(Topic.HOMEWORK, number).key for number in numbers}
    if _open_competitions(now).filter(course=course).exists():
        keys.add(Category(Topic.COMPETITION).key)
    return keys


class Post(models.Model):
    """What questions, answers and comments share: a Markdown body by an
    author who may hide their name from other learners (never from staff),
    and a state staff moderate (a deleted post stays, for the audit)."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="discussion_%(class)ss",
        verbose_name=_("author"),
    )
    body = models.TextField(_("body"), help_text=_("Markdown."))
    anonymous = models.BooleanField(
        _("anonymous to other learners"),
        default=False,
        help_text=_("Staff always see who wrote it."),
    )
    state = models.CharField(
        _("state"), max_length=8, choices=PostState.choices, default=PostState.VISIBLE
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_visible(self) -> bool:
        return self.state == PostState.VISIBLE

    def author_label(self, viewer, *, is_staff: bool) -> str:
        """The author's name as `viewer` may read it: "Anonymous learner" to
        other learners when the post is anonymous; staff (`is_staff`, for the
        post's course) and the author see the name, marked as hidden from
        learners."""
        if not self.anonymous:
            return self.author.name
        if is_staff or self.author_id == getattr(viewer, "pk", None):
            return gettext("%(name)s (anonymous to learners)") % {
                "name": self.author.name
            }
        return gettext("Anonymous learner")


class QuestionQuerySet(models.QuerySet):
    def visible_to(
        self, user, course, now: datetime, *, is_staff: bool | None = None
    ) -> "QuestionQuerySet":
        """The questions of `course` that `user` may see at `now`, the one
        rule. Staff of the course see everything but deleted posts;
        approved learners see visible questions that were not merged away
        and are not under the spoiler guard (`spoiler_guarded_q`), plus
        their own; everyone else sees none. Pass `is_staff` when the caller
        already knows it (it is asked once per request)."""
        questions = self.filter(course=course)
        if not getattr(user, "is_authenticated", False):
            return questions.none()
        if is_staff is None:
            is_staff = course.is_staff(user)
        if is_staff:
            return questions.exclude(state=PostState.DELETED)
        if not course.is_learner(user):
            return questions.none()
        return questions.filter(
            ~spoiler_guarded_q(now, viewer_id=user.pk, course=course) | Q(author=user),
            state=PostState.VISIBLE,
            merged_into__isnull=True,
        )

    def listed(self) -> "QuestionQuerySet":
        """The list order: pinned first, then by votes, newest first."""
        return self.order_by("-pinned", "-votes_count", "-id")


class Question(Post):
    course = models.ForeignKey(
        "courses.Course",
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("course"),
    )
    topic = models.CharField(
        _("category"), max_length=12, choices=Topic.choices, default=Topic.GENERAL
    )
    lecture = models.ForeignKey(
        "courses.Lecture",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questions",
        verbose_name=_("lecture"),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    votes_count = models.PositiveIntegerField(_("votes"), default=0)
    answers_count = models.PositiveIntegerField(
        pgettext_lazy("Q&A", "answers"), default=0
    )
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    solved_answer = models.ForeignKey(
        "discussions.Answer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("solved by"),
    )
    has_endorsed = models.BooleanField(_("has an endorsed answer"), default=False)
    pinned = models.BooleanField(_("pinned"), default=False)
    locked = models.BooleanField(_("locked"), default=False)
    is_faq = models.BooleanField(_("FAQ"), default=False)
    made_public_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("made public by"),
    )
    made_public_at = models.DateTimeField(_("made public at"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_questions",
        verbose_name=_("merged into"),
    )

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["-pinned", "-votes_count", "-id"]
        indexes = [
            models.Index(
                fields=["course", "-pinned", "-votes_count", "-id"],
                name="question_list",
            ),
            models.Index(
                fields=["course", "topic", "lecture", "-id"],
                name="question_category",
            ),
            models.Index(
                fields=["course", "answers_count", "created_at"],
                name="question_unanswered",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(topic__in=sorted(LECTURE_TOPICS))
                | Q(lecture__isnull=False),
                name="question_lecture_for_lecture_topics",
            ),
        ]
        verbose_name = _("question")
        verbose_name_plural = pgettext_lazy("Q&A", "questions")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("question_detail", args=[self.course.slug, self.pk])

    @property
    def is_solved(self) -> bool:
        return self.solved_answer_id is not None

    def spoiler_guarded(self, now: datetime, *, viewer_id=None) -> bool:
        """This question is under the spoiler guard at `now` (see
        `spoiler_guarded_q`, which reads the same querysets)."""
        if self.made_public_at is not None:
            return False
        return topic_guarded(
            course=self.course,
            topic=self.topic,
            lecture=self.lecture,
            now=now,
            viewer_id=viewer_id,
        )

    @property
    def category(self) -> Category:
        """What it is filed under (reads the lecture: select it along)."""
        number = self.lecture.number if self.lecture_id is not None else None
        return Category(self.topic, number)


class AnswerQuerySet(models.QuerySet):
    def visible_to(
        self, user, course, now: datetime, *, is_staff=None, question_id=None
    ):
        """Answers follow their question (`QuestionQuerySet.visible_to`);
        learners see only visible answers, staff everything but deleted.
        `question_id` narrows it to one thread (so the database checks one
        question, not the course's thousands)."""
        if is_staff is None:
            is_staff = getattr(user, "is_authenticated", False) and course.is_staff(
                user
            )
        questions = Question.objects.visible_to(user, course, now, is_staff=is_staff)
        if question_id is not None:
            questions = questions.filter(pk=question_id)
        answers = self.filter(question__in=questions)
        if is_staff:
            return answers.exclude(state=PostState.DELETED)
        return answers.filter(state=PostState.VISIBLE)


class Answer(Post):
    question = models.ForeignKey(
        Question,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("question"),
    )
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("endorsed by"),
    )
    endorsed_at = models.DateTimeField(_("endorsed at"), null=True, blank=True)

    objects = AnswerQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["question", "id"], name="answer_thread")]
        verbose_name = pgettext_lazy("Q&A", "answer")
        verbose_name_plural = pgettext_lazy("Q&A", "answers")

    def __str__(self) -> str:
        return gettext("Answer to %(title)s") % {"title": self.question.title}

    def get_absolute_url(self) -> str:
        return f"{self.question.get_absolute_url()}#answer-{self.pk}"

    @property
    def is_endorsed(self) -> bool:
        return self.endorsed_at is not None


class CommentQuerySet(models.QuerySet):
    def visible_to(
        self, user, course, now: datetime, *, is_staff=None, question_id=None
    ):
        """Comments follow their question or answer, as answers do (and
        `question_id` narrows them to one thread, as there)."""
        if is_staff is None:
            is_staff = getattr(user, "is_authenticated", False) and course.is_staff(
                user
            )
        questions = Question.objects.visible_to(user, course, now, is_staff=is_staff)
        if question_id is not None:
            questions = questions.filter(pk=question_id)
        answers = Answer.objects.visible_to(
            user, course, now, is_staff=is_staff, question_id=question_id
        )
        comments = self.filter(Q(question__in=questions) | Q(answer__in=answers))
        if is_staff:
            return comments.exclude(state=PostState.DELETED)
        return comments.filter(state=PostState.VISIBLE)


class Comment(Post):
    question = models.ForeignKey(
        Question,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("question"),
    )
    answer = models.ForeignKey(
        Answer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=pgettext_lazy("Q&A", "answer"),
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one("question", "answer"),
                name="comment_on_question_or_answer",
            )
        ]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.body[:50]

    @property
    def thread_question_id(self) -> int:
        return self.question_id or self.answer.question_id


class Vote(models.Model):
    """ "I have this question too": one per learner and question."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="votes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "user"], name="one_vote")
        ]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")

    def __str__(self) -> str:
        return f"{self.user_id} → {self.question_id}"


class Follow(models.Model):
    """Someone follows one question, or a whole category of a course
    (a topic, with its lecture for lecture topics)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, related_name="+"
    )
    question = models.ForeignKey(
        Question,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follows",
    )
    topic = models.CharField(
        max_length=12, choices=Topic.choices, null=True, blank=True
    )
    lecture = models.ForeignKey(
        "courses.Lecture",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(question__isnull=False, topic__isnull=True)
                | Q(question__isnull=True, topic__isnull=False),
                name="follow_question_or_category",
            ),
            models.UniqueConstraint(
                fields=["user", "question"],
                condition=Q(question__isnull=False),
                name="one_question_follow",
            ),
            models.UniqueConstraint(
                fields=["user", "course", "topic", "lecture"],
                condition=Q(question__isnull=True, lecture__isnull=False),
                name="one_lecture_category_follow",
            ),
            models.UniqueConstraint(
                fields=["user", "course", "topic"],
                condition=Q(question__isnull=True, lecture__isnull=True),
                name="one_category_follow",
            ),
        ]
        verbose_name = _("follow")
        verbose_name_plural = _("follows")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.question_id or self.topic}"


class Report(models.Model):
    """A learner tells staff about a post (exactly one of the three)."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    answer = models.ForeignKey(
        Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one("question", "answer", "comment"),
                name="report_one_post",
            )
        ]
        verbose_name = pgettext_lazy("Q&A", "report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return self.reason[:50]


class ModerationLog(models.Model):
    """What staff did to a post, and when: the audit of every moderation."""

    class Action(models.TextChoices):
        PIN = "pin", _("Pinned")
        UNPIN = "unpin", _("Unpinned")
        LOCK = "lock", _("Locked")
        UNLOCK = "unlock", _("Unlocked")
        HIDE = "hide", _("Hidden")
        UNHIDE = "unhide", _("Shown again")
        DELETE = "delete", _("Deleted")
        RESTORE = "restore", _("Restored")
        FAQ = "faq", _("Marked as FAQ")
        UNFAQ = "unfaq", _("Removed from the FAQ")
        MAKE_PUBLIC = "make_public", _("Made public")
        MERGE = "merge", _("Merged")
        ENDORSE = "endorse", _("Endorsed")
        UNENDORSE = "unendorse", _("Endorsement withdrawn")

    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    answer = models.ForeignKey(
        Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["course", "-id"], name="moderation_log")]
        verbose_name = _("moderation log entry")
        verbose_name_plural = _("moderation log")

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id}"


def _attachment_path(attachment: "Attachment", filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"discussions/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """An image on a question or answer, served only to those who may see
    the post (never from public media)."""

    question = models.ForeignKey(
        Question,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    answer = models.ForeignKey(
        Answer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(
        _("image"), upload_to=_attachment_path, storage=private_storage
    )
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one("question", "answer"),
                name="attachment_on_question_or_answer",
            )
        ]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.file.name
