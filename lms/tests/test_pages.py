import json
import re

import pytest
from django.urls import reverse

from lms.models import Job


def test_home_shows_the_catalog_to_visitors_in_japanese_by_default(client, course):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ja")

    assert response.status_code == 200
    page = response.content.decode()
    assert "講座一覧" in page
    assert course.title in page
    assert '<html lang="ja">' in page


def test_home_follows_the_browser_language(client, course):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()

    assert "Course catalog" in page
    assert '<html lang="en">' in page


def test_the_language_switch_changes_the_language_and_remembers_it(client, learner):
    client.force_login(learner)

    response = client.post(
        reverse("set_language"), {"language": "en", "next": "/"}, follow=True
    )

    assert "My courses" in response.content.decode()
    learner.refresh_from_db()
    assert learner.language == "en"


def test_a_saved_language_preference_beats_the_browser(client, learner):
    learner.language = "en"
    learner.save()
    client.force_login(learner)

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()

    assert "My courses" in page


def test_my_courses_lists_the_learners_enrollments(client, learner, course):
    client.force_login(learner)

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "My courses" in page
    assert course.get_absolute_url() in page
    assert "Approved" in page


def test_pages_send_a_csp_with_a_nonce_used_by_every_script(client, course):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "frame-ancestors 'none'" in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    page = response.content.decode()
    assert page.count("<script") == page.count(f'nonce="{nonce}"') >= 1
    # No script or stylesheet from another host (a random CSRF token or nonce
    # may contain the letters "cdn", so look at the addresses only).
    assert not re.search(r'<(?:script|link)[^>]+(?:src|href)="(?:https?:)?//', page)


def test_security_headers_are_set(client, course):
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_htmx_is_served_from_our_own_static_files(client, course):
    page = client.get("/").content.decode()
    assert '<script src="/static/django_htmx/htmx-2' in page
    assert 'hx-headers=\'{"X-CSRFToken"' in page


def test_healthz_reports_each_service(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "storage"}


def test_healthz_is_503_and_names_the_broken_service(client, db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.dummy.DummyCache",
        }
    }

    response = client.get("/healthz")

    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "error"
    assert body["checks"]["cache"].startswith("error")
    assert body["checks"]["database"] == "ok"


def test_a_job_progress_bar_is_visible_to_its_course_staff_only(
    client, course, staff, learner
):
    job = Job.objects.create(kind="grading", label="Grading", course=course, total=4)
    job.advance(1)
    url = reverse("job_progress", args=[job.pk])

    client.force_login(learner)
    assert client.get(url).status_code == 404

    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="25"' in page
    assert 'hx-trigger="every 1s"' in page


def test_a_finished_job_stops_polling(client, course, staff):
    job = Job.objects.create(kind="grading", course=course, total=2)
    job.start()
    job.advance(2)
    job.finish(result={"graded": 2})
    client.force_login(staff)

    page = client.get(reverse("job_progress", args=[job.pk])).content.decode()

    assert "every 1s" not in page
    assert 'value="100"' in page


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/accounts/signup/"])
def test_public_pages_render_in_both_languages(client, db, url):
    for language, word in [("ja", "ログイン"), ("en", "Sign in")]:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert word in page


def test_a_page_showing_a_jobs_result_reloads_when_the_job_finishes(
    client, course, staff
):
    """The certification page polls with ?refresh=1: while the job runs the
    bar keeps polling (and keeps asking); once finished, htmx is told to
    reload the page so its result shows. Without the flag, nothing reloads."""
    job = Job.objects.create(kind="grading", course=course, total=2)
    job.start()
    client.force_login(staff)
    url = reverse("job_progress", args=[job.pk])

    running = client.get(f"{url}?refresh=1", HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in running
    assert f'hx-get="{url}?refresh=1"' in running.content.decode()

    job.advance(2)
    job.finish(result={"graded": 2})
    assert client.get(f"{url}?refresh=1", HTTP_HX_REQUEST="true")["HX-Refresh"] == (
        "true"
    )
    assert "HX-Refresh" not in client.get(url, HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in client.get(f"{url}?refresh=1")  # not htmx
