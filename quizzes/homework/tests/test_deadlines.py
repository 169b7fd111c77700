from datetime import timedelta

from django.utils import timezone

from courses.selectors import deadlines_for
from quizzes.homework.models import Submission
from quizzes.homework.tests.factories import make_homework


def test_this_weeks_homework_shows_on_the_home_page_with_its_state(
    client, course, learner
):
    lecture = course.lectures.get(number=2)
    homework = make_homework(lecture, due_at=timezone.now() + timedelta(days=2))
    client.force_login(learner)

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert homework.get_absolute_url() in page
    assert "Not started" in page


def test_a_submitted_homework_says_submitted(course, learner):
    lecture = course.lectures.get(number=2)
    homework = make_homework(lecture, due_at=timezone.now() + timedelta(days=2))
    Submission.objects.create(
        homework=homework, user=learner, submitted_at=timezone.now()
    )

    (deadline,) = deadlines_for(course=course, user=learner)

    assert deadline["state"] == "submitted"
    assert deadline["uid"] == f"homework-{homework.pk}"


def test_an_unpublished_homework_is_not_a_deadline(course, learner):
    lecture = course.lectures.get(number=2)
    make_homework(lecture, due_at=timezone.now() + timedelta(days=2), publish=False)

    assert deadlines_for(course=course, user=learner) == []
