from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from courses import selectors
from courses.models import Lecture

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_soon(course) -> Lecture:
    """A lecture starting in 10 minutes (the fixture's lecture 2 moves to
    yesterday so this one is next)."""
    Lecture.objects.filter(course=course, number=2).update(
        starts_at=timezone.now() - timedelta(days=1)
    )
    return Lecture.objects.create(
        course=course,
        number=10,
        title="Scaling laws",
        starts_at=timezone.now() + timedelta(minutes=10),
        live_url="https://live.example.com/room",
        published=True,
    )


@pytest.fixture
def deadline_provider(course):
    due = timezone.now() + timedelta(days=2)

    def provider(*, course, user, start, end):
        return [
            {
                "uid": f"homework-{course.pk}-1",
                "title": "Homework 1",
                "due_at": due,
                "url": "/courses/llm/lectures/1/homework/",
                "kind": "homework",
                "state": "not_started",
                "state_label": "Not started",
            }
        ]

    selectors.register_deadline_provider(provider)
    yield due
    selectors._deadline_providers.remove(provider)


def test_an_approved_learner_sees_the_next_lecture_and_its_live_link_on_home(
    client, learner, live_soon
):
    client.force_login(learner)

    page = client.get("/")

    assert "This week" in page.text
    assert "Scaling laws" in page.text
    assert "https://live.example.com/room" in page.text
    tokyo = timezone.localtime(live_soon.starts_at, live_soon.course.tzinfo)
    assert tokyo.strftime("%H:%M") in page.text


def test_the_live_link_is_hidden_until_30_minutes_before_the_lecture(
    client, learner, course
):
    Lecture.objects.create(
        course=course,
        number=11,
        title="Far away",
        starts_at=timezone.now() + timedelta(hours=2),
        live_url="https://live.example.com/later",
        published=True,
    )
    Lecture.objects.filter(course=course, number=2).update(
        starts_at=timezone.now() - timedelta(days=1)
    )
    client.force_login(learner)

    page = client.get("/courses/llm/")

    assert "Far away" in page.text
    assert "https://live.example.com/later" not in page.text
    assert "30 minutes before" in page.text


def test_the_live_link_shows_during_the_lecture_and_not_after_it():
    start = datetime(2026, 10, 1, 9, tzinfo=UTC)
    lecture = Lecture(
        starts_at=start, duration=timedelta(hours=2), live_url="https://x.example"
    )

    assert not lecture.live_link_visible(start - timedelta(minutes=31))
    assert lecture.live_link_visible(start - timedelta(minutes=30))
    assert lecture.live_link_visible(start + timedelta(hours=1))
    assert not lecture.live_link_visible(start + timedelta(hours=2, minutes=1))


def test_an_applicant_sees_no_live_link_and_no_lecture_content(
    client, applicant, live_soon
):
    client.force_login(applicant)

    page = client.get("/courses/llm/")
    lecture = client.get("/courses/llm/lectures/10/")

    assert "https://live.example.com/room" not in page.text
    assert "https://live.example.com/room" not in client.get("/").text
    assert lecture.status_code == 403
    assert "for approved learners" in lecture.text


def test_deadlines_from_other_apps_show_in_this_week(
    client, learner, deadline_provider
):
    client.force_login(learner)

    page = client.get("/courses/llm/")

    assert "Homework 1" in page.text
    assert "Not started" in page.text


def test_the_hook_returns_nothing_until_an_app_registers(course, learner):
    assert selectors.deadlines_for(course=course, user=learner) == []


def test_latest_lectures_and_the_whole_schedule_are_on_the_course_page(
    client, learner, course
):
    client.force_login(learner)

    page = client.get("/courses/llm/")

    assert "Latest lectures" in page.text
    for n in range(1, 4):
        assert f'href="/courses/llm/lectures/{n}/"' in page.text


def test_the_lecture_page_has_its_description_materials_and_tasks(
    client, learner, live_soon
):
    from datetime import timedelta

    from django.utils import timezone

    from quizzes.homework.tests.factories import make_homework
    from quizzes.surveys.models import Survey

    live_soon.description = "We read **Kaplan et al.**"
    live_soon.save()
    client.force_login(learner)
    page = client.get("/courses/llm/lectures/10/")
    # No homework or survey yet: no link that would lead nowhere.
    assert "/lectures/10/homework/" not in page.text
    assert "/lectures/10/survey/" not in page.text
    make_homework(live_soon)
    Survey.objects.create(
        lecture=live_soon, due_at=timezone.now() + timedelta(days=7), published=True
    )

    page = client.get("/courses/llm/lectures/10/")

    assert "<strong>Kaplan et al.</strong>" in page.text
    assert "https://live.example.com/room" in page.text
    assert "Lecture archive and materials" in page.text
    # Now that both exist and are published, the page links them.
    assert 'href="/courses/llm/lectures/10/homework/"' in page.text
    assert 'href="/courses/llm/lectures/10/survey/"' in page.text


def test_an_unpublished_lecture_is_not_found_for_learners(client, learner, course):
    Lecture.objects.filter(course=course, number=2).update(published=False)
    client.force_login(learner)

    assert client.get("/courses/llm/lectures/2/").status_code == 404


def test_this_week_says_which_recordings_are_up(client, course, learner):
    from archives.models import Kind, Material

    lecture = course.lectures.get(number=1)
    Material.objects.create(
        lecture=lecture,
        kind=Kind.RECORDING,
        title="Week 1",
        state=Material.State.READY,
        published=True,
    )
    Material.objects.create(
        lecture=lecture,
        kind=Kind.SLIDES,
        title="Week 1 slides (processing)",
        state=Material.State.PROCESSING,
        published=False,
    )
    client.force_login(learner)

    page = client.get("/courses/llm/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    latest = page.split("Latest lectures", 1)[1]
    assert '<span class="badge">Recording</span>' in latest
    assert '<span class="badge">Slides</span>' not in latest
