"""Review at scale: no decision preselected, filters for what needs a closer
look, bulk accept after a confirmation, and the learner seeing "Needs
revision" on their week."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
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


def _next(response) -> str | None:
    found = re.search(r'rel="next" href="([^"]+)"', response.text)
    return _url() + unescape(found.group(1)) if found else None


def test_the_queue_pages_oldest_first_with_the_same_queries_and_keeps_its_flag(
    client, staff, survey, course
):
    users = User.objects.bulk_create(
        User(email=f"q{i}@example.com", display_name=f"q{i}") for i in range(60)
    )
    Enrollment.objects.bulk_create(
        Enrollment(user=user, course=course, status="approved") for user in users
    )
    at = timezone.now() - timedelta(hours=1)
    SurveyResponse.objects.bulk_create(
        # Pairs share a time: the id breaks the tie, the same on every page.
        SurveyResponse(
            survey=survey,
            user=user,
            summary="A summary of the lecture.",
            summary_chars=25,
            late=i % 2 == 0,
            submitted_at=at + timedelta(seconds=i // 2),
        )
        for i, user in enumerate(users)
    )
    client.force_login(staff)
    client.get(_url())  # warm the session

    with CaptureQueriesContext(connection) as first_queries:
        first = client.get(_url(), {"flag": "late"})
    with CaptureQueriesContext(connection) as second_queries:
        second = client.get(_next(first))

    late = SurveyResponse.objects.filter(survey=survey, late=True).order_by(
        "submitted_at", "pk"
    )
    shown = re.findall(r"(q\d+)@example\.com", first.text + second.text)
    assert list(dict.fromkeys(shown)) == [r.user.display_name for r in late]
    assert "flag=late" in _next(first) and _next(second) is None
    assert len(second_queries) == len(first_queries)
