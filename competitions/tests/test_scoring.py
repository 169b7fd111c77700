import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from competitions import services
from competitions.models import Entry
from competitions.tests.conftest import (
    ANSWERS,
    csv_upload,
    half_public_rows,
    load_answers,
    perfect_rows,
)
from lms.models import Job

pytestmark = pytest.mark.django_db


def queued_entry(competition, user, rows=None, **extra) -> Entry:
    entry = Entry(competition=competition, user=user, original_name="p.csv", **extra)
    body = "id,prediction\n" + "".join(f"{a},{b}\n" for a, b in rows or perfect_rows())
    entry.file.save("p.csv", ContentFile(body.encode()), save=True)
    return entry


def test_scoring_twice_scores_once(competition, learner):
    entry = queued_entry(competition, learner)

    assert services.entry_score(entry_id=entry.pk) == Entry.Status.SCORED
    assert services.entry_score(entry_id=entry.pk) == "skipped"

    entry.refresh_from_db()
    assert entry.attempts == 1
    assert entry.public_score == 1.0


def test_a_result_from_a_presumed_dead_worker_does_not_overwrite_a_later_one(
    competition, learner
):
    entry = queued_entry(competition, learner, status=Entry.Status.SCORING, attempts=1)
    stale = Entry.objects.get(pk=entry.pk)
    Entry.objects.filter(pk=entry.pk).update(
        status=Entry.Status.SCORED, attempts=2, public_score=0.25
    )

    assert services._entry_finish(stale, status=Entry.Status.FAILED) == "skipped"
    entry.refresh_from_db()
    assert (entry.status, entry.public_score) == (Entry.Status.SCORED, 0.25)


def test_the_sweep_requeues_entries_stuck_in_scoring_and_they_finish_once(
    competition, learner, settings, django_capture_on_commit_callbacks
):
    settings.COMPETITION_SCORING_TIMEOUT = 60
    entry = queued_entry(
        competition,
        learner,
        status=Entry.Status.SCORING,
        attempts=1,
        scoring_started_at=timezone.now() - timedelta(minutes=5),
    )

    with django_capture_on_commit_callbacks(execute=True):
        report = services.entries_sweep()

    entry.refresh_from_db()
    assert report["requeued"] == 1
    assert entry.status == Entry.Status.SCORED
    assert entry.attempts == 2


def test_the_sweep_resends_queued_entries_whose_task_was_lost(
    competition, learner, django_capture_on_commit_callbacks
):
    entry = queued_entry(
        competition, learner, enqueued_at=timezone.now() - timedelta(hours=1)
    )
    fresh = queued_entry(competition, learner)

    with django_capture_on_commit_callbacks(execute=True):
        services.entries_sweep()

    entry.refresh_from_db()
    fresh.refresh_from_db()
    assert entry.status == Entry.Status.SCORED
    assert fresh.status == Entry.Status.QUEUED  # its task may still be coming


def test_an_entry_that_keeps_killing_workers_is_marked_failed(
    competition, learner, settings
):
    settings.COMPETITION_SCORING_TIMEOUT = 60
    entry = queued_entry(
        competition,
        learner,
        status=Entry.Status.SCORING,
        attempts=settings.COMPETITION_MAX_ATTEMPTS,
        scoring_started_at=timezone.now() - timedelta(minutes=5),
    )

    services.entries_sweep()

    entry.refresh_from_db()
    assert entry.status == Entry.Status.FAILED
    assert "worker stopped" in entry.reason


def test_an_error_while_scoring_is_retried_then_fails_with_its_reason(
    competition, learner, settings, django_capture_on_commit_callbacks
):
    entry = queued_entry(competition, learner)
    entry.file.storage.delete(entry.file.name)  # the file vanished from disk

    with django_capture_on_commit_callbacks(execute=True):
        services.entry_score(entry_id=entry.pk)

    entry.refresh_from_db()
    assert entry.status == Entry.Status.FAILED
    assert entry.attempts == settings.COMPETITION_MAX_ATTEMPTS
    assert "FileNotFoundError" in entry.reason
    assert services.submissions_used_today(competition=competition, user=learner) == 0


def test_re_scoring_all_after_fixing_the_answers_updates_every_score(
    client, course, competition, learner, staff, django_capture_on_commit_callbacks
):
    first = queued_entry(competition, learner, rows=half_public_rows())
    second = queued_entry(competition, learner, rows=perfect_rows())
    services.entry_score(entry_id=first.pk)
    services.entry_score(entry_id=second.pk)
    # The admin fixes the key: a0 and a1 were swapped.
    fixed = [
        (row_id, {"a0": "pos", "a1": "neg"}.get(row_id, answer), private)
        for row_id, answer, private in ANSWERS
    ]
    load_answers(competition, fixed)
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("staff_competition_rescore", args=[course.slug]))

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.public_score, second.public_score) == (1.0, 0.6)
    job = Job.objects.get(kind="competition_rescore")
    assert (job.state, job.done, job.total) == (Job.State.DONE, 2, 2)
    assert f"job={job.pk}" in response.url
    assert client.get(response.url).status_code == 200


def test_staff_can_re_score_one_failed_entry(
    client, course, competition, learner, staff, django_capture_on_commit_callbacks
):
    entry = queued_entry(competition, learner, status=Entry.Status.FAILED, attempts=3)
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("staff_competition_rescore", args=[course.slug]),
            {"entry": entry.pk},
        )

    entry.refresh_from_db()
    assert (entry.status, entry.attempts) == (Entry.Status.SCORED, 1)


def test_the_staff_queue_shows_waiting_scoring_and_failed_with_reason(
    client, course, competition, learner, staff
):
    queued_entry(competition, learner)
    queued_entry(competition, learner, status=Entry.Status.FAILED, reason="boom-42")
    client.force_login(staff)

    body = client.get(reverse("staff_competition", args=[course.slug])).content.decode()

    assert "Waiting: 1" in body
    assert "Failed: 1" in body
    assert "boom-42" in body


def test_learners_cannot_open_the_staff_queue(client, course, competition, learner):
    client.force_login(learner)

    assert (
        client.get(reverse("staff_competition", args=[course.slug])).status_code == 403
    )


# --- Final selection ------------------------------------------------------------


def test_at_most_the_allowed_number_of_finals_can_be_selected(competition, learner):
    entries = [
        queued_entry(competition, learner, status=Entry.Status.SCORED) for _ in range(3)
    ]
    services.participant_for(competition=competition, user=learner)

    services.entry_select_final(entry=entries[0], selected=True)
    services.entry_select_final(entry=entries[1], selected=True)
    with pytest.raises(services.Refused, match="at most 2"):
        services.entry_select_final(entry=entries[2], selected=True)
    services.entry_select_final(entry=entries[0], selected=False)
    services.entry_select_final(entry=entries[2], selected=True)

    assert set(
        Entry.objects.filter(selected_for_final=True).values_list("pk", flat=True)
    ) == {entries[1].pk, entries[2].pk}


def test_rejected_entries_cannot_be_selected(competition, learner):
    entry = queued_entry(competition, learner, status=Entry.Status.REJECTED)

    with pytest.raises(services.Refused, match="Only scored"):
        services.entry_select_final(entry=entry, selected=True)


def test_finals_are_fixed_after_the_close(competition, learner):
    entry = queued_entry(competition, learner, status=Entry.Status.SCORED)
    competition.closes_at = timezone.now() - timedelta(seconds=1)
    competition.save()

    with pytest.raises(services.Refused, match="closed"):
        services.entry_select_final(entry=entry, selected=True)


# --- Imported scores --------------------------------------------------------------


def test_imported_scores_flow_into_the_leaderboards(
    client, course, competition, learner, staff
):
    from competitions import selectors

    competition.metric = "external"
    competition.save()
    entry = queued_entry(competition, learner)
    services.entry_score(entry_id=entry.pk)
    entry.refresh_from_db()
    assert (entry.status, entry.public_score) == (Entry.Status.SCORED, None)
    client.force_login(staff)
    csv_text = f"entry,public_score,private_score\n{entry.pk},0.812,0.799\n"

    client.post(
        reverse("staff_competition_import", args=[course.slug]),
        {"file": ContentFile(csv_text.encode(), name="judge.csv")},
    )

    entry.refresh_from_db()
    assert (entry.public_score, entry.private_score, entry.imported) == (
        0.812,
        0.799,
        True,
    )
    assert selectors.leaderboard(competition)[0]["score"] == 0.812


def test_an_import_with_a_bad_line_or_unknown_entry_changes_nothing(
    competition, learner
):
    entry = queued_entry(competition, learner, status=Entry.Status.SCORED)
    text = (
        "entry,public_score,private_score\n"
        f"{entry.pk},0.5,0.5\n999999,0.1,0.1\n{entry.pk},nan,1\n"
    )

    with pytest.raises(
        services.Refused, match=r"Bad lines: 4\. Unknown entries: 999999"
    ):
        services.scores_import(competition=competition, handle=io.StringIO(text))

    entry.refresh_from_db()
    assert entry.public_score is None


def test_re_scoring_keeps_imported_scores(competition, learner):
    entry = queued_entry(
        competition,
        learner,
        imported=True,
        public_score=0.33,
        private_score=0.44,
    )

    services.entry_score(entry_id=entry.pk)

    entry.refresh_from_db()
    assert (entry.status, entry.public_score) == (Entry.Status.SCORED, 0.33)


def test_an_upload_of_the_answer_key_with_a_bad_split_is_refused(competition):
    with pytest.raises(ValueError, match="Line 2"):
        services.answers_import(
            competition=competition,
            handle=io.StringIO("id,answer,split\nx,1,secret\n"),
        )
    assert competition.answers.count() == 10


def test_the_upload_path_counts_queued_files_against_the_limit(
    competition, learner, django_capture_on_commit_callbacks
):
    for _ in range(3):
        services.entry_submit(
            competition=competition, user=learner, upload=csv_upload(perfect_rows())
        )  # not run: the tasks wait for a commit that never comes here

    with pytest.raises(services.Refused, match="all 3 submissions"):
        services.entry_submit(
            competition=competition, user=learner, upload=csv_upload(perfect_rows())
        )


def test_a_re_score_whose_chunks_were_lost_is_resumed_and_counts_each_entry_once(
    competition, learner, staff, django_capture_on_commit_callbacks
):
    from lms.jobs import jobs_resume_stale

    entries = [queued_entry(competition, learner) for _ in range(3)]
    for entry in entries:
        services.entry_score(entry_id=entry.pk)
    job = services.competition_rescore_all(competition=competition, user=staff)
    # The chunk tasks were never run (worker died); one entry was scored by
    # its own task meanwhile, and a redelivered chunk scores it again.
    services.entry_score(entry_id=entries[0].pk)
    services.entry_score_chunk(
        job_id=str(job.pk), competition_id=competition.pk, entry_ids=[entries[0].pk]
    )
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == (Job.State.RUNNING, 1, 3)
    Job.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - timedelta(minutes=10)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_resume_stale()["resumed"] == 1

    job.refresh_from_db()
    assert (job.state, job.done, job.total) == (Job.State.DONE, 3, 3)
    assert set(Entry.objects.values_list("status", flat=True)) == {"scored"}
