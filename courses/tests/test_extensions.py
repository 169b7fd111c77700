"""/staff/<slug>/extensions/: staff grant one learner or a CSV of learners
more time after a confirmation, revoke with a confirmation, and keep every
grant and revocation with its reason; learners never reach it."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from courses.models import Enrollment, Extension

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def url(course):
    return reverse("staff_extensions", args=[course.slug])


@pytest.fixture
def learners(user_factory, course):
    users = [user_factory(email=f"l{n}@example.com") for n in range(3)]
    Enrollment.objects.bulk_create(
        Enrollment(user=u, course=course, status=Enrollment.Status.APPROVED)
        for u in users
    )
    return users


def _grant_form(**extra):
    return {
        "scope": "all",
        "days": "3",
        "hours": "0",
        "reason": "Hospitalised",
        **extra,
    }


def test_granting_one_learner_asks_for_confirmation_first(
    client, staff, learner, course
):
    client.force_login(staff)
    form = _grant_form(email="LEARNER@example.com")
    review = client.post(url(course), form)
    assert review.status_code == 200
    assert "Give 1 learner more time for: Everything in the course" in review.text
    assert not Extension.objects.exists()
    done = client.post(url(course), {**form, "confirm": "1"}, follow=True)
    assert "1 learner was given more time." in done.text
    extension = Extension.objects.get()
    assert (extension.user, extension.extra_time) == (learner, timedelta(days=3))
    assert (extension.granted_by, extension.reason) == (staff, "Hospitalised")
    assert "Hospitalised" in done.text and "learner@example.com" in done.text


def test_a_csv_grants_each_learner_their_own_days(client, staff, learners, course):
    client.force_login(staff)
    csv = SimpleUploadedFile(
        "ext.csv", b"\xef\xbb\xbfemail,days\nl0@example.com,5\nl1@example.com,\n"
    )
    review = client.post(url(course), _grant_form(csv_file=csv))
    assert "Give 2 learners more time" in review.text
    csv_text = review.context["form"].cleaned_data["csv_text"]
    client.post(url(course), {**_grant_form(csv_text=csv_text), "confirm": "1"})
    granted = dict(Extension.objects.values_list("user__email", "extra_time"))
    assert granted == {
        "l0@example.com": timedelta(days=5),
        "l1@example.com": timedelta(days=3),
    }


def test_a_csv_with_bad_rows_grants_nobody_and_names_each_row(
    client, staff, learners, applicant, course
):
    client.force_login(staff)
    csv = SimpleUploadedFile(
        "ext.csv",
        b"email,days\nl0@example.com,2\nnobody@example.com,1\n"
        b"applicant@example.com,1\nl1@example.com,-4\nl0@example.com,1\n",
    )
    response = client.post(url(course), {**_grant_form(csv_file=csv), "confirm": "1"})
    assert response.status_code == 400
    page = response.text
    assert "Nothing was granted" in page
    assert "Line 3: nobody@example.com is not an approved learner" in page
    assert "Line 4: applicant@example.com is not an approved learner" in page
    assert "Line 5: &#x27;days&#x27; must be a whole number" in page
    assert "Line 6: l0@example.com is listed twice" in page
    assert not Extension.objects.exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"email": "learner@example.com", "scope": "homework"},  # no lecture
        {"email": "learner@example.com", "days": "0", "hours": "0"},
        {"email": "learner@example.com", "days": "99999"},
        {"email": "learner@example.com", "reason": "   "},
        {},  # nobody
        {"email": "learner@example.com", "csv_text": "email\nl0@example.com\n"},
        {"csv_text": "name\nx\n"},
        {"csv_text": "email\nl0@example.com\n" + "x" * 1024 * 1024},
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(
    client, staff, learner, course, bad
):
    client.force_login(staff)
    response = client.post(url(course), {**_grant_form(), **bad, "confirm": "1"})
    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert not Extension.objects.exists()


@pytest.mark.parametrize(
    "bad", [{"reason": "\x00"}, {"csv_text": "email\n\x00\n", "email": ""}]
)
def test_nul_bytes_are_refused_and_change_nothing(client, staff, learner, course, bad):
    client.force_login(staff)
    form = {**_grant_form(email=learner.email), **bad, "confirm": "1"}
    assert client.post(url(course), form).status_code == 400
    assert not Extension.objects.exists()


def test_another_courses_learner_cannot_be_given_time(
    client, staff, other_learner, course
):
    client.force_login(staff)
    form = _grant_form(email=other_learner.email, confirm="1")
    assert client.post(url(course), form).status_code == 400
    assert not Extension.objects.exists()


def test_a_new_grant_replaces_the_active_one_and_keeps_it_in_the_trail(
    client, staff, learner, course
):
    client.force_login(staff)
    for days in ("2", "4"):
        form = _grant_form(email=learner.email, days=days, confirm="1")
        client.post(url(course), form)
    rows = list(
        Extension.objects.order_by("pk").values_list("extra_time", "revoked_at")
    )
    assert rows[0][0] == timedelta(days=2) and rows[0][1] is not None
    assert rows[1] == (timedelta(days=4), None)
    everything = client.get(url(course), {"status": ""}).text
    assert everything.count("learner@example.com") == 2


def test_revoking_confirms_how_many_are_touched_then_keeps_the_row(
    client, staff, learner, course
):
    client.force_login(staff)
    client.post(url(course), _grant_form(email=learner.email, confirm="1"))
    extension = Extension.objects.get()
    revoke = reverse("staff_extension_revoke", args=[course.slug, extension.pk])
    assert "1 learner is touched" in client.get(revoke).text
    assert Extension.objects.active().exists()  # a GET changes nothing
    client.post(revoke)
    extension.refresh_from_db()
    assert extension.revoked_at is not None and extension.revoked_by == staff
    assert "learner@example.com" not in client.get(url(course)).text  # active only
    assert "learner@example.com" in client.get(url(course), {"status": "revoked"}).text


def test_the_list_is_paginated_and_filtered(client, staff, learners, course):
    Extension.objects.bulk_create(
        Extension(
            course=course, user=learners[n % 3], scope="all",
            extra_time=timedelta(days=1), reason=f"r{n}",
        )
        for n in range(60)
    )  # fmt: skip
    client.force_login(staff)
    assert "Page 1 of 2" in client.get(url(course)).text
    found = client.get(url(course), {"q": "l1@"}).text
    assert found.count("l1@example.com") == 20 and "l0@example.com" not in found


def test_learners_and_other_staff_never_reach_the_page(
    client, learner, other_staff, course
):
    for user in (learner, other_staff):
        client.force_login(user)
        assert client.get(url(course)).status_code in {403, 404}
        form = _grant_form(email=learner.email, confirm="1")
        assert client.post(url(course), form).status_code in {403, 404}
    assert not Extension.objects.exists()
