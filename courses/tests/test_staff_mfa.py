"""Staff and admins must use TOTP before they see anyone's data (issue 16,
item 9): a password alone no longer opens a staff page or the admin."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

pytestmark = pytest.mark.django_db

ACTIVATE = "/accounts/2fa/totp/activate/"


@pytest.fixture(autouse=True)
def required(settings):
    settings.MFA_REQUIRED_FOR_STAFF = True


def test_production_requires_it_by_default_and_the_demo_does_not():
    import subprocess
    import sys

    def value(debug: str) -> str:
        code = (
            "from django.conf import settings; print(settings.MFA_REQUIRED_FOR_STAFF)"
        )
        return subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            env={
                "DJANGO_SETTINGS_MODULE": "lms.settings",
                "DEBUG": debug,
                "SECRET_KEY": "x" * 50,
                "PATH": "/usr/bin:/bin",
            },
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    assert value("0") == "True"
    assert value("1") == "False"


def test_staff_without_totp_are_sent_to_enrol_and_back_afterwards(
    client, course, staff
):
    client.force_login(staff)
    staff_page = reverse("staff_course", args=[course.slug])

    response = client.get(staff_page, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302
    assert response["Location"] == ACTIVATE
    page = client.get(ACTIVATE, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "Staff must use two-factor authentication" in page.text

    TOTP.activate(staff, generate_totp_secret())  # the staff member enrols
    back = client.get(reverse("mfa_index"))
    assert back.status_code == 302
    assert back["Location"] == staff_page
    assert client.get(staff_page).status_code == 200


def test_a_superuser_needs_totp_for_the_admin(client, user_factory):
    root = user_factory(is_superuser=True, is_staff=True)
    client.force_login(root)

    assert client.get("/admin/")["Location"] == ACTIVATE
    TOTP.activate(root, generate_totp_secret())
    assert client.get("/admin/").status_code == 200


def test_course_admins_are_staff_too(client, course, course_admin):
    client.force_login(course_admin)

    response = client.get(reverse("staff_course", args=[course.slug]))

    assert response["Location"] == ACTIVATE


def test_learners_pages_ask_nothing_of_learners_or_staff(
    client, course, learner, staff
):
    for user in (learner, staff):
        client.force_login(user)
        assert (
            client.get(reverse("course_detail", args=[course.slug])).status_code == 200
        )


def test_the_demo_setting_off_lets_staff_in_with_a_password(
    client, course, staff, settings
):
    settings.MFA_REQUIRED_FOR_STAFF = False
    client.force_login(staff)

    assert client.get(reverse("staff_course", args=[course.slug])).status_code == 200
