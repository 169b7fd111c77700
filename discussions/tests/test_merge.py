"""Staff merge a duplicate into the original (`discussions.merge`)."""

import pytest
from django.utils import timezone

from discussions.merge import MergeRefused, question_merge
from discussions.models import (
    Comment,
    Follow,
    ModerationLog,
    PostState,
    Question,
    Topic,
    Vote,
)
from discussions.tests.conftest import make_answer, make_question, open_homework

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(course, learner, classmate):
    original = make_question(course, learner, title="How is the grade computed?")
    duplicate = make_question(course, classmate, title="Grade computation?")
    return original, duplicate


def test_answers_votes_and_follows_move_to_the_original_once_each(
    pair, course, learner, classmate, staff, user_factory
):
    original, duplicate = pair
    make_answer(original, staff, body="See the progress page.")
    moved = make_answer(duplicate, staff, body="Homework counts 10 of 15 weeks.")
    Comment.objects.create(question=duplicate, author=learner, body="Thanks")
    third = user_factory()
    for user in (third,):
        Vote.objects.create(question=original, user=user)
        Vote.objects.create(question=duplicate, user=user)
        Follow.objects.create(user=user, course=course, question=original)
        Follow.objects.create(user=user, course=course, question=duplicate)
    Follow.objects.create(user=classmate, course=course, question=duplicate)

    question_merge(
        duplicate=duplicate, original=original, actor=staff, now=timezone.now()
    )

    original.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.merged_into == original
    assert moved in original.answers.all()
    assert original.answers_count == 2
    assert original.comments.get().body == "Thanks"
    # The third learner voted and followed both: one of each remains; the
    # duplicate's asker had the question too, so they count as a vote.
    assert set(
        Vote.objects.filter(question=original).values_list("user", flat=True)
    ) == {
        third.pk,
        classmate.pk,
    }
    assert original.votes_count == 2
    assert Follow.objects.filter(question=original, user=third).count() == 1
    assert Follow.objects.filter(question=original, user=classmate).exists()
    assert not Vote.objects.filter(question=duplicate).exists()
    log = ModerationLog.objects.get(action=ModerationLog.Action.MERGE)
    assert (log.actor, log.question) == (staff, duplicate)
    assert "How is the grade computed?" in log.note


def test_a_merged_question_disappears_from_learners_lists(
    pair, learner, classmate, staff, course
):
    original, duplicate = pair
    question_merge(
        duplicate=duplicate, original=original, actor=staff, now=timezone.now()
    )
    titles = set(
        Question.objects.visible_to(learner, course, timezone.now()).values_list(
            "title", flat=True
        )
    )
    assert titles == {"How is the grade computed?"}


def test_earlier_duplicates_follow_to_the_new_original(pair, course, learner, staff):
    original, duplicate = pair
    older = make_question(course, learner, title="grade?")
    older.merged_into = duplicate
    older.save()
    question_merge(
        duplicate=duplicate, original=original, actor=staff, now=timezone.now()
    )
    older.refresh_from_db()
    assert older.merged_into == original


@pytest.mark.parametrize(
    "case",
    ["itself", "already merged", "deleted", "other course", "guarded"],
)
def test_a_merge_that_would_lose_or_leak_something_is_refused_and_changes_nothing(
    pair, course, other_course, learner, staff, case
):
    original, duplicate = pair
    make_answer(duplicate, staff, body="A")
    if case == "itself":
        original = duplicate
    elif case == "already merged":
        third = make_question(course, learner, title="third")
        duplicate.merged_into = third
        duplicate.save()
    elif case == "deleted":
        original.state = PostState.DELETED
        original.save()
    elif case == "other course":
        original.course = other_course
        original.save()
    elif case == "guarded":
        lecture = course.lectures.get(number=2)
        open_homework(lecture)
        duplicate.topic, duplicate.lecture = Topic.HOMEWORK, lecture
        duplicate.save()
    with pytest.raises(MergeRefused) as refused:
        question_merge(
            duplicate=duplicate, original=original, actor=staff, now=timezone.now()
        )
    assert str(refused.value)
    assert duplicate.answers.count() == 1
    assert not ModerationLog.objects.exists()
