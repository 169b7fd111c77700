"""The one-statement submit (PostgreSQL): the same rows as the ORM path, the
same refusals (it declines and the full view says why), one query."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import Course, Enrollment
from quizzes.homework.models import DraftAnswer, Homework, Submission, SubmissionAnswer
from quizzes.homework.services import (
    Direct,
    homework_grade_all,
    homework_save_draft,
    homework_save_draft_direct,
    homework_submit,
    homework_submit_direct,
)
from quizzes.homework.tests.factories import answers_for, make_homework, post_data

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the direct path is PostgreSQL's"
    ),
]


@pytest.fixture
def homework(course):
    return make_homework(course.lectures.get(number=1))


def direct(homework, user, answers, *, token=None, now=None, data=None):
    return homework_submit_direct(
        slug=homework.lecture.course.slug,
        number=homework.lecture.number,
        user_id=user.pk,
        data=data if data is not None else post_data(answers),
        token=token or uuid.uuid4(),
        now=now or timezone.now(),
    )


def rows(homework, user) -> dict:
    """What a learner's submit leaves behind, ids and times aside."""
    submission = Submission.objects.get(homework=homework, user=user)
    return {
        "is_late": submission.is_late,
        "revision": submission.revision,
        "score": submission.score,
        "graded": submission.graded_key_version,
        "answers": sorted(
            SubmissionAnswer.objects.filter(submission=submission).values_list(
                "question__position", "choice__position"
            )
        ),
        "drafts": DraftAnswer.objects.filter(homework=homework, user=user).count(),
    }


def test_the_direct_path_leaves_exactly_what_the_orm_path_leaves(
    course, homework, learner, user_factory
):
    twin = user_factory()
    Enrollment.objects.create(user=twin, course=course, status="approved")
    right, wrong = answers_for(homework, correct=5), answers_for(homework, correct=1)
    token = uuid.uuid4()
    homework_save_draft(homework=homework, user=learner, answers=wrong)
    homework_save_draft(homework=homework, user=twin, answers=wrong)

    assert direct(homework, learner, right, token=token) is Direct.SUBMITTED
    homework_submit(homework=homework, user=twin, answers=right, token=token)
    assert rows(homework, learner) == rows(homework, twin)

    # Graded, then resubmitted: the score goes, the homework is ungraded again.
    homework_grade_all(homework_id=homework.pk)
    assert Homework.objects.get(pk=homework.pk).graded_key_version is not None
    assert direct(homework, learner, wrong) is Direct.SUBMITTED
    homework_submit(homework=homework, user=twin, answers=wrong, token=uuid.uuid4())
    assert rows(homework, learner) == rows(homework, twin)
    assert rows(homework, learner)["revision"] == 2
    assert rows(homework, learner)["score"] is None
    assert Homework.objects.get(pk=homework.pk).graded_key_version is None


def test_the_same_form_twice_changes_nothing(homework, learner):
    answers, token = answers_for(homework, correct=3), uuid.uuid4()
    assert direct(homework, learner, answers, token=token) is Direct.SUBMITTED
    before = Submission.objects.get(user=learner).submitted_at
    other = answers_for(homework, correct=0)
    assert direct(homework, learner, other, token=token) is Direct.REPEATED
    submission = Submission.objects.get(user=learner)
    assert (submission.revision, submission.submitted_at) == (1, before)
    assert set(submission.answers.values_list("choice_id", flat=True)) == set(
        answers.values()
    )


def test_late_window_marks_late_and_closed_declines(course, learner):
    hw = make_homework(course.lectures.get(number=2), late_days=2)
    answers = answers_for(hw, correct=5)
    assert direct(hw, learner, answers, now=hw.due_at) is Direct.SUBMITTED
    assert Submission.objects.get(user=learner).is_late is False
    late = hw.due_at + timedelta(days=2)
    assert direct(hw, learner, answers, now=late) is Direct.SUBMITTED
    assert Submission.objects.get(user=learner).is_late is True
    closed = late + timedelta(seconds=1)
    assert direct(hw, learner, answers, now=closed) is Direct.DECLINED
    assert direct(hw, learner, answers, now=hw.opens_at) is Direct.SUBMITTED
    early = hw.opens_at - timedelta(seconds=1)
    assert direct(hw, learner, answers, now=early) is Direct.DECLINED


@pytest.mark.parametrize(
    "change",
    [
        "homework unpublished",
        "lecture unpublished",
        "course a draft",
        "learner pending",
        "learner withdrawn",
    ],
)
def test_it_declines_what_the_learner_may_not_do_and_writes_nothing(
    course, homework, learner, change
):
    if change == "homework unpublished":
        Homework.objects.filter(pk=homework.pk).update(published=False)
    elif change == "lecture unpublished":
        type(homework.lecture).objects.filter(pk=homework.lecture_id).update(
            published=False
        )
    elif change == "course a draft":
        Course.objects.filter(pk=course.pk).update(state=Course.State.DRAFT)
    else:
        status = "applied" if change == "learner pending" else "withdrawn"
        Enrollment.objects.filter(user=learner).update(status=status)
    answers = answers_for(homework, correct=5)
    assert direct(homework, learner, answers) is Direct.DECLINED
    assert not Submission.objects.exists()


def test_it_declines_answers_that_do_not_fit_and_writes_nothing(
    course, homework, learner
):
    answers = answers_for(homework, correct=5)
    first, second = list(answers)[:2]
    mixed = answers | {first: answers[second]}  # a choice of another question
    missing = {q: c for q, c in answers.items() if q != first}
    other = make_homework(course.lectures.get(number=2))
    foreign = answers | {first: next(iter(answers_for(other, correct=5).values()))}
    for bad in (mixed, missing, foreign):
        assert direct(homework, learner, bad) is Direct.DECLINED
    for data in (
        post_data(answers) | {f"q-{first}": "not-a-number"},
        post_data(answers) | {"q-x": "1"},
        post_data(answers) | {f"q-{first}": str(2**70)},
        {"token": "x"},
    ):
        assert direct(homework, learner, {}, data=data) is Direct.DECLINED
    assert not Submission.objects.exists()


def test_a_learner_of_another_course_is_declined(homework, other_learner):
    answers = answers_for(homework, correct=5)
    assert direct(homework, other_learner, answers) is Direct.DECLINED
    assert not Submission.objects.exists()


def test_a_submit_through_the_page_takes_at_most_four_queries(
    client, homework, learner
):
    client.force_login(learner)
    client.get(homework.get_absolute_url())  # the user is in the cache now
    data = post_data(answers_for(homework, correct=5))
    with CaptureQueriesContext(connection) as queries:
        response = client.post(homework.get_absolute_url(), data)
    assert response.status_code == 302
    assert len(queries) <= 4, [q["sql"][:80] for q in queries]
    assert rows(homework, learner)["answers"] == [(n, c) for n, c in _right(homework)]
    page = client.get(response.url).content.decode()
    assert "解答を提出しました。" in page  # the learner reads Japanese


def _right(homework):
    return [
        (q.position, next(c.position for c in q.choices.all() if c.is_correct))
        for q in homework.questions.prefetch_related("choices")
    ]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_direct_submissions_of_one_learner_never_mix_answers(
    learner, course
):
    hw = make_homework(course.lectures.get(number=1))
    forms = [
        (answers_for(hw, correct=5), uuid.uuid4()),
        (answers_for(hw, correct=0), uuid.uuid4()),
        (answers_for(hw, correct=0), uuid.uuid4()),
    ]
    forms.append(forms[0])  # a retried request of the first form
    barrier = threading.Barrier(len(forms))
    results, errors = [], []

    def submit(answers, token):
        try:
            barrier.wait()
            results.append(direct(hw, learner, answers, token=token))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=form) for form in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Direct.DECLINED not in results
    submission = Submission.objects.get(user=learner)
    chosen = set(submission.answers.values_list("choice_id", flat=True))
    assert chosen in ({*forms[0][0].values()}, {*forms[1][0].values()})
    assert submission.revision in {3, 4} and SubmissionAnswer.objects.count() == 5


def draft(homework, user, data, *, now=None):
    done, _zone = homework_save_draft_direct(
        slug=homework.lecture.course.slug,
        number=homework.lecture.number,
        user_id=user.pk,
        data=data,
        now=now or timezone.now(),
    )
    return done


def drafts_of(homework, user) -> dict:
    return dict(
        DraftAnswer.objects.filter(homework=homework, user=user).values_list(
            "question_id", "choice_id"
        )
    )


def test_a_direct_draft_keeps_the_same_rows_as_the_orm_draft(
    course, homework, learner, user_factory
):
    twin = user_factory()
    Enrollment.objects.create(user=twin, course=course, status="approved")
    answers = answers_for(homework, correct=5)
    some = dict(list(answers.items())[:2])
    assert draft(homework, learner, post_data(some)) is Direct.SAVED
    homework_save_draft(homework=homework, user=twin, answers=some)
    assert drafts_of(homework, learner) == drafts_of(homework, twin) == some
    changed = answers_for(homework, correct=0)
    assert draft(homework, learner, post_data(changed)) is Direct.SAVED
    assert drafts_of(homework, learner) == changed
    assert not Submission.objects.exists()


def test_a_direct_draft_declines_what_the_orm_path_refuses(
    course, homework, learner, other_learner
):
    answers = answers_for(homework, correct=5)
    first, second = list(answers)[:2]
    closed = homework.due_at + timedelta(seconds=1)
    assert draft(homework, learner, post_data(answers), now=closed) is Direct.DECLINED
    assert draft(homework, other_learner, post_data(answers)) is Direct.DECLINED
    wrong_pair = post_data({first: answers[second]})
    assert draft(homework, learner, wrong_pair) is Direct.DECLINED
    assert draft(homework, learner, {f"q-{first}": "x"}) is Direct.DECLINED
    assert draft(homework, learner, {}) is Direct.DECLINED
    assert not DraftAnswer.objects.exists()


def test_a_draft_through_the_page_takes_one_query_and_says_saved(
    client, homework, learner
):
    client.force_login(learner)
    client.get(homework.get_absolute_url())  # the user is in the cache now
    question = homework.questions.first()
    choice = question.choices.last()
    url = reverse("homework_draft", args=["llm", homework.lecture.number])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            url, {f"q-{question.id}": choice.id}, headers={"HX-Request": "true"}
        )
    assert response.status_code == 200
    assert len(queries) == 1
    assert 'id="draft-status"' in response.content.decode()
    assert drafts_of(homework, learner) == {question.id: choice.id}
    assert " checked" in client.get(homework.get_absolute_url()).content.decode()


def test_the_saved_time_is_in_the_courses_time_zone(
    client, course, homework, learner, monkeypatch
):
    from datetime import UTC, datetime

    Course.objects.filter(pk=course.pk).update(timezone="America/New_York")
    when = datetime(2026, 11, 30, 15, 4, 5, tzinfo=UTC)  # 10:04:05 in New York
    monkeypatch.setattr("django.utils.timezone.now", lambda: when)
    Homework.objects.filter(pk=homework.pk).update(
        opens_at=when - timedelta(days=1), due_at=when + timedelta(days=1)
    )
    client.force_login(learner)
    question = homework.questions.first()
    response = client.post(
        reverse("homework_draft", args=["llm", homework.lecture.number]),
        {f"q-{question.id}": question.choices.first().id},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "10:04:05" in response.content.decode()
    assert drafts_of(homework, learner)  # saved by the one-statement path
