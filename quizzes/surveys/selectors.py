"""Reads of the weekly survey: the learner's page, staff statistics, exports."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404

from accounts.models import User
from courses.models import Course, Enrollment
from lms.csv import csv_timestamp
from lms.search import contains
from quizzes.surveys.models import (
    CopyPair,
    Survey,
    SurveyCourseSettings,
    SurveyDraft,
    SurveyQuestion,
    SurveyResponse,
)


def get_survey_for_learner(course: Course, number: int, user) -> Survey:
    """The survey of a published lecture (staff also see unpublished ones)."""
    surveys = Survey.objects.select_related("lecture", "lecture__course").filter(
        lecture__course=course, lecture__number=number
    )
    if not course.is_staff(user):
        surveys = surveys.visible_to_learners()
    return get_object_or_404(surveys)


def get_survey_for_staff(course: Course, number: int) -> Survey:
    return get_object_or_404(
        Survey.objects.select_related("lecture", "lecture__course"),
        lecture__course=course,
        lecture__number=number,
    )


def own_response(survey: Survey, user) -> SurveyResponse | None:
    """Only ever the requesting user's own row: a learner's page never loads
    anyone else's summary."""
    return SurveyResponse.objects.filter(survey=survey, user=user).first()


def own_draft(survey: Survey, user) -> SurveyDraft | None:
    return SurveyDraft.objects.filter(survey=survey, user=user).first()


def learner_count(course: Course) -> int:
    return Enrollment.objects.filter(
        course=course, status=Enrollment.Status.APPROVED
    ).count()


@dataclass
class RatingBar:
    value: int
    count: int
    percent: int


@dataclass
class RatingStats:
    question: SurveyQuestion
    bars: list[RatingBar]
    answered: int
    mean: float | None


@dataclass
class ChoiceStats:
    question: SurveyQuestion
    bars: list[tuple[str, int, int]]
    answered: int


def _answer_counts(survey: Survey, question: SurveyQuestion) -> dict[str, int]:
    """{answer as text: responses} for one question, counted in the database."""
    rows = (
        SurveyResponse.objects.filter(survey=survey)
        .annotate(value=Cast(KeyTextTransform(question.key, "answers"), CharField()))
        .exclude(value__isnull=True)
        .values("value")
        .annotate(n=Count("id"))
    )
    return {str(row["value"]): row["n"] for row in rows}


def rating_distribution(survey: Survey, question: SurveyQuestion) -> RatingStats:
    counts = _answer_counts(survey, question)
    per_value = {v: counts.get(str(v), 0) for v in SurveyQuestion.RATING_VALUES}
    answered = sum(per_value.values())
    peak = max(per_value.values(), default=0) or 1
    bars = [
        RatingBar(value=v, count=n, percent=round(n * 100 / peak))
        for v, n in per_value.items()
    ]
    mean = (
        round(sum(v * n for v, n in per_value.items()) / answered, 2)
        if answered
        else None
    )
    return RatingStats(question=question, bars=bars, answered=answered, mean=mean)


def choice_distribution(survey: Survey, question: SurveyQuestion) -> ChoiceStats:
    counts = _answer_counts(survey, question)
    per_choice = [(c, counts.get(c, 0)) for c in question.choices]
    peak = max((n for _, n in per_choice), default=0) or 1
    return ChoiceStats(
        question=question,
        bars=[(c, n, round(n * 100 / peak)) for c, n in per_choice],
        answered=sum(n for _, n in per_choice),
    )


def survey_overview(survey: Survey) -> dict:
    questions = list(survey.questions.all())
    responses = SurveyResponse.objects.filter(survey=survey).count()
    learners = learner_count(survey.lecture.course)
    by_state = dict(
        SurveyResponse.objects.filter(survey=survey)
        .values_list("review_state")
        .annotate(n=Count("id"))
    )
    return {
        "questions": questions,
        "responses": responses,
        "learners": learners,
        "response_rate": round(responses * 100 / learners, 1) if learners else 0,
        "ratings": [
            rating_distribution(survey, q)
            for q in questions
            if q.kind == SurveyQuestion.Kind.RATING
        ],
        "choices": [
            choice_distribution(survey, q)
            for q in questions
            if q.kind == SurveyQuestion.Kind.CHOICE
        ],
        "comment_questions": [
            q for q in questions if q.kind == SurveyQuestion.Kind.COMMENT
        ],
        "review_counts": [
            (label, by_state.get(value, 0))
            for value, label in SurveyResponse.Review.choices
        ],
    }


def survey_comments(
    survey: Survey, *, question: SurveyQuestion | None, search: str = ""
) -> QuerySet:
    """Responses with a non-empty answer to the comment question(s), newest
    first, optionally containing `search`. Annotated with `comment`."""
    questions = (
        [question]
        if question is not None
        else list(survey.questions.filter(kind=SurveyQuestion.Kind.COMMENT))
    )
    if not questions:
        return SurveyResponse.objects.none()
    key = questions[0].key
    responses = (
        SurveyResponse.objects.filter(survey=survey)
        .filter(**{f"answers__{key}__isnull": False})
        .exclude(**{f"answers__{key}": ""})
        .annotate(comment=KeyTextTransform(key, "answers"))
    )
    if search:
        responses = responses.filter(**{f"answers__{key}__icontains": search})
    return responses.order_by("-updated_at")


# A summary is "short" below this multiple of the survey's minimum length:
# long enough to be accepted, short enough to deserve a reading first.
SHORT_FACTOR = 1.5

REVIEW_FLAGS = ("copies", "short", "flagged", "late")


def short_below(survey: Survey) -> int:
    return int(survey.summary_min_chars * SHORT_FACTOR)


def review_list(
    survey: Survey, *, search: str = "", state: str = "", flag: str = ""
) -> QuerySet:
    """The review queue, oldest first. `flag` narrows it to what needs a
    closer look: summaries in a copy pair, short ones, ones already sent back
    or rejected ("flagged"), or late ones."""
    responses = SurveyResponse.objects.filter(survey=survey).select_related("user")
    if flag == "copies":
        responses = responses.filter(
            Exists(CopyPair.objects.filter(response=OuterRef("pk")))
            | Exists(CopyPair.objects.filter(other=OuterRef("pk")))
        )
    elif flag == "short":
        responses = responses.filter(summary_chars__lt=short_below(survey))
    elif flag == "flagged":
        responses = responses.filter(
            review_state__in=[
                SurveyResponse.Review.NEEDS_REVISION,
                SurveyResponse.Review.REJECTED,
            ]
        )
    elif flag == "late":
        responses = responses.filter(late=True)
    if search:
        responses = responses.filter(_review_search(search))
    if state in SurveyResponse.Review.values:
        responses = responses.filter(review_state=state)
    return responses.order_by(
        *(f"-{name}" if desc else name for name, desc in REVIEW_KEYS)
    )


# The queue's order (oldest first) as keyset keys (lms.keyset).
REVIEW_KEYS = [("submitted_at", False), ("pk", False)]


# A search naming more learners than this looks them up in the same query.
SEARCH_LEARNERS_MAX = 1000


def _review_search(search: str) -> Q:
    """Summaries containing `search`, or written by a learner whose name or
    email contains it (any letter case).

    The summary through `lms.search`, whose `LIKE` PostgreSQL estimates from
    the column's statistics: a word in most summaries ("attention") is found
    by walking the queue's order and stopping after a page, and counted by
    estimate; a rare word is counted exactly. The learners are looked up
    first (their trigram indexes, accounts 0003) and named by id, which is
    estimated too; ORed through a join, the condition made PostgreSQL guess
    11 rows of 62,000, join every response to its learner and count them
    one by one, and as a subquery it guessed half the survey."""
    learners = User.objects.filter(
        Q(email__icontains=search) | Q(display_name__icontains=search)
    ).values_list("pk", flat=True)
    ids = list(learners[: SEARCH_LEARNERS_MAX + 1])
    if len(ids) > SEARCH_LEARNERS_MAX:
        return contains("summary", search) | Q(user__in=learners)
    return contains("summary", search) | Q(user_id__in=ids)


def copy_pairs(survey: Survey) -> QuerySet:
    return CopyPair.objects.filter(survey=survey).select_related(
        "response__user", "other__user"
    )


def only_accepted_count(course: Course) -> bool:
    return SurveyCourseSettings.objects.filter(
        course=course, only_accepted_summaries_count=True
    ).exists()


def counted_survey_responses(course: Course) -> QuerySet:
    """The responses that count toward completion (for the completion rules):
    every submitted one, or only accepted ones when the course says so."""
    responses = SurveyResponse.objects.filter(survey__lecture__course=course)
    if only_accepted_count(course):
        responses = responses.filter(review_state=SurveyResponse.Review.ACCEPTED)
    return responses


# CSV ---------------------------------------------------------------------


def responses_csv_rows(survey: Survey) -> Iterator[list]:
    """The header, then one row per response (streamed, 1,000 at a time)."""
    questions = list(survey.questions.all())
    tz = survey.lecture.course.tzinfo

    def rows():
        yield [
            "email",
            "name",
            "submitted_at",
            "updated_at",
            "late",
            "review",
            "review_comment",
            "characters",
            "summary",
            *[q.label for q in questions],
        ]
        responses = (
            SurveyResponse.objects.filter(survey=survey)
            .select_related("user")
            .order_by("pk")
        )
        for r in responses.iterator(chunk_size=1000):
            yield [
                r.user.email,
                r.user.display_name,
                csv_timestamp(r.submitted_at, tz),
                csv_timestamp(r.updated_at, tz),
                "yes" if r.late else "no",
                r.review_state,
                r.review_comment,
                r.summary_chars,
                r.summary,
                *[r.answers.get(q.key, "") for q in questions],
            ]

    return rows()


def aggregates_csv_rows(survey: Survey) -> Iterator[list]:
    def rows():
        yield ["question", "kind", "answer", "count", "mean"]
        for q in survey.questions.all():
            if q.kind == SurveyQuestion.Kind.RATING:
                stats = rating_distribution(survey, q)
                for bar in stats.bars:
                    yield [q.label, q.kind, bar.value, bar.count, stats.mean or ""]
            elif q.kind == SurveyQuestion.Kind.CHOICE:
                for choice, count, _ in choice_distribution(survey, q).bars:
                    yield [q.label, q.kind, choice, count, ""]
            else:
                count = survey_comments(survey, question=q).count()
                yield [q.label, q.kind, "", count, ""]

    return rows()
