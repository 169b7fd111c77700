from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes.surveys.models import Survey, SurveyQuestion


@pytest.fixture
def survey(course) -> Survey:
    """This week's survey (lecture 2 of `course`): open, due in three days,
    20 to 100 characters, a required rating, a choice and a comment."""
    lecture = course.lectures.get(number=2)
    lecture.description = (
        "今週の講義ではトランスフォーマーの注意機構と位置埋め込みを扱いました。"
    )
    lecture.save()
    survey = Survey.objects.create(
        lecture=lecture,
        opens_at=timezone.now() - timedelta(days=1),
        due_at=timezone.now() + timedelta(days=3),
        summary_min_chars=20,
        summary_max_chars=100,
        published=True,
    )
    SurveyQuestion.objects.create(
        survey=survey, position=1, kind="rating", label="Understanding"
    )
    SurveyQuestion.objects.create(
        survey=survey,
        position=2,
        kind="choice",
        label="How did you watch?",
        choices=["Live", "Recording"],
        required=False,
    )
    SurveyQuestion.objects.create(
        survey=survey, position=3, kind="comment", label="Comments", required=False
    )
    return survey


@pytest.fixture
def questions(survey) -> dict[str, SurveyQuestion]:
    return {q.kind: q for q in survey.questions.all()}


@pytest.fixture
def survey_url(survey) -> str:
    return survey.get_absolute_url()
