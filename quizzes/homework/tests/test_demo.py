from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes.homework import demo as homework_demo
from quizzes.homework.models import Homework, Submission


@pytest.mark.django_db
def test_the_demo_has_an_open_homework_and_graded_past_ones_and_runs_once(
    course, course_admin, staff, learner
):
    course.lectures.filter(number=1).update(
        starts_at=timezone.now() - timedelta(weeks=3)
    )
    homework_demo.seed(course=course, admin=course_admin, staff=staff, learner=learner)
    now = timezone.now()
    states = {h.lecture.number: h.state_at(now) for h in Homework.objects.all()}
    assert Homework.State.OPEN in states.values()
    graded = [h for h in Homework.objects.all() if h.is_graded]
    assert graded and all(h.is_revealed(now) for h in graded)
    assert Submission.objects.filter(user=learner, score__isnull=False).exists()
    count = Submission.objects.count()
    homework_demo.seed(course=course, admin=course_admin, staff=staff, learner=learner)
    assert Submission.objects.count() == count
