"""The home page lists each course once: under "My courses" when the user
has applied, otherwise in the catalog."""

from courses.models import Enrollment


def test_an_enrolled_learner_sees_their_course_once(
    client, course, other_course, learner
):
    client.force_login(learner)

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    mine, catalog = page.split("Course catalog")
    assert course.title in mine and "Approved" in mine
    assert course.title not in catalog
    assert f'href="{course.get_absolute_url()}"' not in catalog
    assert other_course.title in catalog


def test_a_withdrawn_learner_finds_the_course_under_my_courses(client, course, learner):
    Enrollment.objects.filter(user=learner).update(status=Enrollment.Status.WITHDRAWN)
    client.force_login(learner)

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    mine, catalog = page.split("Course catalog")
    assert course.title in mine and "Withdrawn" in mine
    assert course.title not in catalog
    assert "No other courses are open right now." in catalog


def test_a_visitor_sees_every_open_course_in_the_catalog(client, course, other_course):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert course.title in page and other_course.title in page
