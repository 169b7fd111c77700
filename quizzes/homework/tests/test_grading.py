import random
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from conftest import wait_for
from lms.jobs import jobs_resume_stale
from lms.models import Job
from quizzes.homework.models import Choice, Homework, Submission, SubmissionAnswer
from quizzes.homework.services import (
    homework_grade_all,
    homework_start_grading,
    homework_sync_key_version,
)
from quizzes.homework.tasks import homework_grade_due
from quizzes.homework.tests.factories import english, make_homework  # noqa: F401


def _random_submissions(homework, *, learners: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    users = User.objects.bulk_create(
        User(email=f"g{seed}-{i}@example.com", display_name=f"G {i}")
        for i in range(learners)
    )
    users = list(User.objects.filter(email__startswith=f"g{seed}-"))
    now = timezone.now()
    submissions = Submission.objects.bulk_create(
        Submission(
            homework=homework, user=user, submitted_at=now, is_late=rng.random() < 0.3
        )
        for user in users
    )
    questions = list(homework.questions.prefetch_related("choices"))
    SubmissionAnswer.objects.bulk_create(
        SubmissionAnswer(
            submission=submission,
            question=question,
            choice=rng.choice(list(question.choices.all())),
        )
        for submission in submissions
        for question in questions
        if rng.random() < 0.9  # some questions left unanswered
    )


def _expected_scores(homework) -> dict[int, int]:
    """The straightforward way: one submission at a time, in Python."""
    homework.refresh_from_db()
    correct = set(
        Choice.objects.filter(question__homework=homework, is_correct=True).values_list(
            "id", flat=True
        )
    )
    cap = homework.late_cap_points(homework.questions.count())
    expected = {}
    for submission in Submission.objects.filter(homework=homework):
        score = sum(1 for a in submission.answers.all() if a.choice_id in correct)
        expected[submission.pk] = min(score, cap) if submission.is_late else score
    return expected


def _scores(homework) -> dict[int, int]:
    return dict(Submission.objects.filter(homework=homework).values_list("id", "score"))


@pytest.fixture
def homework(course):
    return make_homework(course.lectures.get(number=1), late_days=2, late_cap="0.6")


@pytest.mark.django_db
def test_set_based_grading_equals_a_per_submission_computation_on_random_data(
    homework, settings
):
    settings.HOMEWORK_GRADE_CHUNK = 37  # several chunks
    _random_submissions(homework, learners=150)
    result = homework_grade_all(homework_id=homework.pk)
    assert _scores(homework) == _expected_scores(homework)
    assert result["graded"] == 150 and result["changed"] == 0
    assert set(_scores(homework).values()) - {None} <= set(range(6))
    homework.refresh_from_db()
    assert homework.is_graded


@pytest.mark.django_db
def test_grading_twice_changes_nothing(homework):
    _random_submissions(homework, learners=40)
    homework_grade_all(homework_id=homework.pk)
    fields = ["score", "graded_at", "graded_key_version"]
    first = list(Submission.objects.order_by("id").values_list(*fields))
    result = homework_grade_all(homework_id=homework.pk)
    assert result["graded"] == 0 and result["changed"] == 0
    assert first == list(Submission.objects.order_by("id").values_list(*fields))


@pytest.mark.django_db
def test_a_regrade_after_a_key_change_records_the_version_and_counts_changes(
    homework,
):
    _random_submissions(homework, learners=80)
    homework_grade_all(homework_id=homework.pk)
    before = _scores(homework)
    question = homework.questions.first()
    choices = list(question.choices.all())
    Choice.objects.filter(question=question).update(is_correct=False)
    Choice.objects.filter(pk=choices[2].pk).update(is_correct=True)
    assert homework_sync_key_version(homework=homework) is True
    homework.refresh_from_db()
    assert homework.key_version == 2 and not homework.is_graded
    result = homework_grade_all(homework_id=homework.pk)
    after = _scores(homework)
    assert after == _expected_scores(homework)
    assert result["changed"] == sum(1 for pk in before if before[pk] != after[pk]) > 0
    assert result["key_version"] == 2
    assert set(Submission.objects.values_list("graded_key_version", flat=True)) == {2}


@pytest.mark.django_db
def test_a_run_that_dies_halfway_leaves_the_homework_ungraded_and_a_rerun_finishes(
    homework, monkeypatch, settings
):
    settings.HOMEWORK_GRADE_CHUNK = 10
    _random_submissions(homework, learners=30)
    job = Job.objects.create(kind="homework_grade")
    calls = {"n": 0}
    original = Job.progress_to

    def dying_progress(self, done):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")
        original(self, done)

    monkeypatch.setattr(Job, "progress_to", dying_progress)
    with pytest.raises(SystemExit):
        homework_grade_all(homework_id=homework.pk, job=job)
    homework.refresh_from_db()
    assert not homework.is_graded
    assert Submission.objects.filter(score__isnull=True).exists()
    homework_grade_all(homework_id=homework.pk, job=job)
    homework.refresh_from_db()
    job.refresh_from_db()
    assert homework.is_graded and job.state == Job.State.DONE
    assert job.done == job.total == 30
    assert _scores(homework) == _expected_scores(homework)


@pytest.mark.django_db
def test_staff_grade_now_runs_a_job_with_progress(
    client, staff, homework, django_capture_on_commit_callbacks
):
    _random_submissions(homework, learners=12)
    client.force_login(staff)
    url = reverse("homework_grade_now", args=["llm", 1])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    job = Job.objects.get(kind="homework_grade")
    assert job.state == Job.State.DONE and job.done == 12
    page = client.get(reverse("homework_results", args=["llm", 1])).content.decode()
    assert "12 newly graded, 0 scores changed" in page


@pytest.mark.django_db
def test_learners_cannot_start_grading(client, learner, homework):
    client.force_login(learner)
    response = client.post(reverse("homework_grade_now", args=["llm", 1]))
    assert response.status_code == 403
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_the_sweep_grades_revealed_homework_with_ungraded_submissions_only(
    course, django_capture_on_commit_callbacks
):
    past = make_homework(
        course.lectures.get(number=1),
        opens_at=timezone.now() - timedelta(days=10),
        due_at=timezone.now() - timedelta(days=3),
    )
    current = make_homework(course.lectures.get(number=2))
    _random_submissions(past, learners=5, seed=1)
    _random_submissions(current, learners=5, seed=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert homework_grade_due() == 1
    assert not Submission.objects.filter(homework=past, score__isnull=True).exists()
    assert not Submission.objects.filter(homework=current, score__isnull=False).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert homework_grade_due() == 0  # nothing left: the sweep is quiet


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_grades_a_homework_and_reports_progress(course, celery_worker):
    homework = make_homework(course.lectures.get(number=1))
    _random_submissions(homework, learners=50)
    job = homework_start_grading(homework=Homework.objects.get(pk=homework.pk))
    wait_for(lambda: Job.objects.get(pk=job.pk).state == Job.State.DONE, timeout=60)
    assert _scores(homework) == _expected_scores(homework)
    assert Job.objects.get(pk=job.pk).result["graded"] == 50


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_grading_leaves_it_ungraded_and_the_sweep_finishes_it(
    course, celery_worker
):
    past = timezone.now() - timedelta(days=10)
    homework = make_homework(
        course.lectures.get(number=1), opens_at=past, due_at=past + timedelta(days=1)
    )
    _random_submissions(homework, learners=1500)
    celery_worker.stop_all()
    worker = celery_worker.start(extra_env={"HOMEWORK_GRADE_CHUNK": "3"})
    job = homework_start_grading(homework=Homework.objects.get(pk=homework.pk))
    wait_for(lambda: Job.objects.get(pk=job.pk).done > 0, timeout=60, interval=0.02)
    celery_worker.kill(worker)
    job.refresh_from_db()
    assert 0 < job.done < job.total, "the worker finished before it was killed"
    homework.refresh_from_db()
    assert not homework.is_graded  # half-graded is never presented as done
    # The dead worker's job stops beating; the job sweep (beat) resumes it,
    # and the due-homework sweep leaves it to that job.
    Job.objects.filter(pk=job.pk).update(heartbeat_at=past)
    celery_worker.start()
    assert homework_grade_due() == 0
    assert jobs_resume_stale()["resumed"] == 1
    wait_for(lambda: Homework.objects.get(pk=homework.pk).is_graded, timeout=90)
    assert _scores(homework) == _expected_scores(homework)
