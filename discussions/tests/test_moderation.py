"""Staff moderation as people notice it: each action is refused to learners
(nothing changes, nothing is logged), writes one audit row, and changes
what learners see; reports reach the staff queue and are handled there."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from discussions import rules
from discussions.models import (
    Answer,
    Comment,
    ModerationLog,
    PostState,
    Question,
    Report,
    Topic,
)
from discussions.tests.conftest import make_answer, make_question, open_homework

pytestmark = pytest.mark.django_db


def moderate_url(question) -> str:
    return reverse("staff_question_moderate", args=[question.course.slug, question.pk])


def sees(user, question) -> bool:
    return (
        Question.objects.visible_to(user, question.course, timezone.now())
        .filter(pk=question.pk)
        .exists()
    )


def logged(action) -> int:
    return ModerationLog.objects.filter(action=action).count()


@pytest.fixture
def question(course, learner):
    lecture = course.lectures.get(number=1)
    return make_question(
        course, learner, topic=Topic.LECTURE, lecture=lecture, title="Why softmax?"
    )


# Who may moderate ------------------------------------------------------------

QUESTION_ACTIONS = ["pin", "lock", "hide", "delete", "faq", "make_public"]


@pytest.mark.parametrize("action", QUESTION_ACTIONS)
@pytest.mark.parametrize("who", ["learner", "classmate", "other_staff"])
def test_only_staff_of_the_course_moderate(
    client, request, course, question, action, who
):
    client.force_login(request.getfixturevalue(who))
    before = Question.objects.values().get(pk=question.pk)
    response = client.post(moderate_url(question), {"action": action, "confirmed": "1"})
    assert response.status_code == 403
    assert Question.objects.values().get(pk=question.pk) == before
    assert not ModerationLog.objects.exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(client, question):
    response = client.post(moderate_url(question), {"action": "pin"})
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert not Question.objects.get(pk=question.pk).pinned


def test_learners_see_no_moderation_buttons_only_a_report_link(
    client, classmate, staff, question
):
    client.force_login(classmate)
    page = client.get(question.get_absolute_url()).content.decode()
    assert moderate_url(question) not in page
    assert reverse("question_report", args=["llm", question.pk]) in page
    client.force_login(staff)
    page = client.get(question.get_absolute_url()).content.decode()
    assert moderate_url(question) in page


# Each action: logged once, and its effect --------------------------------------


def test_pinning_puts_a_question_first_for_learners(
    client, course, learner, classmate, staff, question
):
    make_question(course, learner, title="Popular", votes_count=50)
    client.force_login(staff)
    response = client.post(moderate_url(question), {"action": "pin"})
    assert response.status_code == 302
    listed = Question.objects.visible_to(classmate, course, timezone.now()).listed()
    assert list(listed.values_list("title", flat=True)) == [question.title, "Popular"]
    assert logged("pin") == 1
    client.post(moderate_url(question), {"action": "unpin"})
    assert Question.objects.get(pk=question.pk).pinned is False
    assert logged("unpin") == 1


def test_pinning_twice_changes_and_logs_it_once(client, staff, question):
    client.force_login(staff)
    client.post(moderate_url(question), {"action": "pin"})
    response = client.post(moderate_url(question), {"action": "pin"}, follow=True)
    assert b"Nothing changed: this was already done." in response.content
    assert logged("pin") == 1


def test_a_locked_question_takes_no_more_answers(client, classmate, staff, question):
    from discussions import services

    client.force_login(staff)
    client.post(moderate_url(question), {"action": "lock"})
    question.refresh_from_db()
    assert question.locked and not rules.may_reply(classmate, question)
    with pytest.raises(services.DiscussionError):
        services.answer_post(question=question, author=classmate, body="Late answer")
    assert not Answer.objects.exists()
    entry = ModerationLog.objects.get(action="lock")
    assert (entry.actor, entry.question, entry.course) == (
        staff,
        question,
        question.course,
    )


def test_hiding_asks_first_then_hides_from_learners_not_staff(
    client, classmate, staff, question
):
    client.force_login(staff)
    response = client.post(moderate_url(question), {"action": "hide"})
    assert response.status_code == 200
    assert b"Hide this post from learners?" in response.content
    assert sees(classmate, question)  # nothing happened yet
    response = client.post(
        moderate_url(question),
        {"action": "hide", "confirmed": "1", "note": "Off topic"},
    )
    assert response.status_code == 302
    assert not sees(classmate, question) and sees(staff, question)
    client.force_login(classmate)
    assert client.get(question.get_absolute_url()).status_code == 404
    entry = ModerationLog.objects.get(action="hide")
    assert entry.note == "Off topic"
    hidden = Question.objects.get(pk=question.pk)
    assert (hidden.moderated_by, hidden.state) == (staff, PostState.HIDDEN)


def test_a_deleted_question_is_gone_but_for_the_log_where_it_is_restored(
    client, course, classmate, staff, question
):
    client.force_login(staff)
    response = client.post(
        moderate_url(question),
        {"action": "delete", "confirmed": "1", "next": question.get_absolute_url()},
    )
    # its page is gone, so staff go back to the questions list
    assert response["Location"] == reverse("staff_questions", args=[course.slug])
    assert not sees(staff, question) and not sees(classmate, question)
    assert question.title not in client.get(response["Location"]).content.decode()
    log = client.get(reverse("staff_moderation_log", args=[course.slug]))
    assert question.title in log.content.decode()
    assert b'value="restore"' in log.content
    client.post(moderate_url(question), {"action": "restore"})
    assert sees(classmate, question)
    assert [e.action for e in ModerationLog.objects.order_by("id")] == [
        "delete",
        "restore",
    ]


def test_an_faq_question_shows_on_its_lecture_page(
    client, course, classmate, staff, question
):
    lecture_url = course.lectures.get(number=1).get_absolute_url()
    make_answer(question, staff, body="Because it normalises.", endorsed_by=staff,
                endorsed_at=timezone.now())  # fmt: skip
    client.force_login(classmate)
    assert "Why softmax?" not in client.get(lecture_url).content.decode()
    client.force_login(staff)
    client.post(moderate_url(question), {"action": "faq"})
    client.force_login(classmate)
    page = client.get(lecture_url).content.decode()
    assert "Frequently asked questions" in page
    assert "Why softmax?" in page and "Because it normalises." in page
    assert logged("faq") == 1


def test_the_faq_never_shows_a_guarded_or_hidden_question(
    client, course, learner, classmate, staff
):
    lecture = course.lectures.get(number=2)
    open_homework(lecture)
    guarded = make_question(
        course, learner, topic=Topic.HOMEWORK, lecture=lecture, title="Is Q2 (c)?",
        is_faq=True,
    )  # fmt: skip
    make_question(
        course, learner, topic=Topic.LECTURE, lecture=lecture, title="Hidden FAQ",
        is_faq=True, state=PostState.HIDDEN,
    )  # fmt: skip
    for person in (learner, classmate, staff):  # the author too: it is not public
        client.force_login(person)
        page = client.get(lecture.get_absolute_url()).content.decode()
        assert "Is Q2 (c)?" not in page and "Hidden FAQ" not in page
    Question.objects.filter(pk=guarded.pk).update(made_public_at=timezone.now())
    client.force_login(classmate)
    assert "Is Q2 (c)?" in client.get(lecture.get_absolute_url()).content.decode()


def test_making_a_guarded_question_public_lets_every_learner_read_it(
    client, course, learner, classmate, staff
):
    lecture = course.lectures.get(number=2)
    open_homework(lecture)
    guarded = make_question(course, learner, topic=Topic.HOMEWORK, lecture=lecture)
    assert not sees(classmate, guarded)
    client.force_login(staff)
    response = client.post(moderate_url(guarded), {"action": "make_public"})
    assert b"Make this question public?" in response.content  # asks first
    assert not sees(classmate, guarded)
    client.post(moderate_url(guarded), {"action": "make_public", "confirmed": "1"})
    assert sees(classmate, guarded)
    guarded.refresh_from_db()
    assert guarded.made_public_by == staff
    assert logged("make_public") == 1


def test_a_general_question_cannot_be_made_public_it_already_is(
    client, staff, question
):
    client.force_login(staff)
    response = client.post(
        moderate_url(question), {"action": "make_public", "confirmed": "1"}, follow=True
    )
    assert b"already is public" in response.content
    assert not ModerationLog.objects.exists()


def test_hiding_an_answer_takes_it_out_of_the_count_and_from_learners(
    client, course, classmate, staff, question
):
    answer = make_answer(question, classmate)
    client.force_login(staff)
    client.post(
        moderate_url(question),
        {"action": "hide", "answer": answer.pk, "confirmed": "1"},
    )
    question.refresh_from_db()
    assert question.answers_count == 0
    now = timezone.now()
    assert not Answer.objects.visible_to(classmate, course, now).exists()
    assert Answer.objects.visible_to(staff, course, now).exists()
    entry = ModerationLog.objects.get()
    assert (entry.action, entry.answer, entry.question) == ("hide", answer, question)
    client.post(moderate_url(question), {"action": "unhide", "answer": answer.pk})
    question.refresh_from_db()
    assert question.answers_count == 1


def test_deleting_a_comment_hides_it_from_everyone(
    client, course, classmate, staff, question
):
    comment = Comment.objects.create(question=question, author=classmate, body="+1")
    client.force_login(staff)
    client.post(
        moderate_url(question),
        {"action": "delete", "comment": comment.pk, "confirmed": "1"},
    )
    now = timezone.now()
    for person in (classmate, staff):
        assert not Comment.objects.visible_to(person, course, now).exists()
    assert ModerationLog.objects.get().comment == comment


def test_an_answer_cannot_be_pinned_and_a_foreign_answer_is_not_found(
    client, course, learner, classmate, staff, question
):
    answer = make_answer(question, classmate)
    other = make_question(course, learner, title="Another")
    client.force_login(staff)
    response = client.post(
        moderate_url(question), {"action": "pin", "answer": answer.pk}, follow=True
    )
    assert b"This action does not apply to this post." in response.content
    response = client.post(
        moderate_url(other), {"action": "hide", "answer": answer.pk, "confirmed": "1"}
    )
    assert response.status_code == 404
    assert Answer.objects.get(pk=answer.pk).state == PostState.VISIBLE
    assert not ModerationLog.objects.exists()


# Reports ---------------------------------------------------------------------


def test_a_learner_reports_an_answer_and_staff_hide_it_from_the_queue(
    client, course, learner, classmate, staff, question
):
    answer = make_answer(question, classmate, body="The answer to Q3 is (b).")
    report_url = reverse("question_report", args=[course.slug, question.pk])
    client.force_login(learner)
    page = client.get(f"{report_url}?answer={answer.pk}")
    assert page.status_code == 200
    assert "The answer to Q3 is (b)." in page.content.decode()
    response = client.post(report_url, {"answer": answer.pk, "reason": "  "})
    assert response.status_code == 400
    assert b"Say briefly what is wrong" in response.content
    assert not Report.objects.exists()
    response = client.post(report_url, {"answer": answer.pk, "reason": "Spoiler"})
    assert response.status_code == 302
    again = client.post(report_url, {"answer": answer.pk, "reason": "Spoiler!"})
    assert b"You already reported this post" in again.content
    report = Report.objects.get()
    assert (report.reporter, report.answer, report.reason) == (
        learner,
        answer,
        "Spoiler",
    )

    client.force_login(staff)
    queue_url = reverse("staff_question_reports", args=[course.slug])
    queue = client.get(queue_url).content.decode()
    assert "Spoiler" in queue and learner.name in queue
    client.post(
        moderate_url(question),
        {"action": "hide", "answer": answer.pk, "confirmed": "1", "next": queue_url},
    )
    assert Answer.objects.get(pk=answer.pk).state == PostState.HIDDEN
    report.refresh_from_db()
    assert report.resolved_by == staff  # hiding handled the report
    assert "No open reports" in client.get(queue_url).content.decode()


def test_staff_mark_a_report_handled_without_acting(
    client, course, learner, staff, question
):
    report = Report.objects.create(reporter=learner, question=question, reason="Rude")
    client.force_login(staff)
    url = reverse("staff_question_report_resolve", args=[course.slug, report.pk])
    response = client.post(url, follow=True)
    assert b"Report marked as handled." in response.content
    report.refresh_from_db()
    assert report.resolved_by == staff
    assert Question.objects.get(pk=question.pk).state == PostState.VISIBLE
    handled = client.get(
        reverse("staff_question_reports", args=[course.slug]) + "?handled=1"
    )
    assert "Rude" in handled.content.decode()


def test_learners_cannot_see_or_handle_reports(client, course, learner, question):
    report = Report.objects.create(reporter=learner, question=question, reason="Rude")
    client.force_login(learner)
    assert (
        client.get(reverse("staff_question_reports", args=[course.slug])).status_code
        == 403
    )
    url = reverse("staff_question_report_resolve", args=[course.slug, report.pk])
    assert client.post(url).status_code == 403
    report.refresh_from_db()
    assert report.resolved_at is None


def test_nobody_reports_a_question_they_cannot_see(client, course, learner, classmate):
    lecture = course.lectures.get(number=2)
    open_homework(lecture)
    guarded = make_question(course, learner, topic=Topic.HOMEWORK, lecture=lecture)
    client.force_login(classmate)
    url = reverse("question_report", args=[course.slug, guarded.pk])
    assert client.post(url, {"reason": "?"}).status_code == 404
    assert not Report.objects.exists()


def test_reports_of_another_course_are_not_in_this_queue(
    client, course, other_course, learner, other_staff, staff, question
):
    Report.objects.create(reporter=learner, question=question, reason="Rude")
    client.force_login(other_staff)
    page = client.get(reverse("staff_question_reports", args=[other_course.slug]))
    assert page.status_code == 200
    assert "Rude" not in page.content.decode()


def test_the_log_and_reports_pages_take_the_same_queries_for_2_or_40_posts(
    client, course, learner, classmate, staff
):
    client.force_login(staff)
    pages = [
        reverse("staff_moderation_log", args=[course.slug]),
        reverse("staff_question_reports", args=[course.slug]),
    ]

    def queries_for(count: int) -> list[int]:
        for n in range(count):
            question = make_question(course, learner, title=f"Q{n}")
            answer = make_answer(question, classmate)
            comment = Comment.objects.create(answer=answer, author=learner, body="!")
            for post in (
                {"question": question},
                {"answer": answer},
                {"comment": comment},
            ):
                Report.objects.create(reporter=classmate, reason="Rude", **post)
                ModerationLog.objects.create(
                    course=course, actor=staff, action="hide", question=question,
                    **({} if "question" in post else post),
                )  # fmt: skip
        counts = []
        for page in pages:
            client.get(page)  # the session and the bell's count are cached
            with CaptureQueriesContext(connection) as queries:
                assert client.get(page).status_code == 200
            counts.append(len(queries))
        return counts

    assert queries_for(2) == queries_for(14)


@pytest.mark.parametrize(
    ("action", "undo", "field", "done"),
    [
        ("pin", "unpin", "pinned", True),
        ("lock", "unlock", "locked", True),
        ("faq", "unfaq", "is_faq", True),
        ("hide", "unhide", "state", PostState.HIDDEN),
        ("delete", "restore", "state", PostState.DELETED),
    ],
)
def test_every_action_is_undone_and_both_are_in_the_log(
    client, course, staff, question, action, undo, field, done
):
    client.force_login(staff)
    before = getattr(question, field)
    client.post(moderate_url(question), {"action": action, "confirmed": "1"})
    assert getattr(Question.objects.get(pk=question.pk), field) == done
    client.post(moderate_url(question), {"action": undo, "confirmed": "1"})
    assert getattr(Question.objects.get(pk=question.pk), field) == before
    log = client.get(reverse("staff_moderation_log", args=[course.slug]))
    assert [e.action for e in ModerationLog.objects.order_by("id")] == [action, undo]
    labels = [str(ModerationLog.Action(a).label) for a in (action, undo)]
    assert all(label in log.content.decode() for label in labels)


@pytest.mark.parametrize("kind", ["answer", "comment"])
def test_a_learner_cannot_hide_an_answer_or_a_comment(
    client, course, learner, classmate, question, kind
):
    answer = make_answer(question, classmate)
    post = (
        answer
        if kind == "answer"
        else Comment.objects.create(answer=answer, author=classmate, body="!")
    )
    client.force_login(learner)
    response = client.post(
        moderate_url(question), {"action": "hide", kind: post.pk, "confirmed": "1"}
    )
    assert response.status_code == 403
    assert type(post).objects.get(pk=post.pk).state == PostState.VISIBLE
    assert not ModerationLog.objects.exists()


def test_the_lecture_page_leads_to_its_questions_and_the_ask_form_filed_under_it(
    client, course, classmate, question
):
    lecture = course.lectures.get(number=1)
    client.force_login(classmate)
    page = client.get(lecture.get_absolute_url()).content.decode()
    list_url = reverse("question_list", args=[course.slug]) + "?category=lecture-1"
    ask_url = reverse("question_ask", args=[course.slug]) + "?category=lecture-1"
    assert f'href="{list_url}"' in page and f'href="{ask_url}"' in page
    assert question.title in client.get(list_url).content.decode()
    ask = client.get(ask_url).content.decode()
    assert 'value="lecture-1" selected' in ask
    client.logout()  # a visitor who may not take part gets no link
    assert ask_url not in client.get(lecture.get_absolute_url()).content.decode()


def test_next_walks_the_whole_log_and_reports_once_each_newest_first(
    client, course, learner, classmate, staff
):
    question = make_question(course, learner, title="Paged")
    for n in range(55):
        Report.objects.create(reporter=classmate, question=question, reason=f"r{n}x")
        ModerationLog.objects.create(
            course=course, actor=staff, action="hide", question=question
        )
    client.force_login(staff)
    for name in ("staff_question_reports", "staff_moderation_log"):
        base = reverse(name, args=[course.slug])
        url, pages, reasons = base, [], []
        while url:
            page = client.get(url).content.decode()
            pages.append(page)
            reasons += re.findall(r"\br(\d+)x\b", page)
            found = re.search(r'<a href="(\?[^"]*after=[^"]+)">Next</a>', page)
            url = base + found[1].replace("&amp;", "&") if found else ""
        assert len(pages) == 2, name
        if name == "staff_question_reports":  # newest first, each once
            assert reasons == [str(n) for n in range(54, -1, -1)]
    # an edited cursor gives the first page, not an error
    assert client.get(base + "?after=99").status_code == 200
