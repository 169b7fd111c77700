"""The upload page's own tus script, in Debian's Chromium."""

import shutil

import pytest
from django.test import Client

from archives.models import Material, Upload
from conftest import wait_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs chromium"),
]


@pytest.fixture
def page(live_server, course_admin, settings, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls
    # of the test itself are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.SESSION_COOKIE_SECURE = False
    browser_client = Client()
    browser_client.force_login(course_admin)
    session = browser_client.cookies["sessionid"].value
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--no-sandbox"]
        )
        context = browser.new_context(locale="en-US")
        context.add_cookies(
            [{"name": "sessionid", "value": session, "url": live_server.url}]
        )
        page = context.new_page()
        page.goto(live_server.url + "/staff/llm/lectures/1/materials/")
        yield page
        browser.close()


def test_a_recording_uploads_from_the_page_with_progress(page, video_file):
    page.select_option("#tus-kind", "recording")
    page.fill("#tus-title", "Week 1 recording")
    page.set_input_files("#tus-file", str(video_file))
    page.click("#tus-start")

    page.wait_for_selector("text=Upload complete", timeout=20000)
    material = wait_for(lambda: Material.objects.first())
    assert material.title == "Week 1 recording"
    assert material.file.read() == video_file.read_bytes()
    assert page.eval_on_selector("#tus-progress progress", "e => e.value") == 100
    page.wait_for_selector("#material-list >> text=Week 1 recording")


def test_a_dropped_connection_is_retried_from_the_servers_offset(page, video_file):
    dropped = []

    def drop_first_patch(route):
        if route.request.method == "PATCH" and not dropped:
            dropped.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/uploads/**", drop_first_patch)
    page.set_input_files("#tus-file", str(video_file))
    page.click("#tus-start")

    page.wait_for_selector("text=Upload complete", timeout=30000)
    assert dropped
    assert Material.objects.get().file.read() == video_file.read_bytes()
    assert not Upload.objects.exists()


def test_a_spoofed_file_is_refused_on_the_page(page, tmp_path):
    fake = tmp_path / "week1.mp4"
    fake.write_bytes(b"<html><script>alert(1)</script></html>")
    page.set_input_files("#tus-file", str(fake))
    page.click("#tus-start")

    page.wait_for_selector("text=This file is not an MP4, WebM or MKV video")
    assert not Material.objects.exists()
    assert not Upload.objects.exists()
