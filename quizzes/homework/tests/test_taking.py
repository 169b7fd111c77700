# ruff: noqa: F811 - pytest fixtures imported from homework_factories
import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quizzes.homework.models import Choice, DraftAnswer, Submission, SubmissionAnswer
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
    """The server's clock, under the test's control."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: when)


def test_the_page_shows_all_five_questions_with_radio_buttons(
    client, learner, homework
):
    client.force_login(learner)
    response = client.get(take_url(homework))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('type="radio"') == 20
    assert "Question text 5" in page
    assert 'name="token"' in page


def test_a_visitor_who_is_not_a_learner_cannot_see_the_homework(
    client, applicant, homework
):
    client.force_login(applicant)
    assert client.get(take_url(homework)).status_code == 403


def test_an_unpublished_homework_is_not_found_for_learners(client, learner, course):
    hw = make_homework(course.lectures.get(number=2), publish=False)
    client.force_login(learner)
    assert client.get(take_url(hw)).status_code == 404


def test_choices_are_shuffled_per_learner_and_stable_across_visits(
    client, learner, user_factory, course, homework
):
    from courses.models import Enrollment

    def order(user):
        client.force_login(user)
        page = client.get(take_url(homework)).content.decode()
        return re.findall(r'value="(\d+)"', page)

    first = order(learner)
    assert order(learner) == first
    others = []
    for _ in range(4):
        user = user_factory()
        Enrollment.objects.create(user=user, course=course, status="approved")
        others.append(order(user))
    assert any(other != first for other in others)
    assert all(sorted(other) == sorted(first) for other in others)


def test_a_clicked_answer_is_saved_as_a_draft_and_shows_on_reload(
    client, learner, homework
):
    client.force_login(learner)
    question = homework.questions.first()
    choice = question.choices.last()
    response = client.post(
        draft_url(homework),
        {f"q-{question.id}": choice.id},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Saved" in response.content.decode()
    assert "<html" not in response.content.decode()
    page = client.get(take_url(homework)).content.decode()
    assert f'value="{choice.id}" checked' in page
    assert not Submission.objects.exists()


def test_submitting_records_all_answers_and_says_submitted(client, learner, homework):
    client.force_login(learner)
    response = client.post(
        take_url(homework), post_data(answers_for(homework, correct=3)), follow=True
    )
    assert response.status_code == 200
    assert "Your answers are submitted." in response.content.decode()
    submission = Submission.objects.get(user=learner)
    assert submission.answers.count() == 5
    assert not submission.is_late
    assert not DraftAnswer.objects.exists()


def test_missing_answers_are_refused_and_nothing_is_saved(client, learner, homework):
    client.force_login(learner)
    answers = answers_for(homework, correct=3)
    answers.pop(homework.questions.last().id)
    response = client.post(take_url(homework), post_data(answers))
    assert response.status_code == 400
    assert "missing: 5" in response.content.decode()
    assert not Submission.objects.exists()


def test_a_resubmission_replaces_the_answers_and_the_last_one_counts(
    client, learner, homework
):
    client.force_login(learner)
    client.post(take_url(homework), post_data(answers_for(homework, correct=1)))
    client.post(
        take_url(homework),
        post_data(answers_for(homework, correct=4), token=str(uuid.uuid4())),
    )
    submission = Submission.objects.get(user=learner)
    assert submission.revision == 2
    assert set(submission.answers.values_list("choice_id", flat=True)) == set(
        answers_for(homework, correct=4).values()
    )


def test_a_double_click_or_retried_request_makes_one_submission(
    client, learner, homework
):
    client.force_login(learner)
    data = post_data(answers_for(homework, correct=2))
    client.post(take_url(homework), data)
    client.post(take_url(homework), data)
    assert Submission.objects.filter(user=learner).count() == 1
    assert Submission.objects.get(user=learner).revision == 1
    assert SubmissionAnswer.objects.count() == 5


def test_two_tabs_never_mix_their_answers(client, learner, homework):
    client.force_login(learner)
    tab_a = answers_for(homework, correct=5)
    tab_b = answers_for(homework, correct=0)
    client.post(take_url(homework), post_data(tab_a, token=str(uuid.uuid4())))
    client.post(take_url(homework), post_data(tab_b, token=str(uuid.uuid4())))
    chosen = set(SubmissionAnswer.objects.values_list("choice_id", flat=True))
    assert chosen == set(tab_b.values())


def test_an_answer_id_from_another_question_is_refused_and_nothing_is_saved(
    client, learner, homework, course
):
    client.force_login(learner)
    answers = answers_for(homework, correct=5)
    questions = list(homework.questions.all())
    answers[questions[0].id] = questions[1].choices.first().id
    response = client.post(take_url(homework), post_data(answers))
    assert response.status_code == 400
    assert "does not belong" in response.content.decode()
    assert not Submission.objects.exists()
    other = make_homework(course.lectures.get(number=2))
    answers = answers_for(homework, correct=5)
    answers[questions[0].id] = (
        Choice.objects.filter(question__homework=other).first().id
    )
    assert client.post(take_url(homework), post_data(answers)).status_code == 400
    response = client.post(
        draft_url(homework), {f"q-{questions[0].id}": "not-a-number"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert response.status_code == 400
    assert not Submission.objects.exists() and not DraftAnswer.objects.exists()


def test_a_submission_at_exactly_the_due_time_is_on_time(
    client, learner, homework, monkeypatch
):
    client.force_login(learner)
    freeze(monkeypatch, homework.due_at)
    client.post(take_url(homework), post_data(answers_for(homework, correct=5)))
    assert Submission.objects.get(user=learner).is_late is False


def test_a_second_after_the_due_time_without_a_late_window_is_refused(
    client, learner, homework, monkeypatch
):
    client.force_login(learner)
    freeze(monkeypatch, homework.due_at + timedelta(seconds=1))
    response = client.post(
        take_url(homework), post_data(answers_for(homework, correct=5))
    )
    assert response.status_code == 400
    assert "does not accept answers" in response.content.decode()
    assert not Submission.objects.exists()
    assert "This homework is closed." in client.get(take_url(homework)).content.decode()


def test_a_late_submission_is_accepted_with_the_penalty_shown_and_capped(
    client, learner, course, monkeypatch
):
    hw = make_homework(course.lectures.get(number=2), late_days=2, late_cap="0.6")
    client.force_login(learner)
    freeze(monkeypatch, hw.due_at + timedelta(seconds=1))
    page = client.get(take_url(hw)).content.decode()
    assert "at most 3 of 5 points" in page
    client.post(take_url(hw), post_data(answers_for(hw, correct=5)))
    submission = Submission.objects.get(user=learner)
    assert submission.is_late
    homework_grade_all(homework_id=hw.pk)
    submission.refresh_from_db()
    assert submission.score == 3


def test_drafts_are_refused_once_the_homework_closed(
    client, learner, homework, monkeypatch
):
    client.force_login(learner)
    freeze(monkeypatch, homework.due_at + timedelta(seconds=1))
    question = homework.questions.first()
    response = client.post(
        draft_url(homework),
        {f"q-{question.id}": question.choices.first().id},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert not DraftAnswer.objects.exists()


def _learner_visible_responses(client, hw, answers):
    """Every response a learner can reach for this homework: the page, the
    draft fragment (saved and refused), the submit result and its errors."""
    questions = list(hw.questions.all())
    first = questions[0]
    foreign = post_data(answers, token=str(uuid.uuid4()))
    foreign[f"q-{first.id}"] = str(questions[1].choices.first().id)
    partial = post_data(answers, token=str(uuid.uuid4()))
    partial.pop(f"q-{first.id}")
    htmx = {"HX-Request": "true"}
    clicked = {f"q-{first.id}": first.choices.first().id}
    return [
        client.get(take_url(hw)),
        client.post(draft_url(hw), clicked, headers=htmx),
        client.post(draft_url(hw), {f"q-{first.id}": "x"}, headers=htmx),
        client.post(draft_url(hw), {f"q-{first.id}": "x"}),
        client.post(take_url(hw), foreign),
        client.post(take_url(hw), partial),
        client.post(take_url(hw), post_data(answers), follow=True),
        client.get(take_url(hw)),
    ]  # fmt: skip


def _normalise(response) -> str:
    text = response.content.decode()
    text = re.sub(r'(csrfmiddlewaretoken|token)" value="[^"]+"', "", text)
    text = re.sub(r'(X-CSRFToken": ")[^"]+', "", text)
    text = re.sub(r'[nN]once(="|": ")[^"]+', "", text)
    return re.sub(r"\d\d:\d\d:\d\d", "", text)


def test_nothing_a_learner_can_reach_before_reveal_tells_the_key_or_the_score(
    client, learner, homework
):
    """Render every learner-visible response, then change the answer key and
    grade: before reveal the responses must be the same, byte for byte (so
    neither the key nor a score can be in them), and carry no explanation."""
    client.force_login(learner)
    answers = answers_for(homework, correct=2)
    before = [
        _normalise(r) for r in _learner_visible_responses(client, homework, answers)
    ]
    Submission.objects.all().delete()
    for question in homework.questions.all():
        choices = list(question.choices.all())
        Choice.objects.filter(question=question).update(is_correct=False)
        Choice.objects.filter(pk=choices[-1].pk).update(is_correct=True)
    after = [
        _normalise(r) for r in _learner_visible_responses(client, homework, answers)
    ]
    homework_grade_all(homework_id=homework.pk)
    assert Submission.objects.get(user=learner).score is not None  # graded early
    graded_page = _normalise(client.get(take_url(homework)))
    assert before == after
    assert graded_page == after[-1]
    for text in before:
        assert "Because of reason" not in text
        assert "Feedback 1." not in text
        assert "score" not in text.lower()


def test_after_reveal_the_learner_sees_score_correct_choices_and_explanations(
    client, learner, homework, monkeypatch
):
    client.force_login(learner)
    client.post(take_url(homework), post_data(answers_for(homework, correct=4)))
    homework_grade_all(homework_id=homework.pk)
    freeze(monkeypatch, homework.reveal_at + timedelta(seconds=1))
    page = client.get(take_url(homework)).content.decode()
    assert "Your score: 4 / 5" in page
    assert page.count("Correct answer") == 5
    assert "Because of reason 1" in page
    assert 'type="radio"' not in page


def test_after_reveal_an_ungraded_submission_says_it_is_being_graded(
    client, learner, homework, monkeypatch
):
    client.force_login(learner)
    client.post(take_url(homework), post_data(answers_for(homework, correct=4)))
    freeze(monkeypatch, homework.reveal_at + timedelta(seconds=1))
    page = client.get(take_url(homework)).content.decode()
    assert "being graded" in page
    assert "Your score" not in page


def test_a_learner_never_sees_another_learners_answers(
    client, learner, user_factory, course, homework
):
    from courses.models import Enrollment

    other = user_factory()
    Enrollment.objects.create(user=other, course=course, status="approved")
    client.force_login(other)
    client.post(take_url(homework), post_data(answers_for(homework, correct=5)))
    client.force_login(learner)
    assert " checked" not in client.get(take_url(homework)).content.decode()


def test_the_page_works_without_javascript(client, learner, homework):
    client.force_login(learner)
    page = client.get(take_url(homework)).content.decode()
    assert f'action="{take_url(homework)}"' in page
    assert 'method="post"' in page
    assert timezone.now()  # the clock is real here


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_of_one_learner_never_mix_answers(learner, course):
    import threading

    from django.db import connection

    from quizzes.homework.services import homework_submit

    hw = make_homework(course.lectures.get(number=1))
    forms = [
        (answers_for(hw, correct=5), uuid.uuid4()),
        (answers_for(hw, correct=0), uuid.uuid4()),
        (answers_for(hw, correct=0), uuid.uuid4()),
    ]
    forms.append(forms[0])  # a retried request of the first form
    barrier = threading.Barrier(len(forms))
    errors = []

    def submit(answers, token):
        try:
            barrier.wait()
            homework_submit(homework=hw, user=learner, answers=answers, token=token)
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
    submission = Submission.objects.get(user=learner)
    chosen = set(submission.answers.values_list("choice_id", flat=True))
    assert chosen in ({*forms[0][0].values()}, {*forms[1][0].values()})
    assert submission.revision in {3, 4} and SubmissionAnswer.objects.count() == 5
