from django.utils import timezone

from courses.selectors import deadlines_for
from quizzes.surveys.models import SurveyDraft, SurveyResponse


def test_this_weeks_survey_shows_on_the_course_page_as_not_started(
    client, learner, survey
):
    client.force_login(learner)

    page = client.get("/courses/llm/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert survey.get_absolute_url() in page
    assert "Lecture summary: lecture 2" in page
    assert "Not started" in page


def test_a_saved_draft_and_a_submission_change_the_state(learner, survey):
    SurveyDraft.objects.create(survey=survey, user=learner, summary="下書き")
    assert deadlines_for(course=survey.lecture.course, user=learner)[0]["state"] == (
        "draft"
    )

    SurveyResponse.objects.create(
        survey=survey, user=learner, summary="x" * 30, submitted_at=timezone.now()
    )
    (deadline,) = deadlines_for(course=survey.lecture.course, user=learner)
    assert deadline["state"] == "submitted"
    assert deadline["uid"] == f"survey-{survey.pk}"


def test_a_due_time_moved_later_rejudges_which_answers_are_late(
    learner, survey, user_factory
):
    from datetime import timedelta

    from quizzes.surveys.services import survey_submit

    survey.allow_late = True
    survey.save()
    due = survey.due_at
    survey_submit(
        survey=survey,
        user=learner,
        summary="講義の要約です。" * 4,
        answers={"1": 4},
        now=due + timedelta(hours=1),
    )
    assert SurveyResponse.objects.get(user=learner).late

    survey.due_at = due + timedelta(hours=2)
    survey.save()
    assert not SurveyResponse.objects.get(user=learner).late

    survey.due_at = due
    survey.save()
    assert SurveyResponse.objects.get(user=learner).late
