"""Following questions and categories, and telling followers what happened.

The asker follows their question from the start; anyone who may see a
question may follow it, and anyone who may read the course's Q&A may follow
a whole category (a topic, with its lecture for lecture topics). New
answers, endorsements and (for a category) new questions reach followers
through `notifications.services.notify`, from a Celery task enqueued after
the commit (`discussions.tasks`), never on the request path.

Who is told is decided set-based, in one statement whatever the number of
followers (`question_readers`): the visibility rule of
`QuestionQuerySet.visible_to`, per reader, extensions included. A follower
who may not see a guarded question hears nothing until it is visible to
them (staff make it public, or the homework's answers are revealed:
`questions_unguarded_notify`).
"""

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from courses.models import Course, CourseRole, Enrollment
from discussions.models import (
    GUARDED_TOPICS,
    LECTURE_TOPICS,
    Answer,
    Category,
    Follow,
    PostState,
    Question,
    Topic,
    spoiler_guarded_q,
)
from notifications.models import Kind
from notifications.services import notify


class FollowError(ValueError):
    """A follow the rules refuse, with a message to show."""


# Following ------------------------------------------------------------------


def question_follow(*, user, question: Question) -> bool:
    """`user` follows `question`; False if they already did. The caller has
    checked that they may see it (the view asks `visible_to`)."""
    try:
        with transaction.atomic():
            Follow.objects.create(
                user=user, course_id=question.course_id, question=question
            )
    except IntegrityError:
        return False
    return True


def question_unfollow(*, user, question: Question) -> bool:
    deleted, _ = Follow.objects.filter(user=user, question=question).delete()
    return bool(deleted)


def _category(course: Course, topic: str, lecture) -> dict:
    if topic not in Topic.values:
        raise FollowError("unknown category")
    if (topic in LECTURE_TOPICS) != (lecture is not None):
        raise FollowError("a lecture category needs its lecture")
    if lecture is not None and lecture.course_id != course.pk:
        raise FollowError("the lecture is not in this course")
    return {"course": course, "topic": topic, "lecture": lecture}


def category_from(course: Course, key: str):
    """(topic, lecture) of a category key ("general", "homework-3": the
    one format, `Category`); ValueError for anything that is not a category
    of this course."""
    category = Category.parse(key)
    if category is None:
        raise ValueError(key)
    if category.lecture_number is None:
        return category.topic, None
    lecture = course.lectures.filter(number=category.lecture_number).first()
    if lecture is None:
        raise ValueError(key)
    return category.topic, lecture


def category_follow(*, user, course: Course, topic: str, lecture=None) -> bool:
    """`user` follows a whole category; False if they already did."""
    category = _category(course, topic, lecture)
    try:
        with transaction.atomic():
            Follow.objects.create(user=user, question=None, **category)
    except IntegrityError:
        return False
    return True


def category_unfollow(*, user, course: Course, topic: str, lecture=None) -> bool:
    category = _category(course, topic, lecture)
    deleted, _ = Follow.objects.filter(user=user, question=None, **category).delete()
    return bool(deleted)


def follows_category(*, user, course: Course, category: Category) -> bool:
    number = category.lecture_number
    return Follow.objects.filter(
        user=user,
        course=course,
        question=None,
        topic=category.topic,
        **({"lecture__number": number} if number is not None else {"lecture": None}),
    ).exists()


def follows_question(*, user, question: Question) -> bool:
    return Follow.objects.filter(user=user, question=question).exists()


# Who may read a question, as a set ------------------------------------------


def question_readers(question: Question, now: datetime) -> QuerySet:
    """The users who may see `question` at `now`, as one queryset: the same
    rule as `QuestionQuerySet.visible_to`, asked for every user at once.
    Staff of the course see it unless it is deleted; approved learners when
    it is visible, not merged away, and not under the spoiler guard for
    them (`spoiler_guarded_q` with each reader's own extension), or when
    they wrote it."""
    User = get_user_model()
    if question.state == PostState.DELETED:
        return User.objects.none()
    staff = Q(is_superuser=True) | Exists(
        CourseRole.objects.filter(course_id=question.course_id, user=OuterRef("pk"))
    )
    if question.state != PostState.VISIBLE or question.merged_into_id is not None:
        return User.objects.filter(staff)
    learner = Exists(
        Enrollment.objects.filter(
            course_id=question.course_id,
            user=OuterRef("pk"),
            status=Enrollment.Status.APPROVED,
        )
    )
    # The guard's subqueries sit three levels below the user (user >
    # question > homework > extension), so the reader is OuterRef'd thrice.
    reader = OuterRef(OuterRef(OuterRef("pk")))
    unguarded = Exists(
        Question.objects.filter(pk=question.pk).exclude(
            spoiler_guarded_q(now, viewer_id=reader)
        )
    )
    return User.objects.filter(
        staff | (learner & (unguarded | Q(pk=question.author_id)))
    )


def _followers(question: Question, *, questions: bool = True) -> QuerySet:
    """User ids following `question` itself (if `questions`) or its
    category."""
    category = Q(
        question__isnull=True,
        course_id=question.course_id,
        topic=question.topic,
        lecture_id=question.lecture_id,
    )
    if questions:
        category |= Q(question=question)
    return Follow.objects.filter(category).values("user_id")


def _recipients(question: Question, *, now, exclude, questions=True, extra=()):
    """Followers (and `extra` user ids) who may read `question` now, minus
    `exclude`: one queryset of ids, for `notify`."""
    wanted = Q(pk__in=_followers(question, questions=questions))
    if extra:
        wanted |= Q(pk__in=list(extra))
    return (
        question_readers(question, now)
        .filter(wanted)
        .exclude(pk__in=[pk for pk in exclude if pk is not None])
        .values("pk")
    )


def _params(question: Question) -> dict:
    return {
        "course": question.course.title,
        "title": question.title,
        "topic": question.topic,
        "number": question.lecture.number if question.lecture_id else "",
    }


# Telling followers (called by discussions.tasks) ----------------------------


def answer_posted_notify(*, answer_id: int, now: datetime | None = None) -> int:
    """Followers of the question and of its category hear of a new answer
    (not its author). Nothing for an answer hidden or deleted since."""
    now = now or timezone.now()
    answer = (
        Answer.objects.select_related("question__course", "question__lecture")
        .filter(pk=answer_id, state=PostState.VISIBLE)
        .first()
    )
    if answer is None:
        return 0
    question = answer.question
    return notify(
        _recipients(question, now=now, exclude=[answer.author_id]),
        Kind.QUESTION_ANSWERED,
        course=question.course_id,
        url=answer.get_absolute_url(),
        params=_params(question),
        dedupe_key=f"qa:answer:{answer.pk}",
        now=now,
    )


def answer_endorsed_notify(*, answer_id: int, now: datetime | None = None) -> int:
    """Followers, and the answer's author, hear that staff endorsed an
    answer (not the staff member who did). Nothing if it was withdrawn."""
    now = now or timezone.now()
    answer = (
        Answer.objects.select_related("question__course", "question__lecture")
        .filter(pk=answer_id, state=PostState.VISIBLE, endorsed_at__isnull=False)
        .first()
    )
    if answer is None:
        return 0
    question = answer.question
    return notify(
        _recipients(
            question,
            now=now,
            exclude=[answer.endorsed_by_id],
            extra=[answer.author_id],
        ),
        Kind.ANSWER_ENDORSED,
        course=question.course_id,
        url=answer.get_absolute_url(),
        params=_params(question),
        dedupe_key=f"qa:endorsed:{answer.pk}",
        now=now,
    )


def question_posted_notify(*, question_id: int, now: datetime | None = None) -> int:
    """Followers of the question's category hear of a new question, each as
    soon as they may see it: run again when the guard lifts, it tells only
    those not told before (the dedupe key)."""
    now = now or timezone.now()
    question = (
        Question.objects.select_related("course", "lecture")
        .filter(pk=question_id)
        .first()
    )
    if question is None:
        return 0
    return notify(
        _recipients(question, now=now, exclude=[question.author_id], questions=False),
        Kind.QUESTION_POSTED,
        course=question.course_id,
        url=question.get_absolute_url(),
        params=_params(question),
        dedupe_key=f"qa:question:{question.pk}",
        now=now,
    )


# How far back the sweep looks for posts whose task may have been lost: a
# task normally runs within seconds, so the last couple of minutes are left
# to it.
SWEEP_WINDOW = (timedelta(minutes=30), timedelta(minutes=2))


def posts_recently(now: datetime) -> dict[str, list[int]]:
    """Ids of the answers, endorsements and questions of the sweep's window
    (`SWEEP_WINDOW`), to tell their followers again if their task was lost."""
    oldest, newest = (now - SWEEP_WINDOW[0], now - SWEEP_WINDOW[1])
    visible = {"state": PostState.VISIBLE}
    answers = Answer.objects.filter(**visible)
    return {
        "answers": list(
            answers.filter(created_at__range=(oldest, newest)).values_list(
                "pk", flat=True
            )
        ),
        "endorsed": list(
            answers.filter(endorsed_at__range=(oldest, newest)).values_list(
                "pk", flat=True
            )
        ),
        "questions": list(
            Question.objects.filter(
                created_at__range=(oldest, newest), merged_into__isnull=True, **visible
            ).values_list("pk", flat=True)
        ),
    }


# How far back the beat looks for guards that lifted (it runs every few
# minutes; the dedupe key makes the overlap harmless).
UNGUARDED_LOOKBACK = timedelta(hours=6)


def questions_unguarded_recently(now: datetime) -> QuerySet:
    """Ids of guarded-topic questions whose guard lifted for everyone in the
    last `UNGUARDED_LOOKBACK` (the homework's answers revealed, the
    competition closed) and whose category someone follows."""
    from competitions.models import Competition
    from quizzes.homework.models import Homework

    since = now - UNGUARDED_LOOKBACK
    revealed_lately = Exists(
        Homework.objects.filter(
            lecture_id=OuterRef("lecture_id"), reveal_at__gt=since, reveal_at__lte=now
        )
    )
    closed_lately = Exists(
        Competition.objects.filter(
            course_id=OuterRef("course_id"), closes_at__gt=since, closes_at__lte=now
        )
    )
    followed = Exists(
        Follow.objects.filter(
            question__isnull=True,
            course_id=OuterRef("course_id"),
            topic=OuterRef("topic"),
        ).filter(Q(lecture_id=OuterRef("lecture_id")) | Q(lecture__isnull=True))
    )
    return (
        Question.objects.filter(
            topic__in=sorted(GUARDED_TOPICS),
            made_public_at__isnull=True,
            state=PostState.VISIBLE,
            merged_into__isnull=True,
        )
        .filter(
            (Q(topic=Topic.HOMEWORK) & revealed_lately)
            | (Q(topic=Topic.COMPETITION) & closed_lately)
        )
        .exclude(spoiler_guarded_q(now))
        .filter(followed)
        .values_list("pk", flat=True)
    )
