from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from quizzes.homework.models import Homework, HomeworkDefaults
from quizzes.homework.services import homework_publish, homework_shape_errors
from quizzes.homework.tests.factories import (
    english,  # noqa: F401 - fixture
    make_homework,
)

pytestmark = pytest.mark.django_db


def test_a_5_by_4_homework_with_one_correct_choice_each_publishes(course):
    homework = make_homework(course.lectures.get(number=1))
    assert homework.published


def test_publishing_with_two_correct_choices_is_refused_naming_the_question(course):
    homework = make_homework(course.lectures.get(number=1), publish=False)
    question = homework.questions.all()[2]
    question.choices.update(is_correct=True)
    with pytest.raises(ValidationError) as error:
        homework_publish(homework=homework)
    assert any("Question 3" in m and "4 correct" in m for m in error.value.messages)
    homework.refresh_from_db()
    assert not homework.published


def test_publishing_with_a_missing_choice_or_question_says_what_is_missing(course):
    homework = make_homework(course.lectures.get(number=1), publish=False)
    homework.questions.last().delete()
    homework.questions.first().choices.filter(is_correct=False).first().delete()
    messages = homework_shape_errors(homework=homework)
    assert any("4 questions; it needs 5" in m for m in messages)
    assert any("Question 1" in m and "3 choices; it needs 4" in m for m in messages)


def test_the_course_default_shape_applies_when_the_homework_leaves_it_blank(course):
    HomeworkDefaults.objects.create(course=course, question_count=3, choice_count=3)
    homework = make_homework(
        course.lectures.get(number=1), questions=3, choices=3, publish=False
    )
    assert homework_shape_errors(homework=homework) == []
    homework.question_count = 5
    assert homework_shape_errors(homework=homework) != []


def test_answers_are_revealed_after_the_late_window_by_default(course):
    homework = make_homework(course.lectures.get(number=1), late_days=3)
    assert homework.reveal_at == homework.due_at + timedelta(days=3)


def test_the_due_time_itself_is_on_time_and_a_microsecond_later_is_late(course):
    homework = make_homework(course.lectures.get(number=1), late_days=1)
    due = homework.due_at
    assert homework.state_at(due) == Homework.State.OPEN
    assert homework.state_at(due + timedelta(microseconds=1)) == Homework.State.LATE
    assert homework.state_at(due + timedelta(days=1)) == Homework.State.LATE
    assert homework.state_at(due + timedelta(days=1, microseconds=1)) == "closed"


def test_revealing_before_the_homework_closes_is_refused(course):
    homework = make_homework(course.lectures.get(number=1), late_days=2)
    homework.reveal_at = homework.due_at + timedelta(days=1)
    with pytest.raises(ValidationError):
        homework.full_clean()


def test_a_late_cap_of_two_thirds_gives_at_most_2_of_3_points(course):
    homework = make_homework(course.lectures.get(number=1), late_cap="0.667")
    assert homework.late_cap_points(3) == 2
    assert homework.late_cap_points(5) == 3
