"""The one visibility rule (`Question.objects.visible_to`) and who may do
what (`discussions.rules`): the spoiler guard before and after the reveal,
staff, learners, outsiders, anonymous authors and merged questions."""

from datetime import timedelta

import pytest
from django.utils import timezone

from competitions.tests.conftest import make_competition
from courses.models import Extension
from discussions import rules
from discussions.models import (
    Answer,
    Comment,
    PostState,
    Question,
    Topic,
    topic_guarded,
)
from discussions.tests.conftest import make_answer, make_question, open_homework

pytestmark = pytest.mark.django_db


def titles(user, course, now=None):
    now = now or timezone.now()
    return set(
        Question.objects.visible_to(user, course, now).values_list("title", flat=True)
    )


def test_a_general_question_is_seen_by_learners_and_staff_not_by_outsiders(
    course, learner, classmate, staff, applicant, other_learner, other_staff
):
    make_question(course, learner, title="Where are the slides?")
    assert titles(classmate, course) == {"Where are the slides?"}
    assert titles(staff, course) == {"Where are the slides?"}
    assert titles(learner, course) == {"Where are the slides?"}
    for outsider in (applicant, other_learner, other_staff):
        assert titles(outsider, course) == set()


def test_an_anonymous_visitor_sees_no_question(course, learner):
    from django.contrib.auth.models import AnonymousUser

    make_question(course, learner)
    assert titles(AnonymousUser(), course) == set()


def test_a_homework_question_is_hidden_from_other_learners_until_the_reveal(
    course, learner, classmate, staff
):
    lecture = course.lectures.get(number=2)
    homework = open_homework(lecture)
    question = make_question(
        course, learner, topic=Topic.HOMEWORK, lecture=lecture, title="Is Q3 (b)?"
    )
    now = timezone.now()
    assert question.spoiler_guarded(now)
    assert titles(classmate, course, now) == set()
    assert titles(learner, course, now) == {"Is Q3 (b)?"}
    assert titles(staff, course, now) == {"Is Q3 (b)?"}

    after_reveal = homework.reveal_at + timedelta(seconds=1)
    assert not question.spoiler_guarded(after_reveal)
    assert titles(classmate, course, after_reveal) == {"Is Q3 (b)?"}


def test_the_guard_holds_while_a_learner_may_still_submit_on_time(
    course, learner, classmate
):
    """A submission stamped exactly at the due time is on time, so the
    guard lifts just after it (the reveal defaults to the close)."""
    lecture = course.lectures.get(number=2)
    homework = open_homework(lecture)
    make_question(course, learner, topic=Topic.HOMEWORK, lecture=lecture)
    assert homework.reveal_at == homework.due_at
    assert titles(classmate, course, homework.reveal_at) == set()
    just_after = homework.reveal_at + timedelta(microseconds=1)
    assert len(titles(classmate, course, just_after)) == 1


def test_an_extended_learner_still_answering_reads_no_spoiler_after_the_reveal(
    course, learner, classmate
):
    lecture = course.lectures.get(number=2)
    homework = open_homework(lecture)
    Extension.objects.create(
        course=course,
        user=classmate,
        scope=Extension.Scope.HOMEWORK,
        lecture=lecture,
        extra_time=timedelta(days=3),
    )
    question = make_question(course, learner, topic=Topic.HOMEWORK, lecture=lecture)
    after_reveal = homework.reveal_at + timedelta(hours=1)
    assert titles(classmate, course, after_reveal) == set()
    assert question.spoiler_guarded(after_reveal, viewer_id=classmate.pk)
    assert titles(classmate, course, homework.due_at + timedelta(days=3, hours=1))


def test_staff_making_a_question_public_lifts_the_guard(
    course, learner, classmate, staff
):
    lecture = course.lectures.get(number=2)
    open_homework(lecture)
    question = make_question(course, learner, topic=Topic.HOMEWORK, lecture=lecture)
    question.made_public_by = staff
    question.made_public_at = timezone.now()
    question.save()
    assert not question.spoiler_guarded(timezone.now())
    assert titles(classmate, course) == {question.title}


def test_lecture_and_survey_questions_are_never_guarded(course, learner, classmate):
    lecture = course.lectures.get(number=2)
    open_homework(lecture)
    make_question(course, learner, topic=Topic.LECTURE, lecture=lecture, title="A")
    make_question(course, learner, topic=Topic.SURVEY, lecture=lecture, title="B")
    assert titles(classmate, course) == {"A", "B"}


def test_a_competition_question_is_guarded_until_every_competition_closed(
    course, learner, classmate
):
    competition = make_competition(course)
    question = make_question(course, learner, topic=Topic.COMPETITION, title="CV?")
    now = timezone.now()
    assert question.spoiler_guarded(now)
    assert titles(classmate, course, now) == set()
    assert titles(classmate, course, competition.closes_at) == {"CV?"}


def test_the_ask_page_guard_matches_the_stored_rule(course):
    lecture = course.lectures.get(number=2)
    homework = open_homework(lecture)
    now = timezone.now()
    guarded = {"course": course, "topic": Topic.HOMEWORK, "lecture": lecture}
    assert topic_guarded(now=now, **guarded)
    assert not topic_guarded(now=homework.reveal_at, **guarded)
    assert not topic_guarded(course=course, topic=Topic.GENERAL, lecture=None, now=now)


def test_hidden_and_deleted_questions(course, learner, classmate, staff):
    make_question(course, learner, title="hidden", state=PostState.HIDDEN)
    make_question(course, learner, title="deleted", state=PostState.DELETED)
    assert titles(classmate, course) == set()
    assert titles(learner, course) == set()
    assert titles(staff, course) == {"hidden"}


def test_a_merged_question_leaves_the_learners_list(course, learner, classmate, staff):
    original = make_question(course, learner, title="original")
    make_question(course, classmate, title="duplicate", merged_into=original)
    assert titles(classmate, course) == {"original"}
    assert titles(staff, course) == {"original", "duplicate"}


def test_answers_and_comments_follow_their_question(course, learner, classmate, staff):
    lecture = course.lectures.get(number=2)
    open_homework(lecture)
    guarded = make_question(course, learner, topic=Topic.HOMEWORK, lecture=lecture)
    answer = make_answer(guarded, staff, body="Read slide 12.")
    hidden = make_answer(guarded, staff, state=PostState.HIDDEN)
    Comment.objects.create(answer=answer, author=learner, body="Thanks!")
    Comment.objects.create(question=guarded, author=learner, body="Anyone?")
    now = timezone.now()
    assert not Answer.objects.visible_to(classmate, course, now).exists()
    assert not Comment.objects.visible_to(classmate, course, now).exists()
    assert list(Answer.objects.visible_to(learner, course, now)) == [answer]
    assert set(Answer.objects.visible_to(staff, course, now)) == {answer, hidden}
    assert Comment.objects.visible_to(learner, course, now).count() == 2


def test_an_anonymous_author_is_named_to_staff_and_themselves_only(
    course, learner, classmate, staff
):
    question = make_question(course, learner, anonymous=True)
    assert question.author_label(classmate, is_staff=False) == "Anonymous learner"
    assert question.author_label(staff, is_staff=True) == (
        "Hanako Learner (anonymous to learners)"
    )
    assert question.author_label(learner, is_staff=False) == (
        "Hanako Learner (anonymous to learners)"
    )
    named = make_question(course, learner)
    assert named.author_label(classmate, is_staff=False) == "Hanako Learner"


def test_who_may_do_what(course, learner, classmate, staff, applicant, other_staff):
    question = make_question(course, learner)
    assert rules.may_take_part(learner, course)
    assert rules.may_take_part(staff, course)
    assert not rules.may_take_part(applicant, course)
    assert not rules.may_take_part(other_staff, course)
    assert rules.may_vote(classmate, question)
    assert not rules.may_vote(learner, question)  # the asker has it already
    assert not rules.may_vote(staff, question)  # the count is of learners
    assert rules.may_mark_solved(learner, question)
    assert rules.may_mark_solved(staff, question)
    assert not rules.may_mark_solved(classmate, question)
    assert rules.may_moderate(staff, course)
    assert not rules.may_moderate(learner, course)
    question.locked = True
    assert not rules.may_reply(classmate, question)
    assert not rules.may_vote(classmate, question)
    assert not rules.may_reply(staff, question)


def test_lecture_topics_need_a_lecture(course, learner):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        make_question(course, learner, topic=Topic.HOMEWORK, lecture=None)


def test_the_per_course_form_of_the_guard_matches_the_per_row_form(
    course, learner, classmate
):
    """`visible_to` passes the course so the guard is computed once per
    query; it must pick exactly the questions the per-row form picks."""
    from discussions.models import spoiler_guarded_q

    homework = open_homework(course.lectures.get(number=2))
    make_competition(course)
    for topic, number in [
        (Topic.HOMEWORK, 2),
        (Topic.HOMEWORK, 3),  # a lecture without homework: guarded too
        (Topic.COMPETITION, None),
        (Topic.LECTURE, 2),
        (Topic.GENERAL, None),
    ]:
        lecture = course.lectures.get(number=number) if number else None
        make_question(course, learner, topic=topic, lecture=lecture)
    for now in (timezone.now(), homework.reveal_at + timedelta(seconds=1)):
        for viewer_id in (None, classmate.pk):
            per_row = Question.objects.filter(
                spoiler_guarded_q(now, viewer_id=viewer_id)
            )
            per_course = Question.objects.filter(
                spoiler_guarded_q(now, viewer_id=viewer_id, course=course)
            )
            assert set(per_row) == set(per_course)
            assert per_row.exists()
