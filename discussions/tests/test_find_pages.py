"""The pages around finding questions: search on the list, similar questions
on the ask page (htmx and without JavaScript) and the staff merge page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from discussions.models import ModerationLog, Question, Topic
from discussions.tests.conftest import make_answer, make_question, open_homework

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def list_url(course):
    return reverse("question_list", args=[course.slug])


def test_a_search_lists_the_matches_with_the_words_marked(
    client, course, learner, classmate
):
    make_question(course, learner, title="勾配降下法の学習率", body="発散します")
    make_question(course, learner, title="提出形式", body="CSVの列は？")
    client.force_login(classmate)
    page = client.get(list_url(course), {"q": "学習率"}).content.decode()
    assert "勾配降下法の<mark>学習率</mark>" in page
    assert "提出形式" not in page


def test_a_search_that_finds_nothing_offers_to_ask_it(client, course, classmate):
    client.force_login(classmate)
    page = client.get(list_url(course), {"q": "Adamの学習率"}).content.decode()
    assert "No question matches “Adamの学習率”." in page
    assert "questions/ask/?title=Adam%E3%81%AE" in page


def test_hostile_search_text_is_inert_and_cut(client, course, learner, classmate):
    make_question(course, learner, title="<b>bold</b> question")
    client.force_login(classmate)
    response = client.get(list_url(course), {"q": "<script>alert(1)</script>" * 50})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>alert(1)" not in page
    assert (
        client.get(list_url(course), {"q": "<b>"})
        .content.decode()
        .count("<mark>&lt;b&gt;</mark>")
        == 1
    )


def test_search_costs_no_more_queries_than_the_list(client, course, learner, classmate):
    for n in range(5):
        question = make_question(course, learner, title=f"Loss question {n}")
        make_answer(question, classmate, body="Lower the learning rate.")
    client.force_login(classmate)
    client.get(list_url(course))
    with CaptureQueriesContext(connection) as listed:
        client.get(list_url(course))
    with CaptureQueriesContext(connection) as searched:
        page = client.get(list_url(course), {"q": "learning rate"})
    assert page.content.decode().count('class="question-row') == 5
    assert len(searched) == len(listed)


def test_typing_a_title_shows_similar_questions_but_never_a_guarded_one(
    client, course, learner, classmate
):
    make_question(course, learner, title="勾配降下法の学習率はどう決めればいいですか")
    lecture = course.lectures.get(number=2)
    open_homework(lecture)
    make_question(
        course, learner, topic=Topic.HOMEWORK, lecture=lecture,
        title="勾配降下法の学習率は宿題の問3で0.1ですか",
    )  # fmt: skip
    client.force_login(classmate)
    url = reverse("question_similar", args=[course.slug])
    fragment = client.get(
        url, {"title": "勾配降下法の学習率が分かりません"}, headers=HTMX
    ).content.decode()
    assert "勾配降下法の学習率はどう決めればいいですか" in fragment
    assert "問3" not in fragment
    assert 'id="similar-questions"' in fragment
    assert "<html" not in fragment
    # Without htmx the address leads to the ask page with the title.
    plain = client.get(url, {"title": "勾配降下法"})
    assert plain.status_code == 302
    assert "ask/?title=" in plain["Location"]


def test_without_javascript_the_button_finds_similar_questions_and_posts_nothing(
    client, course, learner, classmate
):
    make_question(course, learner, title="How do I choose the learning rate for Adam?")
    client.force_login(classmate)
    url = reverse("question_ask", args=[course.slug])
    response = client.post(
        url,
        {
            "action": "similar",
            "category": "general",
            "title": "choosing a learning rate",
            "body": "My draft stays.",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "How do I choose the learning rate for Adam?" in page
    assert "My draft stays." in page
    assert Question.objects.count() == 1


def test_staff_merge_a_duplicate_after_a_confirmation(
    client, course, learner, classmate, staff
):
    original = make_question(course, learner, title="How is the final grade computed?")
    duplicate = make_question(course, classmate, title="How is the grade computed?")
    make_answer(duplicate, staff, body="See the progress page.")
    client.force_login(staff)
    url = reverse("staff_question_merge", args=[course.slug, duplicate.pk])
    picker = client.get(url).content.decode()
    assert f'value="{original.pk}"' in picker  # offered as a similar question
    confirm = client.get(url, {"into": [str(original.pk), ""]}).content.decode()
    assert "Moves 1 answer(s), 0 vote(s) and 0 follower(s)" in confirm
    assert not ModerationLog.objects.exists()
    done = client.post(url, {"into": original.pk})
    assert done["Location"] == original.get_absolute_url()
    duplicate.refresh_from_db()
    assert duplicate.merged_into == original
    # The duplicate's address leads to the original, for learners too.
    client.force_login(classmate)
    assert client.get(duplicate.get_absolute_url())["Location"].endswith(
        original.get_absolute_url()
    )


def test_a_refused_merge_says_why_and_changes_nothing(client, course, learner, staff):
    duplicate = make_question(course, learner, title="Duplicate")
    client.force_login(staff)
    url = reverse("staff_question_merge", args=[course.slug, duplicate.pk])
    for into, message in (
        (duplicate.pk, "cannot be merged into itself"),
        (99999, "There is no question #99999"),
    ):
        response = client.post(url, {"into": into})
        assert response.status_code == 400
        assert message in response.content.decode()
    assert Question.objects.get().merged_into is None


def test_learners_may_not_merge(client, course, learner, classmate):
    duplicate = make_question(course, learner, title="Duplicate")
    original = make_question(course, learner, title="Original")
    client.force_login(classmate)
    url = reverse("staff_question_merge", args=[course.slug, duplicate.pk])
    assert client.post(url, {"into": original.pk}).status_code == 403
    assert Question.objects.get(pk=duplicate.pk).merged_into is None
