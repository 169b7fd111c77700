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


def test_a_deadline_moved_later_rejudges_lateness_and_the_sweep_regrades(
    course, learner, user_factory, django_capture_on_commit_callbacks
):
    """Staff extend a deadline after grading: a submission made after the old
    due time but inside the new one is no longer late, and its score is no
    longer capped once the regrade sweep has run."""
    import uuid

    from quizzes.homework.services import homework_grade_all, homework_submit
    from quizzes.homework.tasks import homework_grade_due
    from quizzes.homework.tests.factories import answers_for

    now = timezone.now()
    due = now - timedelta(days=5)
    homework = make_homework(
        course.lectures.get(number=1),
        opens_at=now - timedelta(days=10),
        due_at=due,
        late_days=3,
        late_cap="0.6",
    )
    on_time = user_factory()
    course.enrollments.create(user=on_time, status="approved")
    for user, at in ((learner, due + timedelta(days=1)), (on_time, due)):
        homework_submit(
            homework=homework,
            user=user,
            answers=answers_for(homework, correct=5),
            token=uuid.uuid4(),
            now=at,
        )
    homework_grade_all(homework_id=homework.pk)
    assert Submission.objects.get(user=learner).score == 3  # late: capped

    homework.due_at = due + timedelta(days=2)  # what the admin form saves
    homework.save()

    late = Submission.objects.get(user=learner)
    assert not late.is_late
    assert not Submission.objects.get(user=on_time).is_late
    homework.refresh_from_db()
    assert not homework.is_graded
    with django_capture_on_commit_callbacks(execute=True):
        assert homework_grade_due() == 1
    assert Submission.objects.get(user=learner).score == 5
    homework.refresh_from_db()
    assert homework.is_graded

    homework.due_at = due  # moved back: late again, capped again
    homework.save()
    with django_capture_on_commit_callbacks(execute=True):
        homework_grade_due()
    late = Submission.objects.get(user=learner)
    assert (late.is_late, late.score) == (True, 3)
    assert Submission.objects.get(user=on_time).score == 5
