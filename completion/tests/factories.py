"""Hand-made course work for completion tests (and bulk data for the query
count tests and the benchmark)."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from competitions.models import Competition, Entry, Participant
from courses.models import Enrollment, Lecture
from courses.services import ExtensionLearner, extension_grant
from quizzes.homework.models import Homework, Submission
from quizzes.surveys.models import Survey, SurveyResponse


def course_work(course, *, past_weeks: int | None = None) -> dict[int, Lecture]:
    """A published homework (pass mark 3) and survey on every lecture; the
    first `past_weeks` are already due (all of them by default)."""
    now = timezone.now()
    lectures = list(Lecture.objects.filter(course=course).order_by("number"))
    past_weeks = len(lectures) if past_weeks is None else past_weeks
    for index, lecture in enumerate(lectures):
        due = now - timedelta(days=1 + len(lectures) - index)
        if index >= past_weeks:
            due = now + timedelta(days=7 * (index - past_weeks + 1))
        Homework.objects.create(
            lecture=lecture,
            opens_at=due - timedelta(days=7),
            due_at=due,
            reveal_at=due,
            pass_mark=3,
            published=True,
        )
        Survey.objects.create(
            lecture=lecture,
            opens_at=due - timedelta(days=7),
            due_at=due,
            published=True,
        )
    return {lecture.number: lecture for lecture in lectures}


def homework_score(user, lecture, score: int) -> Submission:
    return Submission.objects.create(
        homework=lecture.homework,
        user=user,
        submitted_at=timezone.now(),
        score=score,
        graded_at=timezone.now(),
    )


def summary(user, lecture, state="pending", text="A summary") -> SurveyResponse:
    return SurveyResponse.objects.create(
        survey=lecture.survey,
        user=user,
        summary=text,
        summary_chars=len(text),
        review_state=state,
    )


def competition_with_ranking(course, users_by_rank: list) -> Competition:
    """A competition whose final ranking is `users_by_rank` (best first)."""
    now = timezone.now()
    competition = Competition.objects.create(
        course=course,
        title="Final",
        opens_at=now - timedelta(days=7),
        closes_at=now - timedelta(days=1),
    )
    Entry.objects.bulk_create(
        Entry(
            competition=competition,
            user=user,
            file="x.csv",
            original_name="x.csv",
            status=Entry.Status.SCORED,
            public_score=1.0 - rank / 1000,
            private_score=1.0 - rank / 1000,
        )
        for rank, user in enumerate(users_by_rank)
    )
    for user in users_by_rank:
        Participant.objects.create(competition=competition, user=user)
    return competition


def bulk_learners(course, count: int, *, prefix: str = "bulk") -> list[Enrollment]:
    """`count` approved learners with a homework score and a summary in every
    week, from a handful of bulk inserts."""
    users = User.objects.bulk_create(
        User(email=f"{prefix}{i}@example.com", display_name=f"{prefix} {i}")
        for i in range(count)
    )
    enrollments = Enrollment.objects.bulk_create(
        Enrollment(course=course, user=user, status=Enrollment.Status.APPROVED)
        for user in users
    )
    now = timezone.now()
    for lecture in Lecture.objects.filter(course=course, homework__isnull=False):
        Submission.objects.bulk_create(
            (
                Submission(
                    homework=lecture.homework,
                    user=user,
                    submitted_at=now,
                    score=i % 6,
                    graded_at=now,
                )
                for i, user in enumerate(users)
            ),
            batch_size=2000,
        )
        SurveyResponse.objects.bulk_create(
            (
                SurveyResponse(
                    survey=lecture.survey,
                    user=user,
                    summary="s",
                    summary_chars=1,
                    review_state="accepted" if i % 3 else "pending",
                )
                for i, user in enumerate(users)
            ),
            batch_size=2000,
        )
    return enrollments


def extension_for_everything(course, user, staff, *, days: int = 10) -> None:
    """`days` more for every item of the course, granted by `staff`."""
    extension_grant(
        course=course,
        learners=[ExtensionLearner(user.pk, user.email, timedelta(days=days))],
        scope="all",
        lecture=None,
        reason="Accommodation: extra time",
        by=staff,
    )
