"""The crawl: every page each demo role can reach, in both languages.

From the home page, follow every same-site link the viewer is shown (as a
person clicking through would) and fail on a dead end: a 404, a 403 (a page
must not link to what its viewer cannot open), a server error, or a bare
"None" in the visible text. Links to downloads are fetched for their status,
not parsed. Sign-out and the Django admin's own pages are fetched but not
followed (the admin is Django's, for superusers' repairs).
"""

import io
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from accounts.models import User

ROLES = {
    "anonymous": None,
    "learner": "learner@example.com",
    "withdrawn learner": "withdrawn@example.com",
    "staff": "staff@example.com",
    "admin": "admin@example.com",
}
LANGUAGES = ["en", "ja"]
MAX_PAGES = 400  # per role and language: the demo has fewer; a loop stops here
MAX_QUERY_VARIANTS = 3  # of one path (sort orders, filters, pages)
# Staff pages of one record (an application, a learner's override, an entry)
# share a template: a few of each shape tell as much as all 300.
MAX_RECORDS_PER_SHAPE = 3
NOT_FOLLOWED = ("/accounts/logout/", "/admin/")
# "None" as a value: alone, or after a label, not "None yet" in a sentence.
HIDDEN = {"script", "style", "template", "code", "pre", "textarea"}
BARE_NONE = re.compile(r"(^|[\s:：(（])None\s*($|[).,、。）])")


class _Page(HTMLParser):
    """The links and the visible text nodes of one page (code is content:
    a quiz may ask about Python's `None`)."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN:
            self._hidden += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag):
        if tag in HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def _same_site(base: str, href: str) -> str | None:
    url = urldefrag(urljoin(base, href)).url
    parts = urlsplit(url)
    if parts.scheme not in {"", "http"} or parts.netloc not in {"", "testserver"}:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client: Client, start: str = "/") -> tuple[int, list[str]]:
    """(pages fetched, problems found), breadth first from `start`."""
    seen = {start}
    variants: dict[str, int] = {}
    shapes: dict[str, int] = {}
    queue = deque([(start, "(start)")])
    problems: list[str] = []
    fetched = 0
    while queue and fetched < MAX_PAGES:
        url, found_on = queue.popleft()
        response = client.get(url)
        fetched += 1
        status = response.status_code
        if status == 403 or status == 404 or status >= 500:
            problems.append(f"{status} {url} (linked from {found_on})")
        if status in {301, 302, 303, 307, 308}:
            target = _same_site(url, response["Location"])
            if target and target not in seen:
                seen.add(target)
                queue.append((target, url))
        content_type = response.get("Content-Type", "")
        if response.streaming:
            # Read to the end: the test client closes it then, keeping the
            # test's database connection (response.close() would not).
            for _chunk in response.streaming_content:
                pass
            continue
        if not content_type.startswith("text/html"):
            continue
        if status != 200 or url.startswith(NOT_FOLLOWED):
            continue
        page = _Page()
        page.feed(response.content.decode())
        for text in page.texts:
            if BARE_NONE.search(text):
                problems.append(f'bare "None" on {url}: {text[:80]!r}')
        for href in page.links:
            target = _same_site(url, href)
            if target is None or target in seen:
                continue
            path = target.split("?")[0]
            if "?" in target:
                variants[path] = variants.get(path, 0) + 1
                if variants[path] > MAX_QUERY_VARIANTS:
                    continue
            if not path.startswith("/courses/"):  # every lecture's pages
                shape = re.sub(r"/\d+/", "/<id>/", path)
                shapes[shape] = shapes.get(shape, 0) + 1
                if shapes[shape] > MAX_RECORDS_PER_SHAPE:
                    continue
            seen.add(target)
            queue.append((target, url))
    return fetched, problems


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, seeded once for every role's crawl and rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(DEBUG=True):
            call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_demo_role_can_reach_opens_in_both_languages(demo, db, role):
    problems = []
    for language in LANGUAGES:
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        if ROLES[role]:
            client.force_login(User.objects.get(email=ROLES[role]))
        fetched, found = crawl(client)
        assert fetched > 5, f"{role}/{language}: the crawl found almost nothing"
        problems += [f"[{language}] {problem}" for problem in found]
    assert not problems, f"{role}: dead ends\n" + "\n".join(problems)


def test_the_demo_shows_withdrawal_and_a_rejoin_request_waiting_for_staff(demo, db):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(User.objects.get(email="withdrawn@example.com"))
    withdrawn_page = client.get("/courses/llm-demo/").content.decode()
    client.force_login(User.objects.get(email="staff@example.com"))
    requests = client.get("/staff/llm-demo/applications/?status=rejoin")

    assert 'href="/courses/llm-demo/rejoin/"' in withdrawn_page
    assert "Asked to rejoin (1)" in requests.content.decode()
    assert "Learner 300" in requests.content.decode()
