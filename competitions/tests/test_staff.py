import csv
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from competitions import services
from competitions.models import Answer, Competition, Entry, StarterFile
from competitions.tests.conftest import csv_upload, make_competition, perfect_rows

pytestmark = pytest.mark.django_db


def test_an_admin_sets_up_a_competition_with_hidden_answers_in_the_admin(
    client, course, user_factory
):
    superuser = user_factory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    now = timezone.now()
    answers = "id,answer,split\nq1,Tokyo,public\nq2,Kyoto,private\n"

    response = client.post(
        reverse("admin:competitions_competition_add"),
        {
            "course": course.pk,
            "title": "QA",
            "description": "",
            "opens_at_0": now.strftime("%Y-%m-%d"),
            "opens_at_1": "00:00:00",
            "closes_at_0": "2099-01-01",
            "closes_at_1": "00:00:00",
            "submission_format": "csv",
            "id_column": "id",
            "prediction_column": "prediction",
            "metric": "exact_match",
            "normalize_nfkc": "on",
            "normalize_case": "on",
            "normalize_whitespace": "on",
            "daily_limit": 5,
            "max_final_selections": 2,
            "max_upload_mb": 20,
            "answers_file": SimpleUploadedFile("key.csv", answers.encode()),
            "starter_files-TOTAL_FORMS": 0,
            "starter_files-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    competition = Competition.objects.get(title="QA")
    assert sorted(
        Answer.objects.filter(competition=competition).values_list(
            "row_id", "is_private"
        )
    ) == [("q1", False), ("q2", True)]


def test_the_admin_change_page_works_with_private_starter_files(
    client, course, competition, user_factory
):
    starter = StarterFile(competition=competition, title="Data")
    starter.file.save("data.csv", ContentFile(b"x"), save=True)
    client.force_login(user_factory(is_staff=True, is_superuser=True))

    response = client.get(
        reverse("admin:competitions_competition_change", args=[competition.pk])
    )

    assert response.status_code == 200
    assert "data.csv" in response.content.decode()


def test_uploads_wait_until_the_hidden_answers_are_loaded(course, learner):
    competition = make_competition(course)

    with pytest.raises(services.Refused, match="not ready"):
        services.entry_submit(
            competition=competition, user=learner, upload=csv_upload(perfect_rows())
        )


def test_staff_export_scored_entries_and_download_their_files(
    client, course, competition, learner, staff
):
    entry = Entry(
        competition=competition,
        user=learner,
        original_name="mine.csv",
        status=Entry.Status.SCORED,
        public_score=0.5,
    )
    entry.file.save("x", ContentFile(b"id,prediction\n"), save=True)
    client.force_login(staff)

    export = client.get(reverse("staff_competition_entries_csv", args=[course.slug]))
    download = client.get(
        reverse("staff_competition_entry_file", args=[course.slug, entry.pk])
    )

    rows = list(
        csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")))
    )
    assert rows[0][:2] == ["entry", "user"]
    assert rows[1][:2] == [str(entry.pk), "learner@example.com"]
    assert b"".join(download.streaming_content) == b"id,prediction\n"


def test_learners_cannot_download_entry_files_or_reports(
    client, course, competition, learner
):
    entry = Entry(competition=competition, user=learner, original_name="mine.csv")
    entry.file.save("x", ContentFile(b"id,prediction\n"), save=True)
    client.force_login(learner)

    response = client.get(
        reverse("staff_competition_entry_file", args=[course.slug, entry.pk])
    )

    assert response.status_code == 403


def test_staff_pages_of_another_course_are_forbidden(
    client, course, competition, other_staff
):
    client.force_login(other_staff)

    assert (
        client.get(reverse("staff_competition", args=[course.slug])).status_code == 403
    )


def test_the_staff_competition_page_says_when_there_is_none(client, staff):
    client.force_login(staff)
    response = client.get("/staff/llm/competition/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "This course has no competition yet." in page
    assert 'class="staff-nav"' in page
