"""A learner is told when their entry is scored or refused, and only they."""

import pytest
from django.core.files.base import ContentFile

from competitions import services
from competitions.models import Entry
from notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db


def _entry(competition, user, body: str) -> Entry:
    entry = Entry(competition=competition, user=user, original_name="p.csv")
    entry.file.save("p.csv", ContentFile(body.encode()), save=True)
    return entry


def test_scored_and_refused_entries_are_notified_to_their_owner_once(
    competition, learner, user_factory
):
    from competitions.tests.conftest import ANSWERS

    good = "id,prediction\n" + "".join(f"{r},{a}\n" for r, a, _p in ANSWERS)
    assert services.entry_score(entry_id=_entry(competition, learner, good).pk) == (
        Entry.Status.SCORED
    )
    refused = _entry(competition, learner, "nonsense\n")
    assert services.entry_score(entry_id=refused.pk) == Entry.Status.REJECTED
    services.entry_score(entry_id=refused.pk)  # a redelivery tells no one twice

    kinds = sorted(
        Notification.objects.filter(recipient=learner).values_list("kind", flat=True)
    )
    assert kinds == [Kind.ENTRY_REFUSED, Kind.ENTRY_SCORED]
    assert Notification.objects.count() == 2
