"""Every staff page, for every kind of visitor."""

import pytest

from courses.models import Enrollment

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    ("get", "/staff/llm/applications/"),
    ("get", "/staff/llm/applications/{enrollment}/"),
    ("post", "/staff/llm/applications/decide/"),
    ("post", "/staff/llm/applications/{enrollment}/reopen/"),
    ("get", "/staff/llm/announcements/"),
    ("post", "/staff/llm/announcements/"),
]
# who → expected status (302 to the login page for anonymous visitors)
VISITORS = {
    "anonymous": 302,
    "learner": 403,
    "other_staff": 403,
    "staff": "ok",
    "course_admin": "ok",
}


@pytest.mark.parametrize("who", VISITORS)
@pytest.mark.parametrize(("method", "path"), STAFF_PAGES)
def test_staff_pages_are_for_the_courses_staff_and_admins(
    client, request, applicant, method, path, who
):
    enrollment = Enrollment.objects.get(user=applicant)
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    url = path.format(enrollment=enrollment.pk)

    response = getattr(client, method)(url, {"decision": "waitlisted"})

    expected = VISITORS[who]
    if expected == 302:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif expected == "ok":
        assert response.status_code in {200, 302}
        if response.status_code == 302:
            assert not response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == expected
    if expected != "ok":
        assert Enrollment.objects.get(pk=enrollment.pk).status == "applied"


def test_a_superuser_is_an_admin_of_every_course(client, user_factory, course):
    client.force_login(user_factory(is_superuser=True, is_staff=True))

    assert client.get("/staff/llm/applications/").status_code == 200
