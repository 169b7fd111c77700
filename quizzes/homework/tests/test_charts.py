"""The results page's charts can be read: axes with round ticks and titles,
time on the x axis (a quiet hour shows as a gap), every bar's number on
hover, and the numbers in a table."""

import uuid
from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from courses.models import Enrollment
from lms.charts import hour_tick_step, hourly_bars, nice_ceiling
from quizzes.homework.models import Submission
from quizzes.homework.services import homework_grade_all, homework_submit
from quizzes.homework.tests.factories import answers_for, make_homework

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def test_the_y_axis_tops_at_a_round_number():
    assert [nice_ceiling(n) for n in (0, 1, 3, 7, 12, 126, 4000)] == [
        1, 1, 5, 10, 20, 200, 5000,
    ]  # fmt: skip


def test_an_hour_without_submissions_is_a_zero_bar_not_skipped():
    start = datetime(2026, 12, 1, 21)
    rows = [
        {"hour": start, "count": 3},
        {"hour": start + timedelta(hours=3), "count": 7},
    ]

    assert [row["count"] for row in hourly_bars(rows)] == [3, 0, 0, 7]
    assert hour_tick_step(4) == 1
    assert hour_tick_step(24 * 6) == 24


def test_the_results_charts_have_axes_titles_hover_numbers_and_a_table(
    client, staff, course, user_factory
):
    homework = make_homework(course.lectures.get(number=1))
    for correct in (5, 3, 3):
        user = user_factory()
        Enrollment.objects.create(user=user, course=course, status="approved")
        homework_submit(
            homework=homework,
            user=user,
            answers=answers_for(homework, correct=correct),
            token=uuid.uuid4(),
        )
    first = Submission.objects.order_by("pk").first()
    Submission.objects.filter(pk=first.pk).update(
        submitted_at=first.submitted_at - timedelta(hours=2)
    )
    homework_grade_all(homework_id=homework.pk)
    client.force_login(staff)

    page = client.get(reverse("homework_results", args=["llm", 1])).text

    over_time = page[
        page.index("Submissions over time") : page.index("Score distribution")
    ]
    assert ">Submissions</text>" in over_time  # the y axis title
    assert "Hour (Asia/Tokyo)" in over_time  # the x axis title
    assert over_time.count('class="bar"') == 3  # two hours with a quiet one between
    assert ": 2</title>" in over_time and ": 0</title>" in over_time
    assert "<table" in over_time
    distribution = page[page.index("Score distribution") : page.index("Item analysis")]
    assert "Score (correct answers)" in distribution
    assert ">Learners</text>" in distribution
    assert "<title>3: 2</title>" in distribution
    assert '<td>3</td><td class="num">2</td>' in distribution
