"""A course's pages show its times in the course's time zone, and say which."""

from datetime import UTC, datetime

import pytest

from competitions.models import Competition
from competitions.tests.conftest import make_competition
from quizzes.homework.models import Homework
from quizzes.homework.tests.factories import make_homework
from quizzes.surveys.models import Survey

pytestmark = pytest.mark.django_db

DUE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 in Berlin, 18:00 in Tokyo


@pytest.fixture
def berlin_course(course, survey):
    course.timezone = "Europe/Berlin"
    course.save()
    lecture = course.lectures.get(number=2)
    lecture.starts_at = DUE
    lecture.save()
    Survey.objects.filter(pk=survey.pk).update(due_at=DUE)
    homework = make_homework(lecture)
    Homework.objects.filter(pk=homework.pk).update(due_at=DUE)
    competition = make_competition(course)
    Competition.objects.filter(pk=competition.pk).update(closes_at=DUE)
    return course


@pytest.mark.parametrize(
    "path",
    [
        "/courses/llm/lectures/2/",
        "/courses/llm/lectures/2/survey/",
        "/courses/llm/lectures/2/homework/",
        "/courses/llm/competition/",
    ],
)
def test_a_learner_sees_times_in_the_course_time_zone_with_its_name(
    client, berlin_course, learner, path
):
    client.force_login(learner)

    page = client.get(path).content.decode()

    assert "2026-12-01" in page and "10:00" in page, path
    assert "18:00" not in page, path
    assert "Europe/Berlin" in page, path


def test_the_staff_overview_names_the_course_time_zone(client, berlin_course, staff):
    client.force_login(staff)

    page = client.get("/staff/llm/").content.decode()

    assert "Europe/Berlin" in page
