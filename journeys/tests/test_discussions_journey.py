"""Course Q&A, end to end: a learner starts asking, sees a similar question
appear under the title as they type, posts their own; another learner answers;
staff endorse the answer; the asker marks it solved; a classmate who follows
the question finds the answer and the endorsement in their notifications.
On a 390 px phone in Japanese and on a laptop in English."""

import pytest

from conftest import _enroll
from courses.models import CourseRole
from discussions.models import Answer, Question
from discussions.tests.conftest import make_answer, make_question
from journeys.tests.support import Visitor
from lms.tests.browser import requires_chromium
from notifications.models import Kind, Notification

pytestmark = [
    pytest.mark.browser,
    requires_chromium,
    pytest.mark.django_db(transaction=True),
]

TEXTS = {
    "ja": {
        "existing": "勾配降下法の学習率はどう決めればいいですか",
        "existing_answer": "最初は 1e-3 から試して、損失の推移を見ます。",
        "title": "勾配降下法の学習率が大きすぎると発散しますか",
        "body": "演習ノートブックで学習率を 0.5 にすると損失が NaN になりました。",
        "answer": "学習率が大きすぎると更新が振動して発散します。0.01 以下に。",
        "search": "学習率",
    },
    "en": {
        "existing": "How do I choose the learning rate for gradient descent?",
        "existing_answer": "Start from 1e-3 and watch the loss curve.",
        "title": "Is my learning rate for gradient descent too high?",
        "body": "With a learning rate of 0.5 the notebook's loss becomes NaN.",
        "answer": "Too large a step makes the updates oscillate: try 0.01 or less.",
        "search": "gradient",
    },
}


@pytest.mark.parametrize(
    ("phone", "language"), [(390, "ja"), (False, "en")], ids=["phone-ja", "laptop-en"]
)
def test_a_learner_finds_a_similar_question_asks_and_is_answered_endorsed_solved(
    browser, live_server, course, user_factory, phone, language
):
    text = TEXTS[language]
    locale = {"ja": "ja-JP", "en": "en-US"}[language]
    people = {}
    for name, display in (
        ("asker", "山田 花子"), ("answerer", "佐藤 次郎"),
        ("follower", "鈴木 三郎"), ("earlier", "田中 一郎"),
    ):  # fmt: skip
        people[name] = user_factory(display_name=display)
        _enroll(people[name], course)
    staff = user_factory(display_name="TA 高橋")
    CourseRole.objects.create(course=course, user=staff, role=CourseRole.Role.STAFF)
    existing = make_question(course, people["earlier"], title=text["existing"])
    make_answer(existing, staff, body=text["existing_answer"])

    visitors = []

    def visitor(who, *, on_phone=False):
        seen = Visitor(
            browser, live_server, user=people.get(who, staff), locale=locale,
            phone=on_phone, name=who,
        )  # fmt: skip
        visitors.append(seen)
        return seen

    # 1. The asker searches first, then starts asking: the similar question
    #    shows under the title as they type.
    asker = visitor("asker", on_phone=phone)
    page = asker.page
    asker.goto(f"/courses/{course.slug}/questions/?q={text['search']}")
    assert page.locator(".question-row mark").first.inner_text() == text["search"]
    asker.shot(f"qa-search-{language}{'-phone' if phone else ''}")
    page.locator(f"a[href='/courses/{course.slug}/questions/ask/']").first.click()
    page.wait_for_url("**/questions/ask/")
    page.locator("#id_title").fill(text["title"])
    similar = page.locator("#similar-questions")
    similar.get_by_role("link", name=text["existing"]).wait_for()
    asker.audit()
    asker.shot(f"qa-ask-similar-{language}{'-phone' if phone else ''}")
    # Not quite their question: they ask their own.
    page.locator("#id_body").fill(text["body"])
    page.locator("form.ask-form button[type=submit]:not([name])").click()
    page.wait_for_url("**/questions/*/")
    question = Question.objects.get(title=text["title"])
    assert page.locator("h1").inner_text() == text["title"]
    asker.audit()

    # 2. A classmate follows the question.
    follower = visitor("follower")
    follower.goto(question.get_absolute_url())
    follower.page.locator("form.qa-follow button").click()
    follower.page.locator("form.qa-follow button[aria-pressed=true]").wait_for()

    # 3. Another learner answers.
    answerer = visitor("answerer")
    answerer.goto(question.get_absolute_url())
    answerer.page.locator("form.answer-form textarea").fill(text["answer"])
    answerer.page.locator("form.answer-form button[type=submit]").click()
    answerer.page.locator(".post.answer").get_by_text(text["answer"]).wait_for()
    answer = Answer.objects.get(question=question)

    # 4. Staff endorse it.
    ta = visitor("staff")
    ta.goto(question.get_absolute_url())
    endorse = f"/courses/{course.slug}/questions/answers/{answer.pk}/endorse/"
    ta.page.locator(f"form[action='{endorse}'] button").click()
    ta.page.locator(f"#answer-{answer.pk}.endorsed").wait_for()

    # 5. The asker marks it solved.
    asker.goto(question.get_absolute_url())
    answer_card = page.locator(f"#answer-{answer.pk}")
    assert "endorsed" in answer_card.get_attribute("class")
    solve = f"/courses/{course.slug}/questions/{question.pk}/solve/"
    answer_card.locator(f"form[action='{solve}'] button").click()
    page.locator(f"#answer-{answer.pk}.solved").wait_for()
    question.refresh_from_db()
    assert question.solved_answer_id == answer.pk
    asker.shot(f"qa-solved-{language}{'-phone' if phone else ''}")
    asker.audit()

    # 6. The follower (and the asker, who follows their own question) were
    #    told of the answer; the follower also of the endorsement.
    told = set(
        Notification.objects.filter(
            kind=Kind.QUESTION_ANSWERED, url__contains=f"/questions/{question.pk}/"
        ).values_list("recipient__display_name", flat=True)
    )
    assert told == {"山田 花子", "鈴木 三郎"}
    follower.goto("/")
    assert follower.page.locator(".bell-count").count() == 1
    follower.goto("/notifications/")
    main = follower.page.locator("main").inner_text()
    assert main.count(text["title"]) == 2  # the answer and the endorsement
    follower.shot(f"qa-notified-{language}")
    follower.page.locator(".notification button[name=open]").last.click()
    follower.page.wait_for_url(f"**/questions/{question.pk}/**")
    assert text["answer"] in follower.page.locator("main").inner_text()

    for seen in visitors:
        seen.assert_accessible()
        seen.close()
