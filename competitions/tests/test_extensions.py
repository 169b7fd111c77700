"""A learner's competition extension: they upload, choose their final
entries and send their report after the close; nobody else does; the private
board waits until their time is up."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from competitions import services
from competitions.models import Entry
from competitions.tests.conftest import csv_upload, perfect_rows
from courses.models import Enrollment
from courses.services import ExtensionLearner, extension_grant

pytestmark = pytest.mark.django_db


def _upload(client, course, capture):
    with capture(execute=True):
        return client.post(
            reverse("competition_upload", args=[course.slug]),
            {"file": csv_upload(perfect_rows())},
        )


@pytest.fixture
def closed(competition):
    competition.closes_at = timezone.now() - timedelta(hours=1)
    competition.save()
    return competition


@pytest.fixture
def other_learner(user_factory, course):
    user = user_factory(email="other@example.com")
    Enrollment.objects.create(
        user=user, course=course, status=Enrollment.Status.APPROVED
    )
    return user


def _grant(course, user, staff, scope="competition", days=1):
    extension_grant(
        course=course,
        learners=[ExtensionLearner(user.pk, user.email, timedelta(days=days))],
        scope=scope,
        lecture=None,
        reason="Exam clash",
        by=staff,
    )


def test_an_extended_learner_uploads_after_the_close_and_others_cannot(
    client, course, closed, learner, other_learner, staff,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    _grant(course, learner, staff)
    client.force_login(other_learner)
    _upload(client, course, django_capture_on_commit_callbacks)
    assert not Entry.objects.filter(user=other_learner).exists()

    client.force_login(learner)
    page = client.get(reverse("competition", args=[course.slug])).content.decode()
    assert "Extended for you" in page
    extended = (closed.closes_at + timedelta(days=1)).astimezone(course.tzinfo)
    assert extended.strftime("%Y-%m-%d %H:%M") in page
    _upload(client, course, django_capture_on_commit_callbacks)
    entry = Entry.objects.get(user=learner)
    assert entry.status == Entry.Status.SCORED
    services.entry_select_final(entry=entry, selected=True)
    assert Entry.objects.get(pk=entry.pk).selected_for_final


def test_everything_extensions_cover_the_competition(
    client, course, closed, learner, staff, django_capture_on_commit_callbacks
):
    _grant(course, learner, staff, scope="all")
    client.force_login(learner)
    _upload(client, course, django_capture_on_commit_callbacks)
    assert Entry.objects.filter(user=learner).exists()


def test_the_private_board_waits_for_extended_learners(course, closed, learner, staff):
    _grant(course, learner, staff)
    with pytest.raises(services.Refused, match="1 learner with an extension"):
        services.competition_publish_private(competition=closed)
    closed.refresh_from_db()
    assert closed.private_published_at is None
