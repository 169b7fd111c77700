"""Helpers for the homework tests (plain functions: the survey tests share
this package's conftest, so ours stay here)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes.homework.models import Choice, Homework, Question
from quizzes.homework.services import homework_publish

CORRECT_INDEX = [0, 1, 2, 3, 0]  # the correct choice of each question


def make_homework(lecture, *, questions=5, choices=4, publish=True, **fields):
    now = timezone.now()
    fields.setdefault("opens_at", now - timedelta(days=1))
    fields.setdefault("due_at", now + timedelta(days=6))
    homework = Homework.objects.create(lecture=lecture, **fields)
    for q in range(questions):
        question = Question.objects.create(
            homework=homework,
            position=q + 1,
            title=f"Q{q + 1}",
            text=f"Question text {q + 1}",
            explanation=f"Because of reason {q + 1}",
        )
        Choice.objects.bulk_create(
            Choice(
                question=question,
                position=c + 1,
                text=f"Choice {q + 1}.{c + 1}",
                is_correct=c == CORRECT_INDEX[q % len(CORRECT_INDEX)],
                feedback=f"Feedback {q + 1}.{c + 1}",
            )
            for c in range(choices)
        )
    if publish:
        homework_publish(homework=homework)
    homework.refresh_from_db()
    return homework


def answers_for(homework, *, correct: int) -> dict[int, int]:
    """{question_id: choice_id} with the first `correct` questions right."""
    answers = {}
    for index, question in enumerate(homework.questions.all()):
        choices = list(question.choices.all())
        right = next(c for c in choices if c.is_correct)
        wrong = next(c for c in choices if not c.is_correct)
        answers[question.id] = (right if index < correct else wrong).id
    return answers


TOKEN = "11111111-1111-1111-1111-111111111111"


def post_data(answers: dict[int, int], token: str = TOKEN):
    data = {f"q-{q}": str(c) for q, c in answers.items()}
    data["token"] = token
    return data


@pytest.fixture
def homework(course):
    return make_homework(course.lectures.get(number=1))


@pytest.fixture(autouse=True)
def english(settings):
    """The tests read English text (the Japanese catalog is complete)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
