"""The Q&A pages as people use them: who may open each page and post, what
each sees, and that a guarded question never leaks to other learners."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from conftest import PASSWORD
from discussions.models import Answer, Attachment, Comment, Question, Topic, Vote
from discussions.tests.conftest import make_answer, make_question, open_homework

pytestmark = pytest.mark.django_db

GUARDED_TITLE = "Is the answer to Q3 (c)? SECRET-TITLE"
GUARDED_BODY = "I picked (c) because SECRET-BODY"


def login(client, user):
    client.login(email=user.email, password=PASSWORD)
    return client


def list_url(course, **query):
    url = reverse("question_list", args=[course.slug])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def png(name="plot.png", size=(4, 4)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def guarded(course, learner):
    """A question about this week's open homework, by `learner`."""
    lecture = course.lectures.get(number=2)
    open_homework(lecture)
    return make_question(
        course,
        learner,
        topic=Topic.HOMEWORK,
        lecture=lecture,
        title=GUARDED_TITLE,
        body=GUARDED_BODY,
    )


# Who may open the pages ---------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_sign_in(client, course, learner):
    question = make_question(course, learner)
    for url in (
        list_url(course),
        reverse("question_ask", args=[course.slug]),
        question.get_absolute_url(),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_people_outside_the_course_get_the_not_enrolled_page(
    client, course, learner, applicant, other_learner, other_staff
):
    question = make_question(course, learner, title="Where are the slides?")
    for outsider in (applicant, other_learner, other_staff):
        login(client, outsider)
        for url in (
            list_url(course),
            reverse("question_ask", args=[course.slug]),
            question.get_absolute_url(),
        ):
            response = client.get(url)
            assert response.status_code == 403
            assert b"Where are the slides?" not in response.content
        response = client.post(
            reverse("question_answer", args=[course.slug, question.pk]),
            {"body": "sneaky"},
        )
        assert response.status_code == 403
        client.logout()
    assert not Answer.objects.exists()


def test_learners_and_staff_read_the_list(client, course, learner, classmate, staff):
    make_question(course, learner, title="Where are the slides?")
    for user in (learner, classmate, staff):
        response = login(client, user).get(list_url(course))
        assert response.status_code == 200
        assert "Where are the slides?" in response.content.decode()


def test_the_course_nav_links_to_the_questions(client, course, learner):
    response = login(client, learner).get(course.get_absolute_url())
    assert list_url(course) in response.content.decode()


# The spoiler guard on every page -------------------------------------------


def test_a_guarded_question_never_reaches_another_learner(
    client, course, learner, classmate, guarded
):
    answer = make_answer(guarded, learner, body="Self-answer SECRET-ANSWER")
    attachment = Attachment.objects.create(
        question=guarded,
        uploaded_by=learner,
        file=png(),
        content_type="image/png",
        size=10,
    )
    login(client, classmate)
    pages = [
        list_url(course),
        list_url(course, category="homework-2"),
        list_url(course, sort="new"),
        list_url(course, unanswered="1"),
    ]
    for url in pages:
        body = client.get(url).content.decode()
        assert "SECRET" not in body
        assert "Lecture 2: Homework (1)" not in body
        assert "All (0)" in body
        fragment = client.get(
            url,
            {"after": "1.99.999999"},
            headers={"HX-Request": "true", "HX-Target": "more"},
        ).content.decode()
        assert "SECRET" not in fragment
    assert client.get(guarded.get_absolute_url()).status_code == 404
    url = reverse("discussion_attachment", args=[course.slug, attachment.pk])
    assert client.get(url).status_code == 404
    for name, data in (
        ("question_answer", {"body": "me too"}),
        ("question_comment", {"body": "me too"}),
        ("question_vote", {"vote": "1"}),
        ("question_solve", {"answer": answer.pk}),
    ):
        url = reverse(name, args=[course.slug, guarded.pk])
        assert client.post(url, data).status_code == 404
    assert Answer.objects.count() == 1
    assert not Comment.objects.exists()
    assert not Vote.objects.exists()


def test_the_asker_and_staff_see_a_guarded_question_with_a_notice(
    client, course, learner, staff, guarded
):
    for user in (learner, staff):
        login(client, user)
        listing = client.get(list_url(course)).content.decode()
        assert GUARDED_TITLE in listing
        assert '<span class="category">Lecture 2: Homework</span>' in listing
        response = client.get(guarded.get_absolute_url())
        assert response.status_code == 200
        body = response.content.decode()
        assert GUARDED_BODY in body
        assert '?category=homework-2">Lecture 2: Homework</a>' in body
        assert 'id="spoiler-notice"' in body
        client.logout()


def test_after_the_reveal_the_question_is_everyones(
    client, course, classmate, guarded, settings
):
    homework = guarded.lecture.homework
    homework.reveal_at = timezone.now() - timedelta(minutes=1)
    homework.due_at = timezone.now() - timedelta(hours=1)
    homework.save()
    login(client, classmate)
    assert GUARDED_TITLE in client.get(list_url(course)).content.decode()
    body = client.get(guarded.get_absolute_url()).content.decode()
    assert GUARDED_BODY in body
    assert 'id="spoiler-notice"' not in body


def test_the_ask_page_tells_the_author_before_posting(client, course, learner):
    open_homework(course.lectures.get(number=2))
    body = login(client, learner).get(reverse("question_ask", args=[course.slug]))
    text = body.content.decode()
    assert 'id="spoiler-notice"' in text
    assert "Right now this applies to:" in text
    assert "<li>Lecture 2: Homework</li>" in text
    assert "Lecture 2: Homework — only you and staff see it for now" in text


# Asking -------------------------------------------------------------------


def test_a_learner_asks_and_lands_on_the_question(client, course, learner):
    open_homework(course.lectures.get(number=2))
    response = login(client, learner).post(
        reverse("question_ask", args=[course.slug]),
        {
            "category": "homework-2",
            "title": "アテンションのマスクは何をしますか？",
            "body": "`mask` の意味がわかりません。",
            "anonymous": "on",
            "images": [png()],
        },
    )
    question = Question.objects.get()
    assert response.status_code == 302
    assert response["Location"] == question.get_absolute_url()
    assert question.topic == Topic.HOMEWORK
    assert question.lecture.number == 2
    assert question.anonymous
    assert question.attachments.count() == 1
    page = client.get(question.get_absolute_url()).content.decode()
    assert "アテンションのマスクは何をしますか？" in page
    assert "Hanako Learner (anonymous to learners)" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"category": "general", "title": "", "body": "x"}, "This field is required"),
        (
            {"category": "general", "title": "Long body", "body": "x" * 20_001},
            "at most 20000 characters",
        ),
        ({"category": "lecture-99", "title": "No such lecture", "body": "x"}, "valid"),
        ({"category": "nonsense", "title": "Bad category", "body": "x"}, "valid"),
    ],
)
def test_bad_input_on_the_ask_page_changes_nothing(
    client, course, learner, data, message
):
    response = login(client, learner).post(
        reverse("question_ask", args=[course.slug]), data
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Question.objects.exists()


def test_images_are_checked_before_anything_is_saved(client, course, learner):
    login(client, learner)
    url = reverse("question_ask", args=[course.slug])
    data = {"category": "general", "title": "A plot", "body": "See the image."}
    fake = SimpleUploadedFile("plot.png", b"not an image", content_type="image/png")
    big = png("big.png")
    big.size = 3 * 1024 * 1024
    cases = [
        ([fake], "plot.png is not a PNG, JPEG, GIF or WebP image."),
        ([png(f"p{i}.png") for i in range(5)], "Attach at most 4 images"),
    ]
    for images, message in cases:
        response = client.post(url, data | {"images": images})
        assert response.status_code == 400
        assert message in response.content.decode()
    assert not Question.objects.exists()
    assert not Attachment.objects.exists()


def test_an_image_is_served_to_those_who_see_the_post(
    client, course, learner, classmate, applicant
):
    login(client, learner).post(
        reverse("question_ask", args=[course.slug]),
        {"category": "general", "title": "A plot", "body": "See.", "images": [png()]},
    )
    attachment = Attachment.objects.get()
    url = reverse("discussion_attachment", args=[course.slug, attachment.pk])
    response = login(client, classmate).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert login(client, applicant).get(url).status_code == 403


# Answering, commenting, voting, endorsing, solving --------------------------


def test_another_learner_answers_and_comments(client, course, learner, classmate):
    question = make_question(course, learner)
    login(client, classmate)
    response = client.post(
        reverse("question_answer", args=[course.slug, question.pk]),
        {"body": "It hides **future** tokens."},
    )
    answer = Answer.objects.get()
    assert response["Location"].endswith(f"#answer-{answer.pk}")
    client.post(
        reverse("question_comment", args=[course.slug, question.pk]),
        {"body": "Which layer?", "answer": answer.pk},
    )
    client.post(
        reverse("question_comment", args=[course.slug, question.pk]),
        {"body": "Good question"},
    )
    question.refresh_from_db()
    assert question.answers_count == 1
    response = client.post(
        reverse("question_comment", args=[course.slug, question.pk]),
        {"body": ""},
        follow=True,
    )
    assert "Write a comment (at most 20,000 characters)." in response.content.decode()
    assert Comment.objects.count() == 2
    page = client.get(question.get_absolute_url()).content.decode()
    assert "<strong>future</strong>" in page
    assert "Which layer?" in page
    assert "Good question" in page


def test_a_locked_question_takes_no_new_posts(client, course, learner, classmate):
    question = make_question(course, learner, locked=True)
    login(client, classmate)
    page = client.get(question.get_absolute_url()).content.decode()
    assert "This question is locked" in page
    response = client.post(
        reverse("question_answer", args=[course.slug, question.pk]), {"body": "hi"}
    )
    assert response.status_code == 400
    assert "This question is locked" in response.content.decode()
    assert not Answer.objects.exists()


def test_voting_orders_the_list_and_twice_counts_once(
    client, course, learner, classmate, staff
):
    first = make_question(course, learner, title="Older question")
    make_question(course, learner, title="Newer question")
    login(client, classmate)
    url = reverse("question_vote", args=[course.slug, first.pk])
    client.post(url, {"vote": "1"})
    response = client.post(url, {"vote": "1"}, headers={"HX-Request": "true"})
    assert 'aria-pressed="true"' in response.content.decode()
    assert "<html" not in response.content.decode()
    first.refresh_from_db()
    assert first.votes_count == 1
    body = client.get(list_url(course)).content.decode()
    assert body.index("Older question") < body.index("Newer question")
    client.post(url, {"vote": "0"})
    first.refresh_from_db()
    assert first.votes_count == 0


def test_the_asker_cannot_vote_for_their_own_question(client, course, learner):
    question = make_question(course, learner)
    login(client, learner)
    response = client.post(
        reverse("question_vote", args=[course.slug, question.pk]),
        {"vote": "1"},
        headers={"HX-Request": "true"},
    )
    assert response["HX-Redirect"] == question.get_absolute_url()
    response = client.post(
        reverse("question_vote", args=[course.slug, question.pk]),
        {"vote": "1"},
        follow=True,
    )
    assert "counts as yours already" in response.content.decode()
    assert not Vote.objects.exists()


def test_staff_endorse_and_the_endorsed_answer_comes_first(
    client, course, learner, classmate, staff
):
    question = make_question(course, learner)
    make_answer(question, classmate, body="First try")
    best = make_answer(question, classmate, body="The best answer")
    login(client, learner)
    client.post(reverse("answer_endorse", args=[course.slug, best.pk]))
    best.refresh_from_db()
    assert best.endorsed_at is None  # a learner cannot
    login(client, staff).post(reverse("answer_endorse", args=[course.slug, best.pk]))
    best.refresh_from_db()
    question.refresh_from_db()
    assert best.endorsed_by == staff
    assert question.has_endorsed
    page = login(client, classmate).get(question.get_absolute_url())
    body = page.content.decode()
    assert body.index("The best answer") < body.index("First try")
    assert "Endorsed by staff" in body


def test_the_asker_marks_an_answer_as_solving(client, course, learner, classmate):
    question = make_question(course, learner)
    answer = make_answer(question, classmate)
    url = reverse("question_solve", args=[course.slug, question.pk])
    login(client, classmate).post(url, {"answer": answer.pk})
    question.refresh_from_db()
    assert question.solved_answer is None
    login(client, learner).post(url, {"answer": answer.pk})
    question.refresh_from_db()
    assert question.solved_answer == answer
    assert "Solved" in client.get(list_url(course)).content.decode()


# Anonymity ----------------------------------------------------------------


def test_an_anonymous_question_hides_the_name_from_other_learners_only(
    client, course, learner, classmate, staff
):
    question = make_question(course, learner, anonymous=True, title="Shy question")
    make_answer(question, classmate, anonymous=True, body="Shy answer")
    for url in (list_url(course), question.get_absolute_url()):
        body = login(client, classmate).get(url).content.decode()
        assert "Hanako Learner" not in body
        assert "Anonymous learner" in body
        staff_body = login(client, staff).get(url).content.decode()
        assert "Hanako Learner (anonymous to learners)" in staff_body
    staff_page = client.get(question.get_absolute_url()).content.decode()
    assert "Jiro Classmate (anonymous to learners)" in staff_page


# Merged, hidden ------------------------------------------------------------


def test_a_merged_question_redirects_to_its_original(client, course, learner):
    original = make_question(course, learner, title="Original")
    duplicate = make_question(course, learner, merged_into=original)
    response = login(client, learner).get(duplicate.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == original.get_absolute_url()


def test_a_hidden_answer_is_for_staff_only(client, course, learner, classmate, staff):
    question = make_question(course, learner)
    make_answer(question, classmate, body="Rude answer", state="hidden")
    assert "Rude answer" not in (
        login(client, learner).get(question.get_absolute_url()).content.decode()
    )
    assert "Rude answer" in (
        login(client, staff).get(question.get_absolute_url()).content.decode()
    )


# Size: keyset pages and a constant number of queries -----------------------


def test_the_list_pages_by_keyset_without_repeats(client, course, learner, classmate):
    for n in range(35):
        make_question(course, learner, title=f"Question number {n:02d}")
    login(client, classmate)
    first = client.get(list_url(course))
    assert first.context["next_url"]
    seen = [q.pk for q in first.context["questions"]]
    second = client.get(
        first.context["next_url"], headers={"HX-Request": "true", "HX-Target": "more"}
    )
    assert "<html" not in second.content.decode()
    seen += [q.pk for q in second.context["questions"]]
    assert len(seen) == len(set(seen)) == 35
    assert second.context["next_url"] is None


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_and_a_question_page_cost_the_same_queries_at_any_size(
    client, course, learner, classmate, staff
):
    question = make_question(course, learner, anonymous=True)
    make_answer(question, classmate)
    for user in (classmate, staff):
        login(client, user)
        client.get(list_url(course))  # the session's first request loads more
        small_list = _queries(client, list_url(course))
        small_page = _queries(client, question.get_absolute_url())
        for n in range(12):
            other = make_question(course, classmate, title=f"More {n}")
            answer = make_answer(question, classmate, anonymous=bool(n % 2))
            Comment.objects.create(answer=answer, author=learner, body="thanks")
            Comment.objects.create(question=other, author=learner, body="same")
            Attachment.objects.create(
                answer=answer, uploaded_by=classmate, file=png(), content_type="x"
            )
        assert _queries(client, list_url(course)) == small_list
        assert _queries(client, question.get_absolute_url()) == small_page


def test_the_pages_read_in_japanese(client, course, learner, classmate):
    question = make_question(course, learner, anonymous=True, title="勾配消失とは？")
    open_homework(course.lectures.get(number=2))
    login(client, classmate)
    client.cookies["django_language"] = "ja"
    ask = client.get(reverse("question_ask", args=[course.slug])).content.decode()
    assert "ネタバレ防止" in ask
    assert "第2回：宿題 — 当面はあなたと運営スタッフだけが見られます" in ask
    listing = client.get(list_url(course)).content.decode()
    assert "勾配消失とは？" in listing
    assert "匿名の受講生" in listing
    page = client.get(question.get_absolute_url()).content.decode()
    assert "同じ疑問があります" in page


def test_a_superuser_can_repair_posts_in_the_admin(
    client, course, learner, user_factory
):
    question = make_question(course, learner)
    make_answer(question, learner)
    client.force_login(user_factory(is_staff=True, is_superuser=True))
    for name in ("question", "answer", "moderationlog"):
        url = reverse(f"admin:discussions_{name}_changelist")
        assert client.get(url).status_code == 200
    url = reverse("admin:discussions_question_change", args=[question.pk])
    assert client.get(url).status_code == 200


def test_a_staff_answer_is_marked_and_staff_do_not_vote(
    client, course, learner, classmate, staff
):
    question = make_question(course, learner)
    make_answer(question, staff, body="From the teaching team")
    make_answer(question, classmate, body="From a classmate")
    body = login(client, learner).get(question.get_absolute_url()).content.decode()
    assert body.count('<span class="badge">Staff</span>') == 1
    response = login(client, staff).post(
        reverse("question_vote", args=[course.slug, question.pk]), {"vote": "1"}
    )
    assert response.status_code == 302
    assert not Vote.objects.exists()
