import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client, user_factory):
    user = user_factory(is_superuser=True, is_staff=True)
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    "url",
    [
        "/admin/courses/course/?q=llm&state__exact=running",
        "/admin/courses/lecture/?q=Lecture&published__exact=1",
        "/admin/courses/enrollment/?status__exact=applied",
        "/admin/courses/announcement/",
    ],
)
def test_the_admin_lists_filter_and_search(client, operator, course, applicant, url):
    assert client.get(url).status_code == 200


def test_the_course_admin_edits_questions_inline(client, operator, course):
    page = client.get(f"/admin/courses/course/{course.pk}/change/")

    assert page.status_code == 200
    assert "application_questions-TOTAL_FORMS" in page.text


def test_a_single_choice_question_needs_two_choices(course):
    from django.core.exceptions import ValidationError

    from courses.models import ApplicationQuestion

    question = ApplicationQuestion(
        course=course, kind="choice", text="Pick", choices="Only one"
    )
    with pytest.raises(ValidationError):
        question.full_clean()
