import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from courses.models import Course, CourseRole, Enrollment, Lecture


def test_seed_demo_builds_the_demo_course_and_accounts(db, settings, capsys):
    settings.DEBUG = True

    call_command("seed_demo")

    course = Course.objects.get(slug="llm-demo")
    assert Lecture.objects.filter(course=course).count() == 15
    assert course.is_admin(User.objects.get(email="admin@example.com"))
    assert User.objects.get(email="admin@example.com").is_superuser
    staff = User.objects.get(email="staff@example.com")
    assert CourseRole.objects.get(course=course, user=staff).role == "staff"
    learner = User.objects.get(email="learner@example.com")
    assert course.is_learner(learner)
    assert learner.check_password("koza-demo")
    out = capsys.readouterr().out
    assert "koza-demo" in out and "learner@example.com" in out


def test_seed_demo_dates_lectures_around_today(db, settings):
    from django.utils import timezone

    settings.DEBUG = True
    call_command("seed_demo")

    now = timezone.now()
    lectures = Lecture.objects.filter(course__slug="llm-demo")
    assert lectures.filter(starts_at__lt=now).exists()
    assert lectures.filter(starts_at__gt=now).exists()


def test_seed_demo_twice_changes_nothing(db, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (User.objects.count(), Enrollment.objects.count(), Lecture.objects.count())

    call_command("seed_demo")

    assert counts == (
        User.objects.count(),
        Enrollment.objects.count(),
        Lecture.objects.count(),
    )


def test_seed_demo_refuses_to_run_without_debug(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")

    assert not Course.objects.exists()


def test_demo_accounts_can_sign_in(client, db, settings):
    settings.DEBUG = True
    call_command("seed_demo")

    response = client.post(
        "/accounts/login/", {"login": "learner@example.com", "password": "koza-demo"}
    )

    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_generated_demo_learners_can_sign_in_too(client, db, settings):
    settings.DEBUG = True
    call_command("seed_demo")

    response = client.post(
        "/accounts/login/",
        {"login": "learner042@example.com", "password": "koza-demo"},
    )

    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_the_demo_staff_member_runs_an_empty_draft_course_to_set_up(
    client, db, settings
):
    settings.DEBUG = True
    call_command("seed_demo")
    staff = User.objects.get(email="staff@example.com")
    course = Course.objects.get(slug="llm-next")
    assert course.is_admin(staff) and not staff.is_superuser
    assert not course.lectures.exists()
    client.force_login(staff)
    assert client.get("/staff/llm-next/setup/").status_code == 200
    assert client.get("/staff/llm-demo/setup/").status_code == 403
