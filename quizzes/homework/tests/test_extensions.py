# ruff: noqa: F811 - pytest fixtures imported from the factories
"""A learner's extension moves their homework deadline everywhere: what they
may submit (both write paths), the late flag and cap, the key's reveal, and
the date on their pages."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from courses.models import Enrollment, Extension
from courses.services import ExtensionLearner, extension_grant, extension_revoke
from quizzes.homework.models import DraftAnswer, Homework, Submission
from quizzes.homework.services import homework_grade_all
from quizzes.homework.tests.factories import (
    answers_for,
    english,  # noqa: F401 - fixture
    homework,  # noqa: F401 - fixture
    make_homework,
    post_data,
)

pytestmark = pytest.mark.django_db


def take_url(hw):
    return reverse("homework_take", args=[hw.lecture.course.slug, hw.lecture.number])


def draft_url(hw):
    return reverse("homework_draft", args=[hw.lecture.course.slug, hw.lecture.number])


def freeze(monkeypatch, when):
    monkeypatch.setattr("django.utils.timezone.now", lambda: when)


def grant(course, user, *, staff, days=2, scope="homework", lecture=None):
    return extension_grant(
        course=course,
        learners=[ExtensionLearner(user.pk, user.email, timedelta(days=days))],
        scope=scope,
        lecture=lecture,
        reason="Hospitalised (doctor's note)",
        by=staff,
    )[0]


@pytest.fixture
def other_learner(user_factory, course):
    user = user_factory(email="other@example.com")
    Enrollment.objects.create(
        user=user, course=course, status=Enrollment.Status.APPROVED
    )
    return user


def test_an_extended_learner_submits_on_time_after_the_normal_due_time(
    client, learner, other_learner, staff, homework, course, monkeypatch
):
    grant(course, learner, staff=staff, lecture=homework.lecture)
    freeze(monkeypatch, homework.due_at + timedelta(days=1))
    data = post_data(answers_for(homework, correct=5))

    client.force_login(other_learner)
    refused = client.post(take_url(homework), data)
    assert refused.status_code == 400
    assert not Submission.objects.filter(user=other_learner).exists()

    client.force_login(learner)
    page = client.get(take_url(homework)).content.decode()
    extended_due = homework.due_at + timedelta(days=2)
    local = extended_due.astimezone(course.tzinfo).strftime("%Y-%m-%d %H:%M")
    assert local in page
    assert "Extended for you" in page
    response = client.post(take_url(homework), data)
    assert response.status_code == 302
    submission = Submission.objects.get(user=learner)
    assert submission.is_late is False


def test_the_extended_late_window_counts_from_the_extended_due_time(
    client, learner, other_learner, staff, course, monkeypatch
):
    hw = make_homework(course.lectures.get(number=2), late_days=1, late_cap="0.6")
    grant(course, learner, staff=staff, days=2, scope="all")
    # Past the homework's own late window; inside the learner's.
    freeze(monkeypatch, hw.due_at + timedelta(days=2, hours=12))
    data = post_data(answers_for(hw, correct=5))
    client.force_login(other_learner)
    assert client.post(take_url(hw), data).status_code == 400
    client.force_login(learner)
    page = client.get(take_url(hw)).content.decode()
    assert "You can still submit late, scored at most 3 of 5 points" in page
    assert client.post(take_url(hw), data).status_code == 302
    submission = Submission.objects.get(user=learner)
    assert submission.is_late is True
    homework_grade_all(homework_id=hw.pk)
    submission.refresh_from_db()
    assert submission.score == 3
    # And once the extended late window is over, the learner is refused too.
    freeze(monkeypatch, hw.due_at + timedelta(days=3, seconds=1))
    again = post_data(answers_for(hw, correct=4), token=str(uuid.uuid4()))
    assert client.post(take_url(hw), again).status_code == 400
    assert Submission.objects.get(user=learner).revision == 1


def test_drafts_of_an_extended_learner_are_saved_after_the_normal_due_time(
    client, learner, other_learner, staff, homework, course, monkeypatch
):
    grant(course, learner, staff=staff, lecture=homework.lecture)
    freeze(monkeypatch, homework.due_at + timedelta(hours=1))
    question = homework.questions.first()
    draft = {f"q-{question.id}": question.choices.first().id}
    htmx = {"HX-Request": "true"}
    client.force_login(other_learner)
    assert client.post(draft_url(homework), draft, headers=htmx).status_code == 400
    client.force_login(learner)
    assert client.post(draft_url(homework), draft, headers=htmx).status_code == 200
    assert list(DraftAnswer.objects.values_list("user_id", flat=True)) == [learner.pk]


def test_an_extension_of_another_homework_changes_nothing_here(
    client, learner, staff, homework, course, monkeypatch
):
    other = make_homework(course.lectures.get(number=2))
    grant(course, learner, staff=staff, lecture=other.lecture)
    freeze(monkeypatch, homework.due_at + timedelta(hours=1))
    client.force_login(learner)
    data = post_data(answers_for(homework, correct=5))
    assert client.post(take_url(homework), data).status_code == 400


def test_granting_makes_a_late_submission_on_time_and_revoking_late_again(
    learner, staff, course, monkeypatch
):
    hw = make_homework(course.lectures.get(number=2), late_days=2, late_cap="0.6")
    Homework.objects.filter(pk=hw.pk).update(graded_key_version=hw.key_version)
    submission = Submission.objects.create(
        homework=hw, user=learner, submitted_at=hw.due_at + timedelta(hours=5),
        is_late=True, score=3, graded_key_version=hw.key_version,
    )  # fmt: skip
    extension = grant(course, learner, staff=staff, lecture=hw.lecture, days=1)
    submission.refresh_from_db()
    assert submission.is_late is False
    assert submission.graded_key_version is None  # regraded without the cap
    assert Homework.objects.get(pk=hw.pk).graded_key_version is None
    extension_revoke(extension=extension, by=staff)
    submission.refresh_from_db()
    assert submission.is_late is True
    assert Extension.objects.get(pk=extension.pk).revoked_by == staff


def test_moving_the_due_time_keeps_an_extended_learner_on_time(
    learner, other_learner, staff, homework, course
):
    grant(course, learner, staff=staff, lecture=homework.lecture, days=3)
    at = homework.due_at + timedelta(days=1)
    for user in (learner, other_learner):
        Submission.objects.create(homework=homework, user=user, submitted_at=at)
    homework.due_at -= timedelta(hours=1)
    homework.save()
    late = dict(Submission.objects.values_list("user_id", "is_late"))
    assert late == {learner.pk: False, other_learner.pk: True}


def test_an_extended_learner_sees_no_key_while_they_may_still_answer(
    client, learner, other_learner, staff, course, monkeypatch
):
    hw = make_homework(course.lectures.get(number=2))
    grant(course, learner, staff=staff, lecture=hw.lecture, days=2)
    for user in (learner, other_learner):
        Submission.objects.create(
            homework=hw, user=user, submitted_at=hw.due_at, score=5
        )
    Homework.objects.filter(pk=hw.pk).update(graded_key_version=hw.key_version)
    freeze(monkeypatch, hw.due_at + timedelta(days=1))
    client.force_login(other_learner)
    assert "Because of reason 1" in client.get(take_url(hw)).content.decode()
    client.force_login(learner)
    page = client.get(take_url(hw)).content.decode()
    assert "Because of reason 1" not in page
    assert "Your score" not in page
    progress = client.get(reverse("progress", args=[course.slug])).content.decode()
    assert "the score is shown when the answers are revealed" in progress
    # Once their own window closes, they see it too.
    freeze(monkeypatch, hw.due_at + timedelta(days=2, seconds=1))
    assert "Because of reason 1" in client.get(take_url(hw)).content.decode()


def test_the_lecture_and_progress_pages_show_the_extended_due_time(
    client, learner, other_learner, staff, homework, course
):
    grant(course, learner, staff=staff, lecture=homework.lecture, days=2)
    extended = (homework.due_at + timedelta(days=2)).astimezone(course.tzinfo)
    normal = homework.due_at.astimezone(course.tzinfo)
    lecture = homework.lecture.get_absolute_url()
    progress = reverse("progress", args=[course.slug])
    client.force_login(learner)
    for url in (lecture, progress):
        page = client.get(url).content.decode()
        assert extended.strftime("%Y-%m-%d") in page, url
        assert "Extended for you" in page, url
        assert "Hospitalised" not in page, url
    client.force_login(other_learner)
    page = client.get(lecture).content.decode()
    assert normal.strftime("%Y-%m-%d") in page
    assert "Extended for you" not in page


def test_results_revealed_is_not_announced_to_a_learner_still_answering(
    learner, other_learner, staff, course, monkeypatch
):
    from notifications.models import Kind, Notification

    hw = make_homework(course.lectures.get(number=2))
    grant(course, learner, staff=staff, lecture=hw.lecture, days=2)
    for user in (learner, other_learner):
        Submission.objects.create(homework=hw, user=user, submitted_at=hw.due_at)
    freeze(monkeypatch, hw.due_at + timedelta(days=1))

    homework_grade_all(homework_id=hw.pk)

    told = set(
        Notification.objects.filter(kind=Kind.HOMEWORK_REVEALED).values_list(
            "recipient_id", flat=True
        )
    )
    # The other learner reads their results; the extended one would open a
    # page that still hides them.
    assert told == {other_learner.pk}
