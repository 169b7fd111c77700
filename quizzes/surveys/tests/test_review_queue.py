"""Review at scale: no decision preselected, filters for what needs a closer
look, bulk accept after a confirmation, and the learner seeing "Needs
revision" on their week."""

import pytest
from django.urls import reverse

from courses.models import Enrollment
from quizzes.surveys.models import CopyPair, SurveyResponse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def queue(survey, user_factory, course):
    """Four summaries: a long one, a short one (under 1.5 × the 20-character
    minimum), a late one, and one already sent back."""
    rows = {}
    for name, text, fields in [
        ("long", "トランスフォーマーの注意機構について詳しく学びました。" * 2, {}),
        ("short", "注意機構を学んだ。" * 2 + "終", {}),
        (
            "late",
            "位置埋め込みと注意機構の関係がよく分かりました。" * 2,
            {"late": True},
        ),
        (
            "sent_back",
            "要約を書き直してください、と言われた要約です。" * 2,
            {"review_state": "needs_revision", "review_comment": "もっと具体的に"},
        ),
    ]:
        user = user_factory(email=f"{name}@example.com", display_name=name)
        Enrollment.objects.create(user=user, course=course, status="approved")
        rows[name] = SurveyResponse.objects.create(
            survey=survey,
            user=user,
            summary=text,
            summary_chars=len(text),
            **fields,
        )
    return rows


def _url(name="staff_survey_summaries", *args):
    return reverse(name, args=["llm", 2, *args])


def test_an_unreviewed_summary_has_no_decision_chosen_and_saving_nothing_refuses(
    client, staff, queue
):
    client.force_login(staff)

    page = client.get(_url()).text
    refused = client.post(
        _url("staff_survey_review", queue["long"].pk), {"comment": ""}, follow=True
    )

    assert "<select" not in page.split('id="summaries"')[1], "no preset dropdown"
    assert page.count('name="state" value="accepted"') == 4
    assert "Choose a decision." in refused.text
    queue["long"].refresh_from_db()
    assert queue["long"].review_state == "pending"


@pytest.mark.parametrize(
    ("flag", "shown"),
    [
        ("short", {"short"}),
        ("late", {"late"}),
        ("flagged", {"sent_back"}),
        ("copies", {"long", "short"}),
        ("", {"long", "short", "late", "sent_back"}),
        ("nonsense", {"long", "short", "late", "sent_back"}),
    ],
)
def test_filters_narrow_the_queue_to_what_needs_a_closer_look(
    client, staff, survey, queue, flag, shown
):
    CopyPair.objects.create(
        survey=survey,
        kind="pair",
        response=queue["long"],
        other=queue["short"],
        similarity=1.0,
    )
    client.force_login(staff)

    page = client.get(_url(), {"flag": flag}).text

    listed = {name for name in queue if f"{name}@example.com" in page}
    assert listed == shown


def test_bulk_accept_confirms_the_count_then_accepts_only_this_surveys_summaries(
    client, staff, queue, other_course_response
):
    client.force_login(staff)
    chosen = [queue["long"].pk, queue["short"].pk, other_course_response.pk]

    confirm = client.post(_url("staff_survey_accept_selected"), {"selected": chosen})

    assert "2 summaries will be accepted" in confirm.text
    assert not SurveyResponse.objects.filter(review_state="accepted").exists()

    done = client.post(
        _url("staff_survey_accept_selected"),
        {"selected": chosen, "confirmed": "1", "filter_query": "flag=short&evil=1"},
        follow=True,
    )

    assert "2 summaries accepted." in done.text
    assert done.redirect_chain[-1][0].endswith("?flag=short")
    accepted = set(
        SurveyResponse.objects.filter(review_state="accepted").values_list(
            "pk", flat=True
        )
    )
    assert accepted == {queue["long"].pk, queue["short"].pk}
    other_course_response.refresh_from_db()
    assert other_course_response.review_state == "pending"


def test_bulk_accept_with_nothing_selected_says_so(client, staff, queue):
    client.force_login(staff)

    page = client.post(
        _url("staff_survey_accept_selected"), {"selected": ["x", "", "-1"]}, follow=True
    )

    assert "Select at least one summary that is not accepted." in page.text


def test_learners_cannot_review_or_bulk_accept(client, queue, learner):
    client.force_login(learner)

    assert client.get(_url()).status_code == 403
    assert (
        client.post(
            _url("staff_survey_accept_selected"),
            {"selected": [queue["long"].pk], "confirmed": "1"},
        ).status_code
        == 403
    )


def test_a_summary_sent_back_reads_needs_revision_on_the_learners_home(
    client, staff, survey, learner
):
    response = SurveyResponse.objects.create(
        survey=survey, user=learner, summary="x" * 30, summary_chars=30
    )
    client.force_login(learner)
    assert "Submitted" in client.get("/").text

    client.force_login(staff)
    client.post(
        _url("staff_survey_review", response.pk),
        {"state": "needs_revision", "comment": "Say more about attention."},
    )
    client.force_login(learner)
    home = client.get("/").text
    course_page = client.get("/courses/llm/").text

    assert "Needs revision" in home
    assert "Needs revision" in course_page
    assert 'class="badge state-needs_revision"' in home


@pytest.fixture
def other_course_response(user_factory):
    """A pending summary in another course's survey."""
    from datetime import timedelta

    from django.utils import timezone

    from courses.models import Course, Lecture
    from quizzes.surveys.models import Survey

    other = Course.objects.create(slug="other", title="Other")
    lecture = Lecture.objects.create(
        course=other, number=1, title="L1", starts_at=timezone.now()
    )
    survey = Survey.objects.create(
        lecture=lecture,
        opens_at=timezone.now() - timedelta(days=1),
        due_at=timezone.now() + timedelta(days=1),
        published=True,
    )
    return SurveyResponse.objects.create(
        survey=survey, user=user_factory(), summary="other", summary_chars=5
    )
