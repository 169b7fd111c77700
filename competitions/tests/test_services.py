"""Against the real PostgreSQL, Redis and Celery worker processes."""

import threading

import pytest
from django.core.files.base import ContentFile
from django.db import connection

from competitions import services
from competitions.models import Entry
from competitions.tests.conftest import (
    csv_upload,
    load_answers,
    make_competition,
    perfect_rows,
)
from conftest import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_two_tabs_uploading_at_once_cannot_pass_the_daily_limit(course, learner):
    competition = make_competition(course, daily_limit=2)
    load_answers(competition)
    services.participant_for(competition=competition, user=learner)
    start = threading.Barrier(8)
    outcomes = []

    def submit():
        try:
            start.wait()
            services.entry_submit(
                competition=competition,
                user=learner,
                upload=csv_upload(perfect_rows()),
            )
            outcomes.append("accepted")
        except services.Refused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["accepted"] * 2 + ["refused"] * 6
    assert Entry.objects.filter(user=learner).count() == 2


def test_a_worker_killed_mid_scoring_leaves_the_entry_to_be_scored_exactly_once(
    celery_worker, course, learner, settings
):
    env = {"PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT)}
    celery_worker.kill(celery_worker.processes[0])
    slow = celery_worker.start(extra_env=env | {"COMPETITION_SCORING_DELAY": "60"})
    competition = make_competition(course)
    load_answers(competition)

    entry = services.entry_submit(
        competition=competition, user=learner, upload=csv_upload(perfect_rows())
    )
    wait_for(lambda: Entry.objects.filter(pk=entry.pk, status="scoring").exists())
    celery_worker.kill(slow)

    celery_worker.start(extra_env=env)
    settings.COMPETITION_SCORING_TIMEOUT = 0
    assert services.entries_sweep()["requeued"] == 1

    scored = wait_for(
        lambda: Entry.objects.filter(pk=entry.pk, status="scored").first()
    )
    assert scored.attempts == 2
    assert scored.public_score == 1.0
    # The killed worker's message comes back one day; it changes nothing.
    assert services.entry_score(entry_id=entry.pk) == "skipped"
    assert Entry.objects.filter(user=learner).count() == 1
    assert services.submissions_used_today(competition=competition, user=learner) == 1


def test_a_100000_row_entry_is_scored_end_to_end(course, learner):

    from competitions.models import Answer

    competition = make_competition(course, metric="rmse")
    Answer.objects.bulk_create(
        [
            Answer(
                competition=competition,
                row_id=f"r{i}",
                answer=str(i % 10),
                is_private=i % 3 == 0,
            )
            for i in range(100_000)
        ],
        batch_size=10_000,
    )
    body = "id,prediction\n" + "".join(f"r{i},{i % 10}\n" for i in range(100_000))
    entry = Entry(competition=competition, user=learner, original_name="big.csv")
    entry.file.save("big.csv", ContentFile(body.encode()), save=True)

    status = services.entry_score(entry_id=entry.pk)

    # How fast is measured in bench/ (about 0.7 s here), not asserted in a test.
    entry.refresh_from_db()
    assert status == Entry.Status.SCORED
    assert entry.public_score == 0.0
