"""A crawl of everything a course admin who is not a superuser can reach
from `/` by following links: every page answers, every staff page carries
the staff menu, and nothing sends them to the Django admin."""

import re
from collections import deque

from competitions.tests.conftest import make_competition
from quizzes.homework.tests.factories import make_homework
from quizzes.surveys.tests.conftest import survey  # noqa: F401

LINK = re.compile(r'href="(/[^"#]*)')
SKIP = ("/static/", "/media/", "/accounts/", "/i18n/", "/certificates/")
DOWNLOADS = (".csv", ".gift.txt", ".gift", ".ics", ".pdf", ".json", ".txt")


def crawl(client, start: str = "/", limit: int = 400) -> dict[str, int]:
    seen: dict[str, int] = {}
    queue = deque([start])
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen or url.startswith(SKIP):
            continue
        response = client.get(url, follow=True)
        seen[url] = response.status_code
        if response.status_code != 200 or url.endswith(DOWNLOADS):
            continue
        if getattr(response, "streaming", False):
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        page = response.content.decode()
        if url.startswith("/staff/"):
            assert 'class="staff-nav"' in page, f"{url} has no staff menu"
        for link in LINK.findall(page):
            link = link.replace("&amp;", "&")
            if link not in seen:
                queue.append(link)
    return seen


def test_a_course_admin_reaches_every_staff_page_without_the_admin(
    client,
    course_admin,
    course,
    learner,
    survey,  # noqa: F811
):
    make_homework(course.lectures.get(number=2))
    make_competition(course)
    client.force_login(course_admin)
    seen = crawl(client)
    broken = {url: status for url, status in seen.items() if status != 200}
    assert not broken, broken
    assert not [url for url in seen if url.startswith("/admin")]
    for expected in (
        "/staff/llm/",
        "/staff/llm/setup/",
        "/staff/llm/setup/homework/",
        "/staff/llm/setup/surveys/",
        "/staff/llm/lectures/",
        "/staff/llm/lectures/1/",
        "/staff/llm/homework/2/",
        "/staff/llm/homework/2/edit/",
        "/staff/llm/surveys/",
        "/staff/llm/competition/",
        "/staff/llm/completion/",
    ):
        assert expected in seen, f"{expected} is not linked from anywhere"
