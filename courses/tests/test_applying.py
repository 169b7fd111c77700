from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import Enrollment

pytestmark = pytest.mark.django_db

ANSWERS = {"category": "working", "affiliation": "ACME"}


def _answers(questions) -> dict:
    short, long, choice = questions
    return ANSWERS | {
        f"question_{short.pk}": "Python",
        f"question_{long.pk}": "To learn.",
        f"question_{choice.pk}": "No",
    }


def test_the_form_is_prefilled_from_the_profile(client, user_factory, course):
    user = user_factory(affiliation="Tokyo Univ.", category="student")
    client.force_login(user)

    page = client.get("/courses/llm/apply/")

    assert page.status_code == 200
    assert 'value="Tokyo Univ."' in page.text
    assert 'value="student" selected' in page.text


def test_an_applicant_answers_the_questions_and_is_told_it_was_received(
    client, user_factory, course, questions
):
    user = user_factory()
    client.force_login(user)

    response = client.post("/courses/llm/apply/", _answers(questions), follow=True)

    enrollment = Enrollment.objects.get(course=course, user=user)
    assert enrollment.status == Enrollment.Status.APPLIED
    assert enrollment.category == "working"
    assert enrollment.affiliation == "ACME"
    assert enrollment.answers[str(questions[2].pk)] == "No"
    assert "application was received" in response.text
    assert "Applied" in response.text


def test_a_missing_answer_is_shown_next_to_its_field_and_nothing_is_saved(
    client, user_factory, course, questions
):
    client.force_login(user_factory())
    data = _answers(questions) | {f"question_{questions[2].pk}": "Maybe"}

    response = client.post("/courses/llm/apply/", data)

    assert response.status_code == 200
    assert f'id="id_question_{questions[2].pk}_error"' in response.text
    assert not Enrollment.objects.filter(course=course).exists()


def test_working_adults_must_name_their_organisation(client, user_factory, course):
    client.force_login(user_factory())

    response = client.post(
        "/courses/llm/apply/", {"category": "working", "affiliation": " "}
    )

    assert 'id="id_affiliation_error"' in response.text
    assert not Enrollment.objects.filter(course=course).exists()


def test_errors_are_in_the_users_language(client, user_factory, course, questions):
    client.force_login(user_factory())
    client.cookies["django_language"] = "ja"

    response = client.post("/courses/llm/apply/", {"category": "student"})

    assert "このフィールドは必須です。" in response.text


def test_an_invalid_htmx_post_re_renders_only_the_form(
    client, user_factory, course, questions
):
    client.force_login(user_factory())

    response = client.post(
        "/courses/llm/apply/", {"category": "student"}, headers={"HX-Request": "true"}
    )

    assert response.text.lstrip().startswith("<form")
    assert "<html" not in response.text


def test_applying_twice_is_refused_and_the_first_application_is_kept(
    client, applicant, course
):
    client.force_login(applicant)

    response = client.post("/courses/llm/apply/", ANSWERS)

    assert response.status_code == 409
    assert "already applied" in response.text
    assert Enrollment.objects.filter(user=applicant).count() == 1
    assert Enrollment.objects.get(user=applicant).affiliation == ""


def test_applying_outside_the_window_is_refused_and_nothing_is_saved(
    client, user_factory, course
):
    course.applications_close_at = timezone.now() - timedelta(minutes=1)
    course.save()
    user = user_factory()
    client.force_login(user)

    page = client.get("/courses/llm/apply/")
    response = client.post("/courses/llm/apply/", ANSWERS)

    assert "not open" in page.text
    assert response.status_code == 409
    assert not Enrollment.objects.filter(user=user).exists()


def test_applying_before_the_window_opens_is_refused(client, user_factory, course):
    course.applications_open_at = timezone.now() + timedelta(days=1)
    course.save()
    user = user_factory()
    client.force_login(user)

    response = client.post("/courses/llm/apply/", ANSWERS)

    assert response.status_code == 409
    assert not Enrollment.objects.filter(user=user).exists()


def test_applying_to_a_full_course_is_refused(client, user_factory, course, learner):
    course.capacity = 1
    course.save()
    user = user_factory()
    client.force_login(user)

    response = client.post("/courses/llm/apply/", ANSWERS)

    assert "full" in response.text
    assert not Enrollment.objects.filter(user=user).exists()


def test_applying_needs_an_account(client, course):
    response = client.get("/courses/llm/apply/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_visitor_sees_how_to_apply_on_the_course_page(client, course):
    page = client.get("/courses/llm/")

    assert "Apply to this course" in page.text
    assert "You need an account to apply." in page.text


def test_an_applicant_sees_their_status_and_can_withdraw(client, applicant, course):
    client.force_login(applicant)
    assert "Withdraw from this course" in client.get("/courses/llm/").text

    response = client.post("/courses/llm/withdraw/", follow=True)

    assert Enrollment.objects.get(user=applicant).status == "withdrawn"
    assert "You have withdrawn" in response.text


def test_withdrawing_without_an_application_is_not_found(client, user_factory, course):
    client.force_login(user_factory())

    assert client.post("/courses/llm/withdraw/").status_code == 404


def test_a_refused_htmx_application_reloads_the_page_that_explains_it(
    client, applicant, course
):
    client.force_login(applicant)

    response = client.post(
        "/courses/llm/apply/", ANSWERS, headers={"HX-Request": "true"}
    )

    assert response["HX-Refresh"] == "true"
    assert Enrollment.objects.filter(user=applicant).count() == 1
