"""Every main page, for a visitor, a learner and staff, on the phones learners hold
(360, 390 and 414 px) and on a laptop: no page scrolls sideways, the header
stays one row, the competition's own submissions show status, score and
"Select as final" on screen, table headers and single words do not break
over lines, and homework question text flows as a sentence. Screenshots of
every page land in test-artifacts/ (the README's are copied from there)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from competitions.models import Entry
from competitions.tests.conftest import load_answers, make_competition
from courses.models import Enrollment
from journeys.tests.support import PHONE_WIDTHS, Visitor
from lms.tests.browser import ARTIFACTS, requires_chromium
from quizzes.homework.models import Question
from quizzes.homework.tests.factories import make_homework

pytestmark = [
    pytest.mark.browser,
    requires_chromium,
    pytest.mark.django_db(transaction=True),
]

LEARNER_PAGES = {
    "home": "/",
    "course": "/courses/llm/",
    "lecture": "/courses/llm/lectures/2/",
    "homework": "/courses/llm/lectures/2/homework/",
    "survey": "/courses/llm/lectures/2/survey/",
    "competition": "/courses/llm/competition/",
    "leaderboard": "/courses/llm/competition/leaderboard/",
    "progress": "/courses/llm/progress/",
    "profile": "/accounts/profile/",
}
VISITOR_PAGES = {
    "home": "/",
    "course": "/courses/llm/",
    "login": "/accounts/login/",
    "signup": "/accounts/signup/",
}
STAFF_PAGES = {
    "overview": "/staff/llm/",
    "applications": "/staff/llm/applications/",
    "announcements": "/staff/llm/announcements/",
    "surveys": "/staff/llm/surveys/",
    "survey": "/staff/llm/surveys/2/",
    "summaries": "/staff/llm/surveys/2/summaries/",
    "homework": "/staff/llm/homework/2/",
    "competition": "/staff/llm/competition/",
    "completion": "/staff/llm/completion/",
    "certificates": "/staff/llm/completion/certificates/",
}

HEADER_HEIGHT = """() => document.querySelector(".site-header .header-row")
  .getBoundingClientRect().height"""

# Table cells holding one short word (or a header) whose text runs over more
# than one line: the "Affiliation over four lines" problem.
BROKEN_WORDS = """() => [...document.querySelectorAll(".table th, .table td")]
  .filter(cell => {
    const text = cell.textContent.trim();
    if (!text || (cell.tagName === "TD" && (/\\s/.test(text) || text.length > 12)))
      return false;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    const tops = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const rects = [...range.getClientRects()].filter(r => r.width > 0);
      tops.push(...rects.map(r => r.top));
    }
    return tops.length && Math.max(...tops) - Math.min(...tops) > 8;
  })
  .map(cell => cell.textContent.trim())"""

# The question's first paragraph: its words, bold and code included, on one
# line when it is short.
QUESTION_LINE = """() => {
  const p = document.querySelector(".homework-form .question .prose p");
  const tops = [p.firstChild, p.querySelector("strong"), p.querySelector("code")]
    .map(node => {
      const range = document.createRange();
      range.selectNodeContents(node);
      return Math.round(range.getClientRects()[0].top);
    });
  return {display: getComputedStyle(p).display, tops};
}"""


@pytest.fixture
def scene(course, survey, learner, staff, user_factory):
    """Lecture 2 is this week's with a homework whose question has bold and
    code words; the learner has scored competition entries; applications
    with long affiliations wait for staff."""
    homework = make_homework(course.lectures.get(number=2), shuffle=False)
    Question.objects.filter(homework=homework, position=1).update(
        text="A **bold** and `code` word."
    )
    competition = make_competition(
        course, report_required=True, closes_at=timezone.now() + timedelta(days=5)
    )
    load_answers(competition)
    for n, score in enumerate([0.8125, 0.90625]):
        Entry.objects.create(
            competition=competition,
            user=learner,
            file=f"competitions/{competition.pk}/entries/{n}.csv",
            original_name=f"predictions-final-attempt-{n}.csv",
            status=Entry.Status.SCORED,
            public_score=score,
        )
    for n, (name, affiliation) in enumerate(
        [
            (
                "Alexandria Montgomery-Fitzgerald",
                "Massachusetts Institute of Technology",
            ),
            ("佐藤 一郎", "国立研究開発法人 産業技術総合研究所"),
        ]
    ):
        user = user_factory(
            email=f"applicant{n}.with.a.long.address@example.com",
            display_name=name,
            affiliation=affiliation,
        )
        Enrollment.objects.create(
            course=course, user=user, status=Enrollment.Status.APPLIED
        )
    return {"competition": competition}


def _walk(visitor: Visitor, role: str, pages: dict, device: str) -> None:
    page = visitor.page
    for name, path in pages.items():
        response = page.goto(visitor.base + path)
        assert response.ok, f"{path} answered {response.status}"
        page.wait_for_load_state()
        if visitor.phone:
            visitor.assert_fits_the_screen()
            assert page.evaluate(HEADER_HEIGHT) < 70, f"{path}: header over one row"
        broken = page.evaluate(BROKEN_WORDS)
        assert broken == [], f"{path} ({device}): words broken over lines: {broken}"
        visitor.shot(f"{role}-{name}-{device}")


@pytest.mark.parametrize("width", [*PHONE_WIDTHS, "laptop"])
def test_learner_and_staff_pages_fit_the_screen(
    browser, live_server, scene, learner, staff, width
):
    device = f"phone{width}" if width != "laptop" else "laptop"
    phone = width if width != "laptop" else False
    for user, role, pages, locale in [
        (None, "visitor", VISITOR_PAGES, "ja-JP"),
        (learner, "learner", LEARNER_PAGES, "en-US"),
        (staff, "staff", STAFF_PAGES, "ja-JP"),
    ]:
        me = Visitor(browser, live_server, user=user, phone=phone, locale=locale)
        _walk(me, role, pages, device)
        me.close()


@pytest.mark.parametrize("width", PHONE_WIDTHS)
def test_my_submissions_show_status_score_and_select_on_a_phone(
    browser, live_server, scene, learner, width
):
    me = Visitor(browser, live_server, user=learner, phone=width)
    page = me.page
    me.goto("/courses/llm/competition/")

    row = page.locator("#my-entries tbody tr").first
    for part in [
        row.locator(".badge"),
        row.get_by_text("0.90625"),
        row.get_by_role("button", name="Select as final"),
    ]:
        part.wait_for()
        box = part.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, part
    labels = row.evaluate(
        """tr => [...tr.cells].map(td => getComputedStyle(td, "::before").content)"""
    )
    assert '"Status"' in labels and '"Public score"' in labels  # each value labelled
    page.locator("#my-entries").scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"competition-entries-phone{width}.png"))
    me.close()


@pytest.mark.parametrize("phone", [360, False], ids=["phone", "laptop"])
def test_homework_question_text_flows_inline(
    browser, live_server, scene, learner, phone
):
    me = Visitor(browser, live_server, user=learner, phone=phone)
    me.goto("/courses/llm/lectures/2/homework/")

    line = me.page.evaluate(QUESTION_LINE)

    assert line["display"] == "block"
    assert max(line["tops"]) - min(line["tops"]) < 8, line  # one line
    me.close()


def test_a_long_name_keeps_the_header_to_one_row(browser, live_server, scene):
    user = User.objects.create_user(
        email="long@example.com",
        password="x-long-Passphrase-1",
        display_name="Maximilian Alexander von Hohenzollern-Sigmaringen",
    )
    me = Visitor(browser, live_server, user=user, phone=360, locale="ja-JP")
    me.goto("/")

    assert me.page.evaluate(HEADER_HEIGHT) < 70
    me.close()
