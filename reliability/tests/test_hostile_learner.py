"""The hostile learner: what one curious or malicious account tried against
Koza (issue 16), replayed. Each attack is refused or costs only its sender,
and nothing it sent is stored.

The NUL-byte attacks raised server errors on PostgreSQL only (SQLite stores
NUL); run with DATABASE_URL to replay them where they hurt. The generic walk
at the end sends NUL bytes and aliased field names to every page of the URL
list, as a learner and as staff.
"""

import time
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver, reverse
from django.utils import timezone

from competitions.models import Entry
from competitions.tests.conftest import csv_upload, perfect_rows
from quizzes.homework.models import Submission
from quizzes.homework.tests.factories import answers_for, post_data
from quizzes.surveys import views as survey_views
from quizzes.surveys.models import SurveyDraft, SurveyResponse
from reliability.tests.test_access_matrix import (
    fill,
    headers_for,
    project_patterns,
)

HTMX = {"HX-Request": "true"}


def _draft_url(world) -> str:
    return reverse("survey_draft", args=[world.course.slug, 1])


def _survey_url(world) -> str:
    return reverse("survey", args=[world.course.slug, 1])


# 1. The summary preview -----------------------------------------------------


@pytest.mark.timing
def test_two_previews_of_eight_thousand_brackets_cost_milliseconds(client, world):
    """Two parallel POSTs of 8,000 `[` took 30 s each and killed both
    gunicorn workers. The text is kept as a draft; the preview renders at
    most its limit, linearly."""
    client.force_login(world.users["learner"])
    for text in ("[" * 8000, "![" * 4000):
        start = time.perf_counter()
        response = client.post(_draft_url(world), {"summary": text}, headers=HTMX)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200
        assert elapsed < 2, f"a hostile preview took {elapsed:.1f} s"
        body = response.content.decode()
        assert body.count("[") <= survey_views.PREVIEW_MAX_CHARS + 10
        assert "The preview shows the first" in body
        assert SurveyDraft.objects.get(user=world.users["learner"]).summary == text


def test_previews_are_rate_limited_per_learner(client, world, monkeypatch):
    monkeypatch.setattr(survey_views, "PREVIEWS_PER_MINUTE", 3)
    learner = world.users["learner"]
    client.force_login(learner)
    for number in range(3):
        response = client.post(
            _draft_url(world), {"summary": f"draft {number}"}, headers=HTMX
        )
        assert response.status_code == 200
    refused = client.post(_draft_url(world), {"summary": "draft 3"}, headers=HTMX)
    assert refused.status_code == 429
    assert "Too many previews" in refused.content.decode()
    assert SurveyDraft.objects.get(user=learner).summary == "draft 2"
    # The page's own preview button is the same preview, so the same limit.
    page = client.post(_survey_url(world), {"action": "preview", "summary": "x"})
    assert page.status_code == 429
    assert "Too many previews" in page.content.decode()


def test_a_closed_survey_renders_no_preview(client, world):
    world.survey.opens_at = timezone.now() - timedelta(days=9)
    world.survey.due_at = timezone.now() - timedelta(days=1)
    world.survey.allow_late = False
    world.survey.save()
    client.force_login(world.users["learner"])
    marker = "**closed-preview-marker**"
    draft = client.post(_draft_url(world), {"summary": marker}, headers=HTMX)
    page = client.post(_survey_url(world), {"action": "preview", "summary": marker})
    for response in (draft, page):
        assert "<strong>closed-preview-marker</strong>" not in response.content.decode()
    assert not SurveyDraft.objects.filter(user=world.users["learner"]).exists()


# 2. Refused competition files ------------------------------------------------


@pytest.fixture
def uploader(client, world, settings):
    settings.COMPETITION_REJECTED_PER_DAY = 3
    client.force_login(world.users["learner"])
    Entry.objects.filter(user=world.users["learner"]).delete()

    def upload(upload_file):
        return client.post(
            reverse("competition_upload", args=[world.course.slug]),
            {"file": upload_file},
            follow=True,
        )

    return upload


def _stored_entry_files(settings) -> list:
    root = settings.PRIVATE_MEDIA_ROOT / "competitions"
    return [p for p in root.rglob("*") if p.is_file() and "entries" in p.parts]


def test_files_with_a_wrong_header_are_refused_before_anything_is_stored(
    uploader, world, settings
):
    """15 x 20 MB files with a wrong header were all refused and all kept
    (287 MB). Now the first line is read in place: nothing is stored, each
    refusal is an entry with its reason, and they have their own limit."""
    before = _stored_entry_files(settings)
    body = b"wrong,header\n" + b"x" * (2 * 1024 * 1024)
    responses = [
        uploader(SimpleUploadedFile(f"bad{n}.csv", body, "text/csv")) for n in range(5)
    ]
    assert all(r.status_code == 200 for r in responses)
    assert "The first line must be the header" in responses[0].content.decode()
    assert "were rejected today" in responses[-1].content.decode()
    rejected = Entry.objects.filter(user=world.users["learner"])
    assert rejected.count() == settings.COMPETITION_REJECTED_PER_DAY
    assert all(e.status == Entry.Status.REJECTED and e.row_errors for e in rejected)
    assert not any(e.file for e in rejected)
    assert _stored_entry_files(settings) == before


def test_a_file_rejected_by_scoring_keeps_its_reasons_but_not_its_bytes(
    uploader, world, settings, django_capture_on_commit_callbacks
):
    rows = perfect_rows()
    rows[3] = ("unknown-id", "pos")
    with django_capture_on_commit_callbacks(execute=True):
        uploader(csv_upload(rows))
    entry = Entry.objects.get(user=world.users["learner"])
    assert entry.status == Entry.Status.REJECTED
    assert entry.problem_messages()
    assert not entry.file
    assert all("unknown-id" not in p.read_text() for p in _stored_entry_files(settings))


def test_a_learner_cannot_store_more_than_the_cap(uploader, world, settings):
    settings.COMPETITION_STORAGE_PER_LEARNER_MB = 1
    good = "id,prediction\n" + "".join(f"a{i},pos\n" for i in range(10))
    padding = "\n" * (700 * 1024)  # blank lines: a valid, large file
    first = uploader(SimpleUploadedFile("one.csv", (good + padding).encode()))
    second = uploader(SimpleUploadedFile("two.csv", (good + padding).encode()))
    assert "queued" in first.content.decode()
    assert "each learner may store" in second.content.decode()
    assert Entry.objects.filter(user=world.users["learner"]).count() == 1


# 7. Crafted input ------------------------------------------------------------


def test_a_homework_naming_a_question_twice_is_refused_with_400(client, world):
    learner = world.users["learner"]
    client.force_login(learner)
    data = post_data(answers_for(world.homework, correct=5))
    question_id, choice_id = next(
        (int(key[2:]), value) for key, value in data.items() if key.startswith("q-")
    )
    other_choice = (
        world.homework.questions.get(pk=question_id)
        .choices.exclude(pk=choice_id)
        .first()
    )
    data[f"q-0{question_id}"] = str(other_choice.pk)
    submit = client.post(world.homework.get_absolute_url(), data)
    draft = client.post(
        reverse("homework_draft", args=[world.course.slug, 1]), data, headers=HTMX
    )
    assert submit.status_code == 400
    assert draft.status_code == 400
    assert not Submission.objects.filter(user=learner).exists()


@pytest.mark.parametrize("action", ["draft", "preview"])
def test_nul_bytes_in_a_survey_draft_or_preview_are_refused(client, world, action):
    learner = world.users["learner"]
    client.force_login(learner)
    summary = "A summary\x00 with a NUL byte"
    if action == "draft":
        response = client.post(_draft_url(world), {"summary": summary}, headers=HTMX)
    else:
        response = client.post(
            _survey_url(world), {"action": "preview", "summary": summary}
        )
    assert response.status_code == 400
    assert not SurveyDraft.objects.filter(user=learner).exists()
    assert SurveyResponse.objects.get(user=learner).summary == (
        "My own summary of the lecture."
    )


def test_nul_bytes_in_a_certificate_code_or_calendar_token_are_refused(client, world):
    code = world.certificate.code
    assert client.get(f"/certificates/{code}%00/").status_code == 400
    assert client.get(f"/certificates/%00{code}.pdf").status_code == 400
    calendar = reverse("course_calendar", args=[world.course.slug])
    assert client.get(f"{calendar}?token=%00").status_code == 400


def test_nul_bytes_in_the_staff_summary_search_are_refused(client, world):
    client.force_login(world.users["staff"])
    url = reverse("staff_survey_summaries", args=[world.course.slug, 1])
    assert client.get(url, {"q": "abc\x00"}).status_code == 400
    assert client.get(url, {"q": "abc"}).status_code == 200


def test_a_job_that_is_not_a_job_id_is_no_job(client, world):
    client.force_login(world.users["staff"])
    url = reverse("staff_competition", args=[world.course.slug])
    assert client.get(url, {"job": "abc"}).status_code == 200
    assert client.get(url, {"job": str(world.job.pk)}).status_code == 200


# 12. Private pages are not cached ---------------------------------------------


def test_signed_in_pages_and_exports_are_never_stored_by_a_cache(client, world):
    anonymous = client.get(world.course.get_absolute_url())
    assert "no-store" not in anonymous.get("Cache-Control", "")
    client.force_login(world.users["learner"])
    page = client.get(world.course.get_absolute_url())
    assert page["Cache-Control"] == "private, no-store"
    client.force_login(world.users["staff"])
    for name in ("staff_competition_entries_csv", "staff_completion_csv"):
        export = client.get(reverse(name, args=[world.course.slug]))
        assert export.status_code == 200
        assert "no-store" in export["Cache-Control"]
        assert "private" in export["Cache-Control"]


# The generic walk ------------------------------------------------------------

# Names the project's forms and filters read, each sent with a NUL byte.
FIELD_NAMES = [
    "summary", "action", "q", "state", "page", "job", "token", "question",
    "entry", "selected", "nickname", "comment", "next", "ids", "status",
    "reason", "title", "body", "language", "email", "filter", "sort",
]  # fmt: skip
QUERY = dict.fromkeys(("q", "job", "page", "state", "token", "sort"), "x\x00")
GARBAGE_QUERY = {"job": "abc", "page": "-1", "question": "abc", "sort": "--"}


def _aliased_fields(world) -> list[tuple[str, str]]:
    """Every homework question named twice (`q-036` beside `q-36`) and
    every other field sent twice with different values."""
    fields = []
    for question in world.homework.questions.all():
        choice = question.choices.first().pk
        fields += [(f"q-{question.pk}", str(choice)), (f"q-0{question.pk}", "1")]
        fields += [(f"q-{question.pk}", "2")]
    for name in FIELD_NAMES:
        fields += [(name, "1"), (name, "abc")]
    return fields


def _csrf_exempt(path: str) -> bool:
    return getattr(get_resolver().resolve(path).func, "csrf_exempt", False)


@pytest.mark.parametrize("role", ["learner", "staff"])
def test_no_page_answers_nul_bytes_or_aliased_fields_with_a_server_error(
    client, world, role
):
    client.force_login(world.users[role])
    errors = []
    nul_form = dict.fromkeys(FIELD_NAMES, "x\x00")

    def check(method, path, response, expected=None):
        status = response.status_code
        if status >= 500 or (expected and status != expected):
            errors.append(f"{method} {path}: {status}")

    for route, name in project_patterns():
        path = fill(route, name, world)
        headers = headers_for(name, world, role)
        check("GET ?nul", path, client.get(path, QUERY, headers=headers), 400)
        check("GET ?garbage", path, client.get(path, GARBAGE_QUERY, headers=headers))
        nul_expected = None if _csrf_exempt(path) else 400
        check(
            "POST nul multipart",
            path,
            client.post(path, nul_form, headers=headers),
            nul_expected,
        )
        check(
            "POST nul urlencoded",
            path,
            client.post(
                path,
                urlencode(nul_form),
                content_type="application/x-www-form-urlencoded",
                headers=headers,
            ),
            nul_expected,
        )
        check(
            "POST aliased",
            path,
            client.post(
                path,
                urlencode(_aliased_fields(world)),
                content_type="application/x-www-form-urlencoded",
                headers=headers | HTMX,
            ),
        )
    assert not errors, "\n".join(errors)


def test_a_nul_byte_in_the_session_cookie_is_refused_before_the_session_lookup(
    client, world
):
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    assert client.get(world.course.get_absolute_url()).status_code == 400


def test_healthz_tells_an_anonymous_caller_which_check_failed_not_why(
    client, settings, caplog
):
    settings.PRIVATE_MEDIA_ROOT = "/proc/koza-cannot-write-here"
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["storage"] == "error"
    assert "/proc" not in response.content.decode()
    assert "koza-cannot-write-here" in caplog.text  # the operator's log has it


@pytest.mark.django_db(transaction=True)
@pytest.mark.timing
def test_healthz_says_the_pool_is_exhausted_within_its_own_timeout(settings):
    """Every pooled connection taken (a deadline rush, a leak): /healthz says
    so within HEALTHZ_DATABASE_TIMEOUT instead of waiting the pool's 10 s."""
    import threading
    import time

    from django.db import connection

    from lms.views import _check_database

    pool = getattr(connection, "pool", None)
    if pool is None:
        pytest.skip("needs PostgreSQL's connection pool (DATABASE_URL)")
    from psycopg_pool import PoolTimeout

    settings.HEALTHZ_DATABASE_TIMEOUT = 0.5
    pool.open()
    held = []
    try:
        while True:
            try:
                held.append(pool.getconn(timeout=0.2))
            except PoolTimeout:
                break
        outcome = {}

        def check():  # a request thread, with no connection of its own yet
            start = time.monotonic()
            try:
                outcome["result"] = _check_database()
            except Exception as exc:
                outcome["result"] = type(exc).__name__
            outcome["took"] = time.monotonic() - start
            connection.close()

        thread = threading.Thread(target=check)
        thread.start()
        thread.join(timeout=15)
    finally:
        for conn in held:
            pool.putconn(conn)
    assert outcome["result"] == "PoolTimeout"
    assert outcome["took"] < 3
