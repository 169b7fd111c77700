"""Course set-up in the app: the course's settings and application
questions, the defaults other apps own, and staff roles by email."""

import re

from django.core import mail

from courses.models import ApplicationQuestion, CourseInvitation, CourseRole, Enrollment


def _setup_data(**overrides) -> dict:
    data = {
        "title": "LLM 2027",
        "term": "2027 Spring",
        "state": "open",
        "description": "Learn **LLMs**.",
        "timezone": "Europe/Berlin",
        "capacity": "4000",
        "applications_open_at": "2026-01-01T00:00",
        "applications_close_at": "2036-01-01T00:00",
        "questions-TOTAL_FORMS": "1",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "30",
        "questions-0-position": "1",
        "questions-0-kind": "choice",
        "questions-0-text": "Do you have a GPU?",
        "questions-0-help_text": "",
        "questions-0-choices": "Yes\nNo",
        "questions-0-required": "on",
    }
    return data | overrides


def test_an_admin_sets_up_the_course_and_its_application_questions(
    client, course_admin, course
):
    client.force_login(course_admin)
    response = client.post("/staff/llm/setup/", _setup_data())
    assert response.status_code == 302
    course.refresh_from_db()
    assert (course.title, course.timezone, course.capacity) == (
        "LLM 2027",
        "Europe/Berlin",
        4000,
    )
    question = course.application_questions.get()
    assert question.choice_list == ["Yes", "No"]
    page = client.get("/courses/llm/apply/").content.decode()
    assert "Do you have a GPU?" in page


def test_bad_settings_say_why_and_change_nothing(client, course_admin, course):
    client.force_login(course_admin)
    response = client.post(
        "/staff/llm/setup/",
        _setup_data(
            timezone="Mars/Olympus",
            applications_close_at="2025-12-01T00:00",
            **{"questions-0-choices": "only one"},
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "Applications must close after they open." in page
    assert "A single-choice question needs at least two choices." in page
    course.refresh_from_db()
    assert course.title == "Large Language Models"
    assert not course.application_questions.exists()


def test_a_question_applicants_answered_cannot_be_removed(
    client, course_admin, course, applicant, questions
):
    Enrollment.objects.filter(user=applicant).update(
        answers={questions[0].answer_key: "Python"}
    )
    client.force_login(course_admin)
    data = _setup_data(
        **{
            "questions-TOTAL_FORMS": "1",
            "questions-INITIAL_FORMS": "1",
            "questions-0-id": str(questions[0].pk),
            "questions-0-kind": "short",
            "questions-0-text": questions[0].text,
            "questions-0-DELETE": "on",
        }
    )
    response = client.post("/staff/llm/setup/", data)
    assert response.status_code == 400
    assert "Applicants have answered" in response.content.decode()
    assert ApplicationQuestion.objects.filter(pk=questions[0].pk).exists()


def test_staff_who_are_not_admins_cannot_open_the_setup(client, staff):
    client.force_login(staff)
    assert client.get("/staff/llm/setup/").status_code == 403
    response = client.post(
        "/staff/llm/setup/roles/", {"email": "x@example.com", "role": "admin"}
    )
    assert response.status_code == 403
    assert not CourseRole.objects.filter(user__email="x@example.com").exists()
    assert not CourseInvitation.objects.exists()


def test_an_existing_account_gets_the_role_at_once(client, course_admin, user_factory):
    colleague = user_factory(email="ta@example.com")
    client.force_login(course_admin)
    response = client.post(
        "/staff/llm/setup/roles/",
        {"email": "TA@example.com", "role": "staff"},
        follow=True,
    )
    assert "TA@example.com is now Staff of this course." in response.content.decode()
    assert CourseRole.objects.get(user=colleague).role == "staff"


def test_an_unknown_email_gets_an_invitation_that_grants_the_role_once(
    client, course_admin, user_factory, django_capture_on_commit_callbacks
):
    client.force_login(course_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/staff/llm/setup/roles/", {"email": "new-ta@example.com", "role": "staff"}
        )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new-ta@example.com"]
    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[0].body).group(0)
    path = "/" + link.split("/", 3)[3]
    page = client.get("/staff/llm/setup/").content.decode()
    assert "new-ta@example.com" in page  # listed as invited

    client.logout()
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/signup/")

    newcomer = user_factory(email="new-ta@example.com")
    client.force_login(newcomer)
    assert "Join the staff" in client.get(path).content.decode()
    response = client.post(path)
    assert response["Location"] == "/staff/llm/"
    assert CourseRole.objects.get(user=newcomer).role == "staff"
    assert client.post(path).status_code == 410  # used


def test_the_last_admin_cannot_be_removed(client, course_admin, course):
    client.force_login(course_admin)
    role = CourseRole.objects.get(user=course_admin)
    response = client.post(
        "/staff/llm/setup/roles/", {"remove": str(role.pk)}, follow=True
    )
    assert "A course keeps at least one admin." in response.content.decode()
    assert CourseRole.objects.filter(pk=role.pk).exists()


def test_an_admin_cannot_remove_a_role_of_another_course(
    client, course_admin, other_staff
):
    client.force_login(course_admin)
    role = CourseRole.objects.get(user=other_staff)
    response = client.post("/staff/llm/setup/roles/", {"remove": str(role.pk)})
    assert response.status_code == 404
    assert CourseRole.objects.filter(pk=role.pk).exists()


def test_homework_and_survey_defaults_are_set_from_the_setup(
    client, course_admin, course
):
    from quizzes.homework.models import HomeworkDefaults
    from quizzes.surveys.models import SurveyCourseSettings

    client.force_login(course_admin)
    page = client.get("/staff/llm/setup/").content.decode()
    assert 'href="/staff/llm/setup/homework/"' in page
    assert 'href="/staff/llm/setup/surveys/"' in page
    response = client.post(
        "/staff/llm/setup/homework/",
        {
            "question_count": "5",
            "choice_count": "4",
            "pass_mark": "3",
            "due_days": "6",
            "due_time": "23:59",
            "late_days": "7",
            "late_cap": "0.667",
        },
    )
    assert response.status_code == 302
    assert HomeworkDefaults.objects.get(course=course).late_days == 7
    response = client.post(
        "/staff/llm/setup/surveys/",
        {
            "due_days": "5",
            "due_time": "",
            "summary_min_chars": "500",
            "summary_max_chars": "100",
        },
    )
    assert response.status_code == 400
    assert "The maximum must not be smaller than the minimum." in (
        response.content.decode()
    )
    assert not SurveyCourseSettings.objects.filter(course=course).exists()
