import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quizzes.surveys.models import SurveyDraft, SurveyResponse, count_summary_chars

pytestmark = pytest.mark.django_db

JAPANESE_25 = "大規模言語モデルの事前学習とスケーリング則について学んだ。"  # 29 chars


def _answer(questions, summary, rating="4", **extra):
    data = {
        "action": "submit",
        "summary": summary,
        f"q_{questions['rating'].pk}": rating,
    }
    data.update(extra)
    return data


def test_a_japanese_summary_is_counted_in_characters_not_words():
    assert count_summary_chars("日本語には空白がない") == 10
    assert count_summary_chars("一行目\r\n二行目\r") == 7
    assert count_summary_chars("  絵文字😀も一文字  ") == 8


def test_the_learner_sees_the_survey_with_its_questions(client, learner, survey_url):
    client.force_login(learner)
    page = client.get(survey_url)
    assert page.status_code == 200
    assert "Understanding" in page.text
    assert "How did you watch?" in page.text
    assert 'hx-trigger="keyup changed delay:1s, change"' in page.text


def test_a_too_short_japanese_summary_is_refused_next_to_the_field_and_kept(
    client, learner, survey_url, questions
):
    client.force_login(learner)
    page = client.post(
        survey_url,
        _answer(questions, "短すぎる要約です。"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page.status_code == 200
    assert "too short: 9 characters, at least 20" in page.text
    assert "短すぎる要約です。" in page.text
    assert not SurveyResponse.objects.exists()


def test_validation_messages_are_in_the_learners_language(
    client, learner, survey_url, questions
):
    learner.language = "ja"
    learner.save()
    client.force_login(learner)
    page = client.post(survey_url, _answer(questions, "短い要約", rating=""))
    assert "要約が短すぎます" in page.text
    assert "評価を選んでください" in page.text


def test_a_too_long_summary_is_refused(client, learner, survey_url, questions):
    client.force_login(learner)
    page = client.post(
        survey_url, _answer(questions, "あ" * 101), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "too long: 101 characters, at most 100" in page.text
    assert not SurveyResponse.objects.exists()


def test_a_missing_required_rating_is_reported_and_everything_typed_stays(
    client, learner, survey_url, questions
):
    client.force_login(learner)
    comment = f"q_{questions['comment'].pk}"
    page = client.post(
        survey_url,
        _answer(questions, JAPANESE_25, rating="", **{comment: "とても良かった"}),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Please choose a rating." in page.text
    assert JAPANESE_25 in page.text
    assert "とても良かった" in page.text
    assert not SurveyResponse.objects.exists()


def test_a_valid_summary_is_submitted_with_its_answers(
    client, learner, survey_url, questions
):
    client.force_login(learner)
    choice = f"q_{questions['choice'].pk}"
    page = client.post(
        survey_url, _answer(questions, JAPANESE_25, **{choice: "Live"}), follow=True
    )
    assert page.status_code == 200
    response = SurveyResponse.objects.get(user=learner)
    assert response.summary == JAPANESE_25
    assert response.summary_chars == 29
    assert response.answers == {
        questions["rating"].key: 4,
        questions["choice"].key: "Live",
    }
    assert JAPANESE_25 in page.text


def test_the_learner_can_edit_the_answer_until_the_due_time(
    client, learner, survey, survey_url, questions
):
    client.force_login(learner)
    client.post(survey_url, _answer(questions, JAPANESE_25))
    client.post(survey_url, _answer(questions, JAPANESE_25 + "追記しました。", "5"))
    response = SurveyResponse.objects.get(user=learner)
    assert response.summary.endswith("追記しました。")
    assert response.answers[questions["rating"].key] == 5
    assert SurveyResponse.objects.count() == 1


def test_after_the_due_time_the_survey_is_closed_and_nothing_changes(
    client, learner, survey, survey_url, questions
):
    client.force_login(learner)
    client.post(survey_url, _answer(questions, JAPANESE_25))
    survey.due_at = timezone.now() - timedelta(minutes=1)
    survey.save()
    page = client.get(survey_url, HTTP_ACCEPT_LANGUAGE="en")
    assert "this survey is closed" in page.text
    refused = client.post(
        survey_url,
        _answer(questions, JAPANESE_25 + "締切後の編集"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 403
    assert "Your answer was not saved" in refused.text
    assert SurveyResponse.objects.get(user=learner).summary == JAPANESE_25


def test_a_late_answer_is_accepted_only_when_the_survey_allows_it(
    client, learner, survey, survey_url, questions
):
    survey.due_at = timezone.now() - timedelta(hours=1)
    survey.save()
    client.force_login(learner)
    assert client.post(survey_url, _answer(questions, JAPANESE_25)).status_code == 403
    survey.allow_late = True
    survey.save()
    client.post(survey_url, _answer(questions, JAPANESE_25))
    assert SurveyResponse.objects.get(user=learner).late is True


def test_the_draft_is_saved_as_the_learner_types_and_restored_on_another_device(
    client, learner, survey, questions, django_user_model
):
    client.force_login(learner)
    draft_url = reverse("survey_draft", args=["llm", 2])
    saved = client.post(
        draft_url,
        {"summary": "書きかけの**要約**", f"q_{questions['rating'].pk}": "3"},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert saved.status_code == 200
    assert "Draft saved at" in saved.text
    assert "<strong>要約</strong>" in saved.text  # the live Markdown preview
    other_device = Client()
    other_device.force_login(learner)
    page = other_device.get(survey.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert "書きかけの**要約**" in page.text
    assert "is restored" in page.text
    assert re.search(r'name="q_\d+" value="3"[^>]*checked', page.text)


def test_the_draft_button_works_without_javascript(client, learner, survey_url):
    client.force_login(learner)
    response = client.post(survey_url, {"action": "draft", "summary": "途中まで"})
    assert response.status_code == 302
    assert SurveyDraft.objects.get(user=learner).summary == "途中まで"


def test_preview_without_javascript_renders_the_markdown_and_keeps_the_text(
    client, learner, survey_url
):
    client.force_login(learner)
    page = client.post(survey_url, {"action": "preview", "summary": "# 見出し\n本文"})
    assert "<h1>見出し</h1>" in page.text
    assert "# 見出し" in page.text


def test_submitting_replaces_the_draft(client, learner, survey_url, questions):
    client.force_login(learner)
    client.post(survey_url, {"action": "draft", "summary": "途中まで"})
    client.post(survey_url, _answer(questions, JAPANESE_25))
    assert not SurveyDraft.objects.exists()
    page = client.get(survey_url, HTTP_ACCEPT_LANGUAGE="en")
    assert "is restored" not in page.text


def test_no_draft_is_saved_after_the_due_time(client, learner, survey, questions):
    survey.due_at = timezone.now() - timedelta(minutes=1)
    survey.save()
    client.force_login(learner)
    answer = client.post(
        reverse("survey_draft", args=["llm", 2]),
        {"summary": "遅れて入力"},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "the draft was not saved" in answer.text
    assert not SurveyDraft.objects.exists()


def test_the_staff_flag_and_comment_are_shown_to_the_learner(
    client, learner, staff, survey, survey_url, questions
):
    client.force_login(learner)
    client.post(survey_url, _answer(questions, JAPANESE_25))
    response = SurveyResponse.objects.get(user=learner)
    client.force_login(staff)
    client.post(
        reverse("staff_survey_review", args=["llm", 2, response.pk]),
        {"state": "needs_revision", "comment": "講義後半の内容も書いてください"},
    )
    client.force_login(learner)
    page = client.get(survey_url, HTTP_ACCEPT_LANGUAGE="en")
    assert "Needs revision" in page.text
    assert "講義後半の内容も書いてください" in page.text


def test_revising_a_summary_sends_it_back_to_review(
    client, learner, staff, survey_url, questions
):
    client.force_login(learner)
    client.post(survey_url, _answer(questions, JAPANESE_25))
    SurveyResponse.objects.update(review_state="needs_revision")
    client.post(survey_url, _answer(questions, JAPANESE_25 + "後半も書いた。"))
    assert SurveyResponse.objects.get().review_state == "pending"


def test_an_unpublished_survey_is_not_found_for_learners(
    client, learner, survey, survey_url
):
    survey.published = False
    survey.save()
    client.force_login(learner)
    assert client.get(survey_url).status_code == 404


def test_applicants_and_other_courses_learners_cannot_open_the_survey(
    client, applicant, other_learner, survey_url
):
    for user in (applicant, other_learner):
        client.force_login(user)
        assert client.get(survey_url).status_code == 403


def test_preview_does_not_report_errors_for_a_summary_still_being_written(
    client, learner, survey_url
):
    client.force_login(learner)
    page = client.post(
        survey_url, {"action": "preview", "summary": "短い"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "too short" not in page.text
    assert "<p>短い</p>" in page.text


def test_saving_a_draft_after_the_due_time_is_refused_without_javascript(
    client, learner, survey, survey_url
):
    survey.due_at = timezone.now() - timedelta(minutes=1)
    survey.save()
    client.force_login(learner)
    response = client.post(survey_url, {"action": "draft", "summary": "遅い"})
    assert response.status_code == 403
    assert not SurveyDraft.objects.exists()


def test_staff_try_the_survey_with_feedback_and_nothing_is_stored(
    client, staff, survey_url, questions
):
    from quizzes.surveys.models import SurveyDraft

    client.force_login(staff)
    page = client.get(survey_url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "You are trying this survey as staff" in page.text
    assert "Try submitting (nothing is stored)" in page.text
    tried = client.post(
        survey_url, _answer(questions, JAPANESE_25), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert tried.status_code == 200
    assert "would be accepted. Nothing was stored." in tried.text
    too_short = client.post(survey_url, _answer(questions, "短い"))
    assert "has-error" in too_short.text  # the feedback a learner gets
    client.post(survey_url, _answer(questions, JAPANESE_25) | {"action": "draft"})
    client.post(
        survey_url.replace("survey/", "survey/draft/"),
        _answer(questions, JAPANESE_25),
        HTTP_HX_REQUEST="true",
    )
    assert not SurveyResponse.objects.exists()
    assert not SurveyDraft.objects.exists()


def test_a_resubmission_keeps_what_it_should_and_replaces_the_rest(
    learner, survey, questions
):
    """Both writes (PostgreSQL's one-statement upsert, and the ORM path
    elsewhere): the first submission time stays, an unchanged summary keeps
    its review, a late answer stays late, answers and the draft are replaced."""
    from quizzes.surveys.models import SurveyDraft
    from quizzes.surveys.services import survey_save_draft, survey_submit

    survey.allow_late = True
    survey.save()
    first = survey.due_at + timedelta(hours=1)
    survey_submit(survey=survey, user=learner, summary=JAPANESE_25,
                  answers={questions["rating"].key: 3}, now=first)  # fmt: skip
    SurveyResponse.objects.update(review_state="accepted", review_comment="よい")
    survey_save_draft(survey=survey, user=learner, summary="下書き", answers={})
    second = first + timedelta(hours=1)
    survey_submit(survey=survey, user=learner, summary=JAPANESE_25,
                  answers={questions["rating"].key: 5}, now=second)  # fmt: skip
    response = SurveyResponse.objects.get(user=learner)
    assert (response.submitted_at, response.updated_at) == (first, second)
    assert (response.review_state, response.review_comment) == ("accepted", "よい")
    assert response.late is True
    assert response.answers == {questions["rating"].key: 5}
    assert not SurveyDraft.objects.exists()
    survey_submit(survey=survey, user=learner, summary=JAPANESE_25 + "追記。",
                  answers={}, now=second)  # fmt: skip
    response.refresh_from_db()
    assert (response.review_state, response.review_comment) == ("pending", "よい")
    assert response.summary_chars == len(JAPANESE_25) + 3
