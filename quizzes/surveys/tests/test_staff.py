import csv
import io

import pytest
from django.urls import reverse

from courses.models import Enrollment
from quizzes.surveys.models import Survey, SurveyCourseSettings, SurveyResponse
from quizzes.surveys.selectors import counted_survey_responses, rating_distribution

pytestmark = pytest.mark.django_db


@pytest.fixture
def responses(survey, questions, user_factory, course):
    """Five learners answered: ratings 5, 4, 4, 2 and one without comment."""
    rows = []
    for i, (rating, comment) in enumerate(
        [(5, "最高でした"), (4, '=HYPERLINK("http://evil")'), (4, ""), (2, "難しい")]
    ):
        user = user_factory(email=f"l{i}@example.com", display_name=f"Learner {i}")
        Enrollment.objects.create(user=user, course=course, status="approved")
        answers = {questions["rating"].key: rating}
        if comment:
            answers[questions["comment"].key] = comment
        rows.append(
            SurveyResponse.objects.create(
                survey=survey,
                user=user,
                summary=f"要約その{i}。トランスフォーマーの仕組みを学びました。",
                answers=answers,
            )
        )
    return rows


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_ratings_are_counted_per_value(survey, questions, responses):
    stats = rating_distribution(survey, questions["rating"])
    assert [(bar.value, bar.count) for bar in stats.bars] == [
        (1, 0),
        (2, 1),
        (3, 0),
        (4, 2),
        (5, 1),
    ]
    assert stats.answered == 4
    assert stats.mean == 3.75


def test_the_overview_shows_the_response_rate_and_the_rating_bars(
    client, staff, survey, responses
):
    client.force_login(staff)
    page = client.get(
        reverse("staff_survey", args=["llm", 2]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 200
    # 4 responses of 4 approved learners
    assert "100.0%" in page.text
    assert "<svg" in page.text
    assert "mean 3.75" in page.text


def test_free_comments_can_be_filtered(client, staff, survey, questions, responses):
    client.force_login(staff)
    url = reverse("staff_survey", args=["llm", 2])
    page = client.get(url, {"question": questions["comment"].pk, "q": "難しい"})
    assert "難しい" in page.text
    assert "最高でした" not in page.text
    fragment = client.get(
        url, {"q": "最高"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="comments"
    )
    assert "最高でした" in fragment.text
    assert "<html" not in fragment.text


def test_the_summary_review_list_is_searchable_and_paginated(
    client, staff, survey, responses
):
    client.force_login(staff)
    url = reverse("staff_survey_summaries", args=["llm", 2])
    page = client.get(url, {"q": "l2@example.com"})
    assert "要約その2" in page.text
    assert "要約その1" not in page.text
    assert client.get(url, {"page": 99}).status_code == 200


def test_staff_flag_a_summary_with_htmx_and_see_the_row_change(
    client, staff, survey, responses
):
    client.force_login(staff)
    target = responses[0]
    row = client.post(
        reverse("staff_survey_review", args=["llm", 2, target.pk]),
        {"state": "accepted", "comment": ""},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert row.status_code == 200
    assert row.text.strip().startswith("<tr")
    target.refresh_from_db()
    assert target.review_state == "accepted"
    assert target.reviewed_by == staff


def test_needs_revision_requires_a_comment_for_the_learner(
    client, staff, survey, responses
):
    client.force_login(staff)
    target = responses[0]
    client.post(
        reverse("staff_survey_review", args=["llm", 2, target.pk]),
        {"state": "needs_revision", "comment": ""},
    )
    target.refresh_from_db()
    assert target.review_state == "pending"


def test_the_responses_csv_is_utf8_with_bom_and_formula_safe(
    client, staff, survey, responses
):
    client.force_login(staff)
    rows = _csv(client.get(reverse("staff_survey_responses_csv", args=["llm", 2])))
    assert rows[0][:2] == ["email", "name"]
    assert len(rows) == 5
    comments = [row[-1] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil")' in comments
    assert not any(c.startswith(("=", "+", "-", "@")) for row in rows for c in row)


def test_the_aggregates_csv_has_a_row_per_rating_value(
    client, staff, survey, responses
):
    client.force_login(staff)
    rows = _csv(client.get(reverse("staff_survey_aggregates_csv", args=["llm", 2])))
    rating_rows = [row for row in rows if row[0] == "Understanding"]
    assert [(r[2], r[3]) for r in rating_rows] == [
        ("1", "0"),
        ("2", "1"),
        ("3", "0"),
        ("4", "2"),
        ("5", "1"),
    ]


def test_a_learner_never_reaches_another_learners_summary(
    client, learner, survey, responses, questions
):
    client.force_login(learner)
    page = client.get(survey.get_absolute_url())
    assert all(r.summary not in page.text for r in responses)
    draft = client.post(
        reverse("survey_draft", args=["llm", 2]),
        {"summary": "x"},
        HTTP_HX_REQUEST="true",
    )
    assert all(r.summary not in draft.text for r in responses)
    for name, args in [
        ("staff_surveys", ["llm"]),
        ("staff_survey", ["llm", 2]),
        ("staff_survey_summaries", ["llm", 2]),
        ("staff_survey_responses_csv", ["llm", 2]),
        ("staff_survey_aggregates_csv", ["llm", 2]),
        ("staff_survey_copies", ["llm", 2]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 403, name
    review = client.post(
        reverse("staff_survey_review", args=["llm", 2, responses[0].pk]),
        {"state": "accepted"},
    )
    assert review.status_code == 403
    assert SurveyResponse.objects.get(pk=responses[0].pk).review_state == "pending"


def test_staff_of_another_course_cannot_see_this_courses_summaries(
    client, other_staff, survey, responses
):
    client.force_login(other_staff)
    url = reverse("staff_survey_summaries", args=["llm", 2])
    assert client.get(url).status_code == 403


def test_only_accepted_summaries_count_when_the_course_says_so(
    client, course_admin, course, survey, responses
):
    assert counted_survey_responses(course).count() == 4
    SurveyResponse.objects.filter(pk=responses[0].pk).update(review_state="accepted")
    client.force_login(course_admin)
    client.post(reverse("staff_survey_settings", args=["llm"]), {"only_accepted": "on"})
    assert SurveyCourseSettings.objects.get(course=course).only_accepted_summaries_count
    assert list(counted_survey_responses(course)) == [responses[0]]


def test_plain_staff_cannot_change_the_completion_setting(client, staff, course):
    client.force_login(staff)
    response = client.post(
        reverse("staff_survey_settings", args=["llm"]), {"only_accepted": "on"}
    )
    assert response.status_code == 403
    assert not SurveyCourseSettings.objects.exists()


@pytest.mark.parametrize(
    "q", ["ATTENTION heads", "注意機構", "Grace H", "grace@UNI", "MULTI-HEAD"]
)
def test_the_review_queue_search_finds_a_summary_by_its_text_or_its_learner(
    client, settings, staff, survey, course, user_factory, q
):
    settings.LANGUAGE_CODE = "en"
    grace = user_factory(email="grace@uni.example", display_name="Grace Hopper")
    alan = user_factory(email="alan@corp.example", display_name="Alan")
    for user, summary in [
        (grace, "Multi-head attention heads and 注意機構 were the core."),
        (alan, "Tokenization and embeddings."),
    ]:
        Enrollment.objects.create(user=user, course=course, status="approved")
        SurveyResponse.objects.create(
            survey=survey, user=user, summary=summary, summary_chars=len(summary)
        )
    # The same learner's summary of another week is not in this week's queue.
    other_week = Survey.objects.create(
        lecture=course.lectures.get(number=3),
        due_at=survey.due_at,
        summary_min_chars=20,
        published=True,
    )
    SurveyResponse.objects.create(
        survey=other_week, user=grace, summary="Week 3: attention heads again."
    )
    client.force_login(staff)
    url = reverse("staff_survey_summaries", args=["llm", 2])

    page = client.get(url, {"q": q}).text

    assert "Multi-head attention heads" in page
    assert "Tokenization" not in page
    assert "Week 3" not in page
    assert "1 summary" in page
