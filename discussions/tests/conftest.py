from datetime import timedelta

import pytest
from django.utils import timezone, translation

from conftest import _enroll
from discussions.models import Answer, Question, Topic


@pytest.fixture(autouse=True)
def _english_and_private_files(settings, tmp_path):
    """Pages asserted in English; attachments under a temporary root."""
    settings.LANGUAGE_CODE = "en"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    with translation.override("en"):
        yield


@pytest.fixture
def classmate(user_factory, course):
    """Another approved learner of `course`."""
    user = user_factory(email="classmate@example.com", display_name="Jiro Classmate")
    _enroll(user, course)
    return user


def make_question(course, author, **fields) -> Question:
    fields.setdefault("title", "What does the attention mask do?")
    fields.setdefault("body", "I do not understand the **mask**.")
    fields.setdefault("topic", Topic.GENERAL)
    return Question.objects.create(course=course, author=author, **fields)


def make_answer(question, author, **fields) -> Answer:
    fields.setdefault("body", "It hides the future tokens.")
    answer = Answer.objects.create(question=question, author=author, **fields)
    Question.objects.filter(pk=question.pk).update(
        answers_count=question.answers.filter(state="visible").count()
    )
    return answer


def open_homework(lecture, **fields):
    from quizzes.homework.tests.factories import make_homework

    now = timezone.now()
    fields.setdefault("opens_at", now - timedelta(days=1))
    fields.setdefault("due_at", now + timedelta(days=6))
    return make_homework(lecture, **fields)
