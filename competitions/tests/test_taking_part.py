from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from competitions.models import Entry, Participant
from competitions.tests.conftest import (
    csv_upload,
    half_public_rows,
    leaderboard_html,
    perfect_rows,
)

pytestmark = pytest.mark.django_db


def page(course):
    return reverse("competition", args=[course.slug])


def upload(client, course, file, capture):
    with capture(execute=True):
        return client.post(
            reverse("competition_upload", args=[course.slug]), {"file": file}
        )


def test_the_page_is_for_approved_learners_only(client, course, competition, applicant):
    client.force_login(applicant)

    response = client.get(page(course))

    assert response.status_code == 403


def test_a_learner_sees_the_description_and_an_upload_form(
    client, course, competition, learner
):
    client.force_login(learner)

    response = client.get(page(course))

    assert response.status_code == 200
    assert "<strong>label</strong>" in response.content.decode()
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_an_upload_is_scored_and_shows_its_public_score(
    client, course, competition, learner, django_capture_on_commit_callbacks
):
    client.force_login(learner)

    response = upload(
        client,
        course,
        csv_upload(half_public_rows()),
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 302
    entry = Entry.objects.get(user=learner)
    assert entry.status == Entry.Status.SCORED
    assert entry.public_score == pytest.approx(0.6)
    assert entry.private_score == pytest.approx(1.0)
    body = client.get(page(course)).content.decode()
    assert "0.60000" in body
    assert "1.00000" not in body


def test_a_rejected_file_shows_its_row_errors_and_does_not_use_a_daily_slot(
    client, course, competition, learner, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    bad = csv_upload([("a0", "pos"), ("a0", "neg")])

    upload(client, course, bad, django_capture_on_commit_callbacks)

    entry = Entry.objects.get(user=learner)
    assert entry.status == Entry.Status.REJECTED
    body = client.get(page(course)).content.decode()
    assert "Row 3: the id “a0” appears more than once (first on row 2)." in body
    assert "Submissions today: 0 of 3" in body


def test_the_daily_limit_counts_scored_files_and_refuses_the_next(
    client, course, competition, learner, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    for _ in range(3):
        upload(
            client,
            course,
            csv_upload(perfect_rows()),
            django_capture_on_commit_callbacks,
        )

    response = upload(
        client, course, csv_upload(perfect_rows()), django_capture_on_commit_callbacks
    )

    assert Entry.objects.filter(user=learner).count() == 3
    body = client.get(response.url).content.decode()
    assert "You have used all 3 submissions for today." in body


def test_the_daily_limit_follows_the_course_time_zone(
    client, course, competition, learner, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    yesterday = competition.day_start() - timedelta(minutes=1)
    for _ in range(3):
        upload(
            client,
            course,
            csv_upload(perfect_rows()),
            django_capture_on_commit_callbacks,
        )
    Entry.objects.update(submitted_at=yesterday)

    upload(
        client, course, csv_upload(perfect_rows()), django_capture_on_commit_callbacks
    )

    assert Entry.objects.filter(user=learner).count() == 4


def test_a_file_over_the_size_limit_is_refused_and_not_stored(
    client, course, competition, learner, django_capture_on_commit_callbacks
):
    competition.max_upload_mb = 1
    competition.save()
    client.force_login(learner)
    big = SimpleUploadedFile("big.csv", b"id,prediction\n" + b"x" * (1024 * 1024 + 10))

    response = upload(client, course, big, django_capture_on_commit_callbacks)

    assert not Entry.objects.exists()
    assert (
        "The file is larger than the limit of 1 MB."
        in client.get(response.url).content.decode()
    )


def test_uploads_are_refused_after_the_close(
    client, course, competition, learner, django_capture_on_commit_callbacks
):
    competition.closes_at = timezone.now() - timedelta(minutes=1)
    competition.save()
    client.force_login(learner)

    upload(
        client, course, csv_upload(perfect_rows()), django_capture_on_commit_callbacks
    )

    assert not Entry.objects.exists()


def test_the_entries_partial_polls_only_while_something_is_pending(
    client, course, competition, learner
):
    client.force_login(learner)
    Entry.objects.create(competition=competition, user=learner, original_name="p.csv")
    url = reverse("competition_entries", args=[course.slug])

    response = client.get(url, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert 'hx-trigger="every 2s"' in response.content.decode()
    assert "<html" not in response.content.decode()
    Entry.objects.update(status=Entry.Status.SCORED, public_score=0.5)
    assert (
        "hx-trigger"
        not in client.get(url, headers={"HX-Request": "true"}).content.decode()
    )


def test_a_learner_never_sees_another_learners_entries_or_errors(
    client,
    course,
    competition,
    learner,
    user_factory,
    django_capture_on_commit_callbacks,
):
    from courses.models import Enrollment

    rival = user_factory(display_name="Rival")
    Enrollment.objects.create(user=rival, course=course, status="approved")
    client.force_login(rival)
    upload(
        client,
        course,
        csv_upload([("zz-secret-id", "pos")], name="rival-secret.csv"),
        django_capture_on_commit_callbacks,
    )
    rival_entry = Entry.objects.get(user=rival)

    client.force_login(learner)
    body = client.get(page(course)).content.decode()
    select = client.post(
        reverse("competition_select", args=[course.slug, rival_entry.pk]),
        {"selected": "1"},
    )

    assert "rival-secret.csv" not in body
    assert "zz-secret-id" not in body
    assert select.status_code == 404


def test_a_nickname_replaces_the_display_name_on_the_leaderboard(
    client, course, competition, learner, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    upload(
        client, course, csv_upload(perfect_rows()), django_capture_on_commit_callbacks
    )

    client.post(
        reverse("competition_nickname", args=[course.slug]), {"nickname": "Kitsune"}
    )

    board = leaderboard_html(
        client.get(reverse("competition_leaderboard", args=[course.slug]))
    )
    assert "Kitsune" in board
    assert "Hanako Learner" not in board


def test_a_report_must_be_a_pdf(client, course, competition, learner):
    competition.report_required = True
    competition.save()
    client.force_login(learner)
    url = reverse("competition_report", args=[course.slug])

    client.post(url, {"file": SimpleUploadedFile("r.pdf", b"hello")})
    assert not Participant.objects.exclude(report="").exists()

    client.post(url, {"file": SimpleUploadedFile("r.pdf", b"%PDF-1.7\n...\n%%EOF\n")})
    participant = Participant.objects.get(user=learner)
    assert participant.report_uploaded_at is not None
    assert participant.report.read().startswith(b"%PDF")


def test_a_report_after_its_deadline_is_refused(client, course, competition, learner):
    competition.report_required = True
    competition.report_deadline = timezone.now() - timedelta(hours=1)
    competition.save()
    client.force_login(learner)

    response = client.post(
        reverse("competition_report", args=[course.slug]),
        {"file": SimpleUploadedFile("r.pdf", b"%PDF-1.7\n%%EOF\n")},
    )

    assert (
        "The report deadline has passed." in client.get(response.url).content.decode()
    )


def test_starter_files_download_for_learners_only(
    client, course, competition, learner, applicant
):
    from django.core.files.base import ContentFile

    from competitions.models import StarterFile

    starter = StarterFile(competition=competition, title="Sample submission")
    starter.file.save("sample.csv", ContentFile(b"id,prediction\n"), save=True)
    url = reverse("competition_starter_file", args=[course.slug, starter.pk])

    client.force_login(applicant)
    assert client.get(url).status_code == 403
    client.force_login(learner)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"id,prediction\n"


def test_an_upload_without_the_csrf_token_is_refused(course, competition, learner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)

    response = client.post(
        reverse("competition_upload", args=[course.slug]),
        {"file": csv_upload(perfect_rows())},
    )

    assert response.status_code == 403
    assert not Entry.objects.exists()
