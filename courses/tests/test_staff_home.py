"""Staff find their own area: they land on it, the header links it, every
staff page carries the staff menu, and the course page shows them what
staff need instead of an apply button."""

import pytest
from django.urls import reverse

from courses.models import CourseRole
from quizzes.homework.tests.factories import make_homework


def test_staff_of_one_course_land_on_its_staff_overview(client, staff):
    client.force_login(staff)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/llm/"


def test_signing_in_takes_staff_to_their_course(client, staff):
    from conftest import PASSWORD

    response = client.post(
        reverse("account_login"),
        {"login": "staff@example.com", "password": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/staff/llm/"
    assert "Applications to review" in response.content.decode()


def test_staff_of_several_courses_see_them_listed_first(client, staff, other_course):
    CourseRole.objects.create(course=other_course, user=staff, role="staff")
    client.force_login(staff)
    page = client.get("/").content.decode()
    assert "Courses you run" in page
    assert "/staff/llm/" in page and "/staff/other/" in page
    assert "You have not applied to any course yet" not in page


def test_a_learner_sees_no_staff_area(client, learner):
    client.force_login(learner)
    page = client.get("/").content.decode()
    assert "Staff area" not in page


def test_the_header_links_the_staff_area_and_follows_role_changes(
    client, staff, other_course
):
    client.force_login(staff)
    page = client.get("/courses/llm/").content.decode()
    assert '<a href="/staff/llm/"><span class="label-long">Staff area</span>' in page
    CourseRole.objects.filter(user=staff).delete()
    page = client.get("/courses/llm/").content.decode()
    assert "Staff area" not in page


def test_the_course_page_shows_staff_no_apply_button_or_learner_deadlines(
    client, staff, course
):
    make_homework(course.lectures.get(number=2))
    client.force_login(staff)
    page = client.get("/courses/llm/").content.decode()
    assert "Apply to this course" not in page
    assert "Not started" not in page
    assert "You run this course" in page
    assert 'href="/staff/llm/lectures/"' in page


@pytest.mark.parametrize(
    "url",
    [
        "/staff/llm/",
        "/staff/llm/applications/",
        "/staff/llm/announcements/",
        "/staff/llm/surveys/",
        "/staff/llm/lectures/",
        "/staff/llm/homework/2/",
        "/staff/llm/homework/2/edit/",
        "/staff/llm/lectures/2/materials/",
        "/staff/llm/completion/",
        "/staff/llm/setup/",
    ],
)
def test_every_staff_page_has_the_staff_menu_and_breadcrumbs(
    client, course_admin, course, url
):
    make_homework(course.lectures.get(number=2))
    client.force_login(course_admin)
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    assert 'class="staff-nav"' in page
    assert '<a href="/staff/llm/">Staff area: Large Language Models</a>' in page
    assert 'href="/staff/llm/setup/"' in page  # admins see the set-up link


def test_staff_who_are_not_admins_get_no_setup_link(client, staff):
    client.force_login(staff)
    page = client.get("/staff/llm/").content.decode()
    assert 'href="/staff/llm/lectures/"' in page
    assert 'href="/staff/llm/setup/"' not in page
