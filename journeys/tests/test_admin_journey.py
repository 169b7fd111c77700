"""An admin sets a course up: course and lecture in the Django admin, a
recording uploaded resumably across a page reload, slides and a notebook,
homework imported from GIFT, then a grading run with its progress bar."""

import subprocess
from pathlib import Path

import pytest

from archives.models import Material, Upload
from archives.tests.conftest import NOTEBOOK, PDF
from conftest import wait_for
from courses.models import Course
from journeys.tests.support import Visitor, make_video
from lms.models import Job
from lms.tests.browser import requires_chromium
from quizzes.homework.models import Homework

pytestmark = [
    pytest.mark.browser,
    requires_chromium,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
GIFT = ROOT / "quizzes" / "homework" / "tests" / "fixtures" / "week1.gift"
CHUNK = 16 * 1024 * 1024  # static/js/tus-upload.js sends the file in these


@pytest.fixture(scope="module")
def big_video(tmp_path_factory) -> Path:
    """A real MP4 of just over one upload chunk (lossless noise)."""
    path = tmp_path_factory.mktemp("big") / "week1.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi",
         "-i", "nullsrc=s=640x480:d=4:r=20,geq=random(1)*255:128:128",
         "-c:v", "libx264", "-qp", "0", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(path)],
        check=True,
    )  # fmt: skip
    assert path.stat().st_size > CHUNK
    return path


def upload(page, kind: str, path: Path, title: str) -> None:
    page.select_option("#tus-kind", kind)
    page.fill("#tus-title", title)
    page.set_input_files("#tus-file", str(path))
    page.click("#tus-start")


@pytest.mark.parametrize(
    "locale, phone", [("en-US", False), ("ja-JP", True)], ids=["laptop-en", "phone-ja"]
)
def test_an_admin_sets_up_a_course_and_grades_its_homework(
    browser, live_server, superuser, needs_ffmpeg, big_video, tmp_path, locale, phone
):
    me = Visitor(browser, live_server, locale=locale, phone=phone, user=superuser)
    page = me.page

    # The course and its first lecture, in the Django admin.
    me.goto("/admin/courses/course/add/")
    page.fill("#id_title", "Diffusion Models")
    page.locator("#id_title").blur()
    assert page.input_value("#id_slug") == "diffusion-models"  # prepopulated
    page.select_option("#id_state", "running")
    page.locator("#lectures-group .add-row a").click()
    page.fill("#id_lectures-0-number", "1")
    page.fill("#id_lectures-0-title", "Score matching")
    page.fill("#id_lectures-0-starts_at_0", "2026-12-03")
    page.fill("#id_lectures-0-starts_at_1", "18:00:00")
    page.check("#id_lectures-0-published")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/courses/course/")
    course = Course.objects.get(slug="diffusion-models")
    lecture = course.lectures.get(number=1)
    assert lecture.title == "Score matching"

    # The recording: the connection drops after the first chunk and the page
    # is reloaded; the upload then resumes from the server's offset.
    me.goto("/staff/diffusion-models/lectures/1/materials/")
    offsets = []
    cut = {"on": True}

    def network(route):
        offset = route.request.headers.get("upload-offset")
        if route.request.method == "PATCH":
            offsets.append(offset)
            if cut["on"] and offset != "0":
                return route.abort("connectionreset")
        return route.continue_()

    if phone:  # the interruption is the laptop's; the phone sends a short clip
        upload(page, "recording", make_video(tmp_path / "clip.mp4"), "Week 1 recording")
        page.locator("#material-list").get_by_text("Week 1 recording").wait_for()
    else:
        page.route("**/uploads/**", network)
        upload(page, "recording", big_video, "Week 1 recording")
        page.wait_for_function("() => !document.querySelector('#tus-progress').hidden")
        me.until(lambda: len(offsets) >= 2)
        page.reload()
        cut["on"] = False
        stored = wait_for(lambda: Upload.objects.filter(offset=CHUNK).first())
        assert stored.length == big_video.stat().st_size
        upload(page, "recording", big_video, "Week 1 recording")
        # (The page, not the database, is watched: SQLite locks while it writes.)
        listed = page.locator("#material-list").get_by_text("Week 1 recording")
        listed.wait_for(timeout=60_000)
        recording = Material.objects.get(kind="recording")
        assert recording.file.read() == big_video.read_bytes()
        assert offsets.count("0") == 1  # resumed, never restarted
    me.audit()

    # Slides and a notebook through the same uploader.
    slides = tmp_path / "week1.pdf"
    slides.write_bytes(PDF)
    notebook = tmp_path / "week1.ipynb"
    notebook.write_bytes(NOTEBOOK)
    upload(page, "slides", slides, "Week 1 slides")
    page.locator("#material-list").get_by_text("Week 1 slides").wait_for()
    upload(page, "notebook", notebook, "Week 1 notebook")
    page.locator("#material-list").get_by_text("Week 1 notebook").wait_for()
    assert set(lecture.materials.values_list("kind", flat=True)) == {
        "recording",
        "slides",
        "notebook",
    }
    me.audit()
    me.shot(f"staff-materials-{locale[:2]}-{'phone' if phone else 'laptop'}")

    # Homework from GIFT: preview, then save all questions.
    me.goto("/staff/diffusion-models/homework/1/import/")
    page.set_input_files("input[type=file][name=file]", str(GIFT))
    page.locator("button[name=preview]").click()
    page.locator("button[name=save]").wait_for()
    me.audit()
    page.locator("button[name=save]").click()
    page.wait_for_url("**/staff/diffusion-models/homework/1/")
    homework = Homework.objects.get(lecture=lecture)
    assert homework.questions.count() == 5
    me.audit()

    # Grading now: a Job and its progress bar.
    page.locator("form[action$='/grade/'] button[type=submit]").click()
    page.wait_for_url("**/staff/diffusion-models/homework/1/**")
    page.locator(".job progress").wait_for()
    page.wait_for_function(
        "() => document.querySelector('.job progress').value == 100", timeout=20_000
    )
    assert Job.objects.get().percent == 100
    me.audit()

    assert len(me.audited) >= 5
    me.assert_accessible()
    me.close()
