"""Hostile input: Markdown that tries to run script, forms that lie, and
requests without a CSRF token. Each is refused or made inert, and nothing is
saved."""

from html.parser import HTMLParser

import pytest
from django.test import Client

from courses.models import Announcement
from quizzes.homework.models import Choice, Submission
from quizzes.homework.tests.factories import answers_for, post_data
from quizzes.surveys.models import SurveyResponse
from reliability.tests.test_access_matrix import (
    body_of,
    fill,
    headers_for,
    project_patterns,
    rule_for,
)

HOSTILE = """Hello **world**

<script>alert('x')</script>
<img src="x" onerror="alert(1)">
<a href="#" onclick="alert(1)">click me</a>
[a link](javascript:alert(1))
[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
<iframe src="https://evil.example/"></iframe>
<svg onload="alert(1)"></svg>
<form action="https://evil.example/"><input name="password"></form>
"""


class ActiveContent(HTMLParser):
    """Collects everything in a page that could run or load hostile code."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction", "data") and value:
                scheme = value.strip().lower()
                if scheme.startswith(("javascript:", "data:text", "vbscript:")):
                    self.found.append(f"<{tag} {name}={value!r}>")
                if "evil.example" in scheme:
                    self.found.append(f"<{tag} {name}={value!r}>")
        executable = attrs.get("type", "text/javascript") != "application/json"
        if tag == "script" and executable and not ({"nonce", "src"} & set(attrs)):
            self.found.append("<script> without a nonce")
        if tag == "iframe":
            self.found.append(f"<iframe {attrs}>")
        self._in_script = tag == "script"

    def handle_data(self, data):
        if self._in_script and "alert(" in data:
            self.found.append("script running alert()")

    def handle_endtag(self, tag):
        self._in_script = False


def active_content(html: str) -> list[str]:
    parser = ActiveContent()
    parser.feed(html)
    return parser.found


def test_the_detector_sees_active_content():
    assert len(active_content(HOSTILE)) >= 7


@pytest.fixture
def hostile_world(world, staff):
    """The hostile Markdown in every field that is rendered as Markdown."""
    course = world.course
    course.description = HOSTILE
    course.save()
    course.lectures.update(description=HOSTILE)
    world.homework.questions.update(text=HOSTILE, explanation=HOSTILE)
    Choice.objects.filter(question__homework=world.homework).update(
        text=HOSTILE, feedback=HOSTILE
    )
    SurveyResponse.objects.update(summary=HOSTILE, review_comment=HOSTILE)
    world.competition.description = HOSTILE
    world.competition.save()
    Announcement.objects.create(
        course=course, title="<script>alert(1)</script>", body=HOSTILE, author=staff
    )
    return world


@pytest.mark.parametrize("role", ["anonymous", "learner", "admin"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_hostile_markdown_is_inert_on_every_page(client, hostile_world, role, htmx):
    world = hostile_world
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    headers = {"HX-Request": "true"} if htmx else {}
    pages = ["/"]
    for route, name in project_patterns():
        if rule_for(route)[role] == "ok":
            pages.append((fill(route, name, world), headers_for(name, world, role)))
    rendered, problems = 0, []
    for page in pages:
        path, extra = page if isinstance(page, tuple) else (page, {})
        response = client.get(path, headers=extra | headers)
        if response.status_code != 200:
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        body = body_of(response)
        rendered += "Hello <strong>world</strong>" in body
        problems += [f"{path}: {found}" for found in active_content(body)]
    assert not problems, "\n".join(problems)
    # The hostile text was really rendered (as Markdown) on several pages.
    assert rendered >= (1 if role == "anonymous" else 3)


def _homework_url(world) -> str:
    return world.homework.get_absolute_url()


def _other_question_choice(world):
    """A real choice id, but of another question of the same homework."""
    questions = list(world.homework.questions.all())
    return questions[1].choices.first().id


def test_a_choice_of_another_question_is_refused_and_nothing_saved(client, world):
    client.force_login(world.users["learner"])
    answers = answers_for(world.homework, correct=5)
    first = next(iter(answers))
    answers[first] = _other_question_choice(world)
    response = client.post(_homework_url(world), post_data(answers))
    assert response.status_code == 400
    assert not Submission.objects.exists()


def test_a_choice_of_another_courses_homework_is_refused(client, world, other_course):
    from courses.models import Lecture
    from quizzes.homework.tests.factories import make_homework

    lecture = Lecture.objects.create(
        course=other_course, number=1, title="x", starts_at=world.homework.due_at
    )
    foreign = make_homework(lecture)
    client.force_login(world.users["learner"])
    answers = answers_for(world.homework, correct=5)
    first = next(iter(answers))
    answers[first] = foreign.questions.first().choices.first().id
    assert client.post(_homework_url(world), post_data(answers)).status_code == 400
    assert not Submission.objects.exists()


@pytest.mark.parametrize("value", ["abc", "-1", "1e9", "", "9" * 40, "1 OR 1=1"])
def test_answers_of_the_wrong_type_are_refused(client, world, value):
    client.force_login(world.users["learner"])
    data = post_data(answers_for(world.homework, correct=5))
    first = next(key for key in data if key.startswith("q-"))
    data[first] = value
    response = client.post(_homework_url(world), data)
    assert response.status_code == 400
    assert not Submission.objects.exists()


def test_a_garbage_form_token_is_refused(client, world):
    client.force_login(world.users["learner"])
    data = post_data(answers_for(world.homework, correct=5), token="not-a-uuid")
    assert client.post(_homework_url(world), data).status_code == 400
    assert not Submission.objects.exists()


def test_five_thousand_fields_are_refused_with_400_and_nothing_saved(client, world):
    client.force_login(world.users["learner"])
    data = post_data(answers_for(world.homework, correct=5))
    data |= {f"junk-{i}": "x" for i in range(5000)}
    response = client.post(_homework_url(world), data)
    assert response.status_code == 400
    assert not Submission.objects.exists()
    summary = SurveyResponse.objects.get(user=world.users["learner"]).summary
    response = client.post(
        world.survey.get_absolute_url(),
        {"summary": "A new summary"} | {f"junk-{i}": "x" for i in range(5000)},
    )
    assert response.status_code == 400
    assert SurveyResponse.objects.get(user=world.users["learner"]).summary == summary


def test_an_oversized_summary_is_refused_and_the_old_one_kept(client, world):
    client.force_login(world.users["learner"])
    before = SurveyResponse.objects.get(user=world.users["learner"]).summary
    response = client.post(
        world.survey.get_absolute_url(), {"summary": "long " * 100_000}
    )
    assert response.status_code in (200, 400)
    assert "at most" in response.content.decode() or response.status_code == 400
    assert SurveyResponse.objects.get(user=world.users["learner"]).summary == before


def test_an_oversized_nickname_is_refused(client, world):
    client.force_login(world.users["learner"])
    response = client.post(
        f"/courses/{world.course.slug}/competition/nickname/",
        {"nickname": "n" * 10_000},
        follow=True,
    )
    assert "That nickname cannot be used." in response.content.decode()
    world.participant.refresh_from_db()
    assert world.participant.nickname == ""


def test_posts_without_a_csrf_token_are_refused_and_nothing_saved(world):
    from competitions.models import Entry
    from competitions.tests.conftest import csv_upload, perfect_rows

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["learner"])
    entries = Entry.objects.count()
    summary = SurveyResponse.objects.get(user=world.users["learner"]).summary
    slug = world.course.slug
    posts = [
        (_homework_url(world), post_data(answers_for(world.homework, correct=5))),
        (world.survey.get_absolute_url(), {"summary": "Changed without consent"}),
        (f"/courses/{slug}/competition/upload/", {"file": csv_upload(perfect_rows())}),
        (f"/courses/{slug}/competition/nickname/", {"nickname": "forged"}),
        (f"/courses/{slug}/withdraw/", {}),
    ]
    for path, data in posts:
        assert client.post(path, data).status_code == 403, path
    assert not Submission.objects.exists()
    assert Entry.objects.count() == entries
    assert SurveyResponse.objects.get(user=world.users["learner"]).summary == summary
    world.participant.refresh_from_db()
    assert world.participant.nickname == ""
    assert world.users["learner"].enrollments.get().status == "approved"
    # The same posts with the page's token go through (the refusal was CSRF).
    page = client.get(_homework_url(world))
    token = page.context["csrf_token"]
    data = post_data(answers_for(world.homework, correct=5)) | {
        "csrfmiddlewaretoken": str(token)
    }
    assert client.post(_homework_url(world), data).status_code == 302
    assert Submission.objects.count() == 1
