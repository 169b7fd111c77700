"""A task that runs over its soft time limit ends in a failed state that
staff can see, and is not retried in a loop. (A poison competition file that
crashes scoring is failed after COMPETITION_MAX_ATTEMPTS tries: see
competitions/tests/test_scoring.py.)"""

from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from lms.models import Job
from quizzes.homework import tasks as homework_tasks
from quizzes.homework.models import Submission
from quizzes.homework.tests.factories import make_homework


def test_grading_over_its_soft_time_limit_fails_visibly_and_is_not_retried(
    client, course, learner, staff, monkeypatch
):
    past = timezone.now() - timedelta(days=10)
    homework = make_homework(
        course.lectures.get(number=1), opens_at=past, due_at=past + timedelta(days=1)
    )
    Submission.objects.create(homework=homework, user=learner, submitted_at=past)
    job = Job.objects.create(kind="homework_grade", course=course, created_by=staff)
    runs = []

    def over_time(**kwargs):
        runs.append(kwargs)
        raise SoftTimeLimitExceeded("SoftTimeLimitExceeded()")

    # Stands in for a grading run that is still busy when the limit fires.
    monkeypatch.setattr(homework_tasks, "homework_grade_all", over_time)
    with pytest.raises(SoftTimeLimitExceeded):
        homework_tasks.homework_grade.apply(
            kwargs={"homework_id": homework.pk, "job_id": str(job.pk)}
        )

    assert len(runs) == 1  # no automatic retry
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "SoftTimeLimitExceeded" in job.error
    client.force_login(staff)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "SoftTimeLimitExceeded" in page
    assert "hx-trigger" not in page  # the progress bar stops polling
    assert Submission.objects.get(homework=homework).score is None
