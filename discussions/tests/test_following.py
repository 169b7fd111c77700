"""Following questions and categories, and who hears of new answers,
endorsements and questions: only followers who may see the question, each
once, from a task run after the commit."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from competitions.tests.conftest import make_competition
from conftest import _enroll
from courses.models import Extension
from discussions import following
from discussions.models import Follow, PostState, Question, Topic
from discussions.tests.conftest import make_answer, make_question, open_homework
from notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db


def told(kind=None):
    rows = Notification.objects.all()
    if kind:
        rows = rows.filter(kind=kind)
    return sorted(rows.values_list("recipient__email", flat=True))


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


# The set of readers is the visibility rule --------------------------------


def test_the_readers_of_a_question_are_exactly_those_visible_to_admits(
    course, learner, classmate, staff, applicant, other_learner, user_factory
):
    """`question_readers` asks `visible_to` for everyone at once: compare
    the two for every kind of person and question, extensions included."""
    lecture = course.lectures.get(number=2)
    homework = open_homework(lecture)
    extended = user_factory(email="extended@example.com")
    _enroll(extended, course)
    Extension.objects.create(
        course=course,
        user=extended,
        scope=Extension.Scope.HOMEWORK,
        lecture=lecture,
        extra_time=timedelta(days=3),
        reason="illness",
        granted_by=staff,
    )
    questions = [
        make_question(course, learner, title="general"),
        make_question(course, learner, topic=Topic.HOMEWORK, lecture=lecture),
        make_question(course, learner, title="hidden", state=PostState.HIDDEN),
        make_question(course, learner, title="deleted", state=PostState.DELETED),
    ]
    people = [learner, classmate, staff, applicant, other_learner, extended]
    for now in (timezone.now(), homework.reveal_at + timedelta(hours=1)):
        for question in questions:
            readers = set(following.question_readers(question, now))
            for person in people:
                sees = (
                    Question.objects.visible_to(person, course, now)
                    .filter(pk=question.pk)
                    .exists()
                )
                assert (person in readers) == sees, (question.title, person, now)
    # after the reveal the extended learner (still answering) still may not
    after = homework.reveal_at + timedelta(hours=1)
    readers = set(following.question_readers(questions[1], after))
    assert classmate in readers and extended not in readers


# Following and unfollowing ---------------------------------------------------


def test_following_a_question_twice_is_one_follow_and_unfollow_removes_it(
    course, learner, classmate
):
    question = make_question(course, learner)
    assert following.question_follow(user=classmate, question=question)
    assert not following.question_follow(user=classmate, question=question)
    assert Follow.objects.filter(user=classmate, question=question).count() == 1
    assert following.question_unfollow(user=classmate, question=question)
    assert not following.follows_question(user=classmate, question=question)


def test_a_lecture_category_needs_its_lecture(course, learner):
    with pytest.raises(following.FollowError):
        following.category_follow(user=learner, course=course, topic=Topic.HOMEWORK)
    lecture = course.lectures.get(number=1)
    assert following.category_follow(
        user=learner, course=course, topic=Topic.HOMEWORK, lecture=lecture
    )
    assert not following.category_follow(
        user=learner, course=course, topic=Topic.HOMEWORK, lecture=lecture
    )
    assert following.category_follow(user=learner, course=course, topic=Topic.GENERAL)


def test_a_learner_follows_and_unfollows_a_question_from_its_page(
    client, course, learner, classmate
):
    question = make_question(course, learner)
    client.force_login(classmate)
    url = reverse("question_follow", args=[course.slug, question.pk])
    response = client.post(url, {"follow": "1"})
    assert response.status_code == 302
    assert following.follows_question(user=classmate, question=question)
    response = client.post(url, {"follow": "0"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"Follow" in response.content
    assert not following.follows_question(user=classmate, question=question)


def test_nobody_follows_a_question_they_cannot_see(client, course, learner, classmate):
    lecture = course.lectures.get(number=2)
    open_homework(lecture)
    guarded = make_question(course, learner, topic=Topic.HOMEWORK, lecture=lecture)
    client.force_login(classmate)
    url = reverse("question_follow", args=[course.slug, guarded.pk])
    assert client.post(url, {"follow": "1"}).status_code == 404
    assert not Follow.objects.filter(user=classmate).exists()


def test_a_learner_follows_a_category_from_the_list(client, course, learner):
    client.force_login(learner)
    url = reverse("question_category_follow", args=[course.slug])
    response = client.post(url, {"category": "homework-2", "follow": "1"})
    assert response.status_code == 302
    follow = Follow.objects.get(user=learner)
    assert (follow.topic, follow.lecture.number) == (Topic.HOMEWORK, 2)
    client.post(url, {"category": "homework-2", "follow": "0"})
    assert not Follow.objects.filter(user=learner).exists()


def test_a_bad_category_is_refused_and_changes_nothing(client, course, learner):
    client.force_login(learner)
    url = reverse("question_category_follow", args=[course.slug])
    for bad in ("homework", "homework-99", "nonsense", "lecture-x"):
        response = client.post(url, {"category": bad, "follow": "1"})
        assert response.status_code == 400, bad
    assert not Follow.objects.exists()


# Telling followers -----------------------------------------------------------


def test_a_new_answer_reaches_followers_once_never_its_author(
    course, learner, classmate, staff, committed, mailoutbox
):
    question = make_question(course, learner)
    following.question_follow(user=learner, question=question)
    following.category_follow(user=staff, course=course, topic=Topic.GENERAL)
    answer = make_answer(question, classmate)
    following.question_follow(user=classmate, question=question)
    with committed():
        from discussions import tasks

        tasks.answer_posted_notify.delay(answer_id=answer.pk)
        tasks.answer_posted_notify.delay(answer_id=answer.pk)  # redelivered
    assert told(Kind.QUESTION_ANSWERED) == [learner.email, staff.email]
    note = Notification.objects.get(recipient=learner)
    assert note.url == answer.get_absolute_url()
    assert note.text == ("New answer to “What does the attention mask do?” (General)")
    # the answer is emailed at once by default (one email each)
    assert sorted(m.to[0] for m in mailoutbox) == [learner.email, staff.email]


def test_a_hidden_answer_tells_nobody(course, learner, classmate):
    question = make_question(course, learner)
    following.question_follow(user=learner, question=question)
    answer = make_answer(question, classmate, state=PostState.HIDDEN)
    assert following.answer_posted_notify(answer_id=answer.pk) == 0
    assert told() == []


def test_an_endorsement_reaches_followers_and_the_answers_author(
    course, learner, classmate, staff
):
    question = make_question(course, learner)
    following.question_follow(user=learner, question=question)
    answer = make_answer(question, classmate)
    answer.endorsed_by, answer.endorsed_at = staff, timezone.now()
    answer.save()
    following.answer_endorsed_notify(answer_id=answer.pk)
    assert told(Kind.ANSWER_ENDORSED) == [classmate.email, learner.email]


def test_a_follower_who_cannot_see_a_guarded_question_hears_nothing_until_it_is_public(
    course, learner, classmate, staff, committed
):
    lecture = course.lectures.get(number=2)
    open_homework(lecture)
    for person in (classmate, staff):
        following.category_follow(
            user=person, course=course, topic=Topic.HOMEWORK, lecture=lecture
        )
    question = make_question(course, learner, topic=Topic.HOMEWORK, lecture=lecture)
    following.question_posted_notify(question_id=question.pk)
    answer = make_answer(question, staff)
    following.answer_posted_notify(answer_id=answer.pk)
    assert told(Kind.QUESTION_POSTED) == [staff.email]
    assert told(Kind.QUESTION_ANSWERED) == []  # staff wrote it; classmate may not see
    assert not Notification.objects.filter(recipient=classmate).exists()

    from discussions import moderation

    with committed():
        moderation.post_moderate(
            course=course,
            actor=staff,
            target=moderation.Target(question=question),
            action="make_public",
        )
    assert told(Kind.QUESTION_POSTED) == [classmate.email, staff.email]


def test_category_followers_hear_when_the_reveal_lifts_the_guard(
    course, learner, classmate
):
    from discussions import tasks

    lecture = course.lectures.get(number=2)
    homework = open_homework(lecture)
    following.category_follow(
        user=classmate, course=course, topic=Topic.HOMEWORK, lecture=lecture
    )
    question = make_question(course, learner, topic=Topic.HOMEWORK, lecture=lecture)
    assert tasks.qa_notify_sweep() == 0
    # the beat runs a while after the reveal
    later = homework.reveal_at + timedelta(minutes=5)
    assert following.questions_unguarded_recently(later).count() == 1
    for question_id in following.questions_unguarded_recently(later):
        following.question_posted_notify(question_id=question_id, now=later)
        following.question_posted_notify(question_id=question_id, now=later)
    assert told(Kind.QUESTION_POSTED) == [classmate.email]
    assert Notification.objects.get().url == question.get_absolute_url()


def test_competition_questions_stay_quiet_until_the_competition_closes(
    course, learner, classmate
):
    competition = make_competition(course)
    following.category_follow(user=classmate, course=course, topic=Topic.COMPETITION)
    question = make_question(course, learner, topic=Topic.COMPETITION)
    following.question_posted_notify(question_id=question.pk)
    assert told() == []
    after = competition.closes_at + timedelta(minutes=1)
    assert list(following.questions_unguarded_recently(after)) == [question.pk]
    following.question_posted_notify(question_id=question.pk, now=after)
    assert told() == [classmate.email]


def test_telling_followers_takes_the_same_queries_for_3_or_60_followers(
    course, learner, user_factory
):
    question = make_question(course, learner)

    def fan_out(followers: int) -> int:
        for _ in range(followers):
            person = user_factory()
            _enroll(person, course)
            following.question_follow(user=person, question=question)
        answer = make_answer(question, learner)
        with CaptureQueriesContext(connection) as queries:
            sent = following.answer_posted_notify(answer_id=answer.pk)
        assert sent == Follow.objects.filter(question=question).count()
        return len(queries)

    assert fan_out(3) == fan_out(57)


def test_the_sweep_tells_followers_of_an_answer_whose_task_was_lost(
    course, learner, classmate, monkeypatch
):
    """The broker was down: the answer is saved, its task never ran. The
    beat's sweep tells the followers, and running again tells nobody twice."""
    from discussions import tasks

    question = make_question(course, learner)
    following.question_follow(user=learner, question=question)
    answer = make_answer(question, classmate)  # saved without its task
    assert told() == []
    later = answer.created_at + timedelta(minutes=5)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert tasks.qa_notify_sweep() == 1
    assert tasks.qa_notify_sweep() == 0
    assert told(Kind.QUESTION_ANSWERED) == [learner.email]


def test_a_notification_reads_in_the_recipients_language(course, learner, classmate):
    from django.utils import translation

    lecture = course.lectures.get(number=3)
    question = make_question(
        course, learner, topic=Topic.LECTURE, lecture=lecture, title="温度とは？"
    )
    following.question_follow(user=learner, question=question)
    following.answer_posted_notify(answer_id=make_answer(question, classmate).pk)
    note = Notification.objects.get()
    with translation.override("ja"):
        assert note.text == "「温度とは？」（第3回）に新しい回答があります"
    with translation.override("en"):
        assert note.text == "New answer to “温度とは？” (Lecture 3)"
