"""The staff questions page: unanswered first, longest waiting at the top,
per category with how long each has waited, keyset pages, and the same
number of queries however many questions the course holds."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from discussions import staff_views
from discussions.models import PostState, Question, Topic
from discussions.tests.conftest import make_answer, make_question, open_homework

pytestmark = pytest.mark.django_db


def url(course, **query) -> str:
    base = reverse("staff_questions", args=[course.slug])
    return base + ("?" + urlencode(query) if query else "")


def listed_titles(html: str) -> list[str]:
    table = html.split('class="table qa-staff-list"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="/courses/[^"]+/questions/\d+/">([^<]+)</a>', table)


def ask(course, author, title, *, hours_ago, **fields) -> Question:
    when = timezone.now() - timedelta(hours=hours_ago)
    return make_question(
        course, author, title=title, created_at=when, last_activity_at=when, **fields
    )


def test_unanswered_questions_come_first_longest_waiting_at_the_top(
    client, course, learner, classmate, staff
):
    answered = ask(course, learner, "Answered long ago", hours_ago=100)
    make_answer(answered, classmate)
    ask(course, learner, "Waiting 2 hours", hours_ago=2)
    ask(course, classmate, "Waiting 3 days", hours_ago=72)
    ask(course, learner, "Deleted", hours_ago=200, state=PostState.DELETED)
    client.force_login(staff)
    page = client.get(url(course)).content.decode()
    assert listed_titles(page) == [
        "Waiting 3 days",
        "Waiting 2 hours",
        "Answered long ago",
    ]
    assert "3\xa0days" in page  # how long it has waited
    assert "1 answer" in page


def test_the_waiting_table_counts_unanswered_questions_per_category(
    client, course, learner, staff
):
    lecture = course.lectures.get(number=2)
    open_homework(lecture)
    for n in range(3):
        ask(
            course, learner, f"HW {n}", hours_ago=n + 1,
            topic=Topic.HOMEWORK, lecture=lecture,
        )  # fmt: skip
    ask(course, learner, "General one", hours_ago=5)
    client.force_login(staff)
    page = client.get(url(course)).content.decode()
    waiting = page.split('class="table qa-waiting"', 1)[1].split("</table>", 1)[0]
    assert re.search(r"Lecture 2: Homework</a></td>\s*<td>3</td>", waiting)
    assert re.search(r"General</a></td>\s*<td>1</td>", waiting)
    # a guarded question is marked so staff know learners cannot read it yet
    assert "Only its author and staff see it" in page
    filtered = client.get(url(course, category="homework-2")).content.decode()
    assert sorted(listed_titles(filtered)) == ["HW 0", "HW 1", "HW 2"]


def test_keyset_pages_walk_both_parts_of_the_list_without_repeats(
    client, course, learner, classmate, staff, monkeypatch
):
    monkeypatch.setattr(staff_views, "PAGE_SIZE", 3)
    titles = []
    for n in range(5):
        ask(course, learner, f"Waiting {n}", hours_ago=50 - n)
    for n in range(4):
        question = ask(course, learner, f"Answered {n}", hours_ago=10 - n)
        make_answer(question, classmate)
    client.force_login(staff)
    next_url = url(course)
    pages = 0
    while next_url:
        page = client.get(next_url).content.decode()
        titles += listed_titles(page)
        found = re.search(r'<a href="(\?[^"]*after=[^"]+)">Next</a>', page)
        next_url = url(course) + found.group(1).replace("&amp;", "&") if found else ""
        pages += 1
        assert pages < 10
    assert titles == [f"Waiting {n}" for n in range(5)] + [
        f"Answered {n}" for n in range(3, -1, -1)
    ]
    assert pages == 3


def test_a_bad_cursor_or_category_shows_the_first_page(client, course, learner, staff):
    ask(course, learner, "Only one", hours_ago=1)
    client.force_login(staff)
    bad = ({"after": "nonsense"}, {"category": "homework-x"}, {"after": "w~x~1"})
    for query in bad:
        response = client.get(url(course, **query))
        assert response.status_code == 200
        assert listed_titles(response.content.decode()) == ["Only one"]


def test_the_page_takes_the_same_queries_for_5_or_60_questions(
    client, course, learner, classmate, staff
):
    client.force_login(staff)

    def queries_for(count: int) -> int:
        lecture = course.lectures.get(number=1)
        for n in range(count):
            question = ask(
                course, learner, f"Q{n}", hours_ago=n,
                topic=Topic.LECTURE if n % 2 else Topic.GENERAL,
                lecture=lecture if n % 2 else None,
                anonymous=bool(n % 3),
            )  # fmt: skip
            if n % 4 == 0:
                make_answer(question, classmate)
        client.get(url(course))  # the session and the bell's count are cached
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(course)).status_code == 200
        return len(queries)

    assert queries_for(5) == queries_for(55)


def test_learners_and_other_staff_cannot_open_the_staff_questions_page(
    client, course, learner, other_staff
):
    for person in (learner, other_staff):
        client.force_login(person)
        assert client.get(url(course)).status_code == 403


def test_the_staff_overview_links_to_the_questions_waiting(
    client, course, learner, staff
):
    ask(course, learner, "Waiting", hours_ago=3)
    client.force_login(staff)
    page = client.get(reverse("staff_course", args=[course.slug])).content.decode()
    assert url(course) in page
    assert re.search(r"qa-waiting-count[^>]*>1<", page)
