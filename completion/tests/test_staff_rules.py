"""The completion rules page, the certification's confirmation and the list
of every change a dry run counts, and the dashboard's reading aids."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from completion.models import Certificate, CompletionRecord, CompletionRule
from completion.rules import Metrics
from completion.services import certification_compute, certification_start
from completion.tests.factories import (
    bulk_learners,
    course_work,
    homework_score,
    summary,
)
from lms.models import Job

pytestmark = pytest.mark.django_db

URL = "/staff/llm/completion/rules/"
Kind = CompletionRule.Kind


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def weeks(course):
    return course_work(course)


def _form(tiers, **changes) -> dict:
    """The rules form as the page posts it for the `tiers` fixture."""
    completed, honors = tiers
    data = {
        f"{completed.pk}-name_ja": "修了",
        f"{completed.pk}-name_en": "Completed",
        f"{completed.pk}-{Kind.HOMEWORK_POINTS}": "10",
        f"{completed.pk}-{Kind.SUMMARIES_SUBMITTED}": "2",
        f"{honors.pk}-name_ja": "優秀修了",
        f"{honors.pk}-name_en": "Honors",
        f"{honors.pk}-{Kind.HOMEWORK_POINTS}": "10",
        f"{honors.pk}-{Kind.SUMMARIES_SUBMITTED}": "2",
        f"{honors.pk}-{Kind.COMPETITION_TOP_PERCENT}": "10",
    }
    return data | changes


def _learner_with(course, weeks, user, *, points_weeks: int, summaries: int):
    for number in range(1, points_weeks + 1):
        homework_score(user, weeks[number], 5)
    for number in range(1, summaries + 1):
        summary(user, weeks[number])


def test_the_rules_read_as_sentences_with_the_saved_numbers(
    client, course, tiers, weeks, staff
):
    client.force_login(staff)

    page = client.get(URL).text

    assert "Homework passed in at least" in page
    assert f"of {len(weeks)} weeks" in page
    assert f'name="{tiers[0].pk}-{Kind.HOMEWORK_POINTS}" value="10"' in page
    assert "Only course admins can save the rules." in page


def test_the_preview_counts_each_tier_with_the_new_rules_before_saving(
    client, course, tiers, weeks, staff, user_factory
):
    from courses.models import Enrollment

    for points_weeks in (1, 2, 3):
        user = user_factory()
        Enrollment.objects.create(course=course, user=user, status="approved")
        _learner_with(course, weeks, user, points_weeks=points_weeks, summaries=2)
    client.force_login(staff)

    saved = client.get(URL).text
    # 10 points: learners with 2 and 3 weeks of 5 points complete.
    assert "2 of 3 approved learners would complete." in saved

    preview = client.post(
        URL,
        _form(tiers, **{f"{tiers[0].pk}-{Kind.HOMEWORK_POINTS}": "15"}),
        headers={"HX-Request": "true", "HX-Target": "rules-preview"},
    )

    assert preview.status_code == 200
    assert "<form" not in preview.text, "htmx gets the preview fragment only"
    assert "1 of 3 approved learners would complete." in preview.text
    assert CompletionRule.objects.get(
        tier=tiers[0], kind=Kind.HOMEWORK_POINTS
    ).threshold == Decimal(10), "a preview saves nothing"


def test_the_preview_button_works_without_javascript(
    client, course, tiers, weeks, staff
):
    client.force_login(staff)

    page = client.post(
        URL,
        _form(tiers, action="preview", **{f"{tiers[0].pk}-{Kind.HOMEWORK_POINTS}": ""}),
    )

    assert page.status_code == 200
    assert "With these rules" in page.text
    assert "Save the rules" not in page.text
    assert CompletionRule.objects.filter(tier=tiers[0]).count() == 2


def test_admins_save_rules_add_a_tier_and_drop_an_unused_criterion(
    client, course, tiers, weeks, course_admin
):
    client.force_login(course_admin)
    completed = tiers[0]

    response = client.post(
        URL,
        _form(
            tiers,
            action="save",
            **{
                f"{completed.pk}-{Kind.HOMEWORK_POINTS}": "",
                f"{completed.pk}-{Kind.HOMEWORK_WEEKS_PASSED}": "2",
                f"{completed.pk}-{Kind.COMPETITION_ENTRY}": "on",
                "new-name_ja": "最優秀",
                "new-name_en": "Highest honors",
                f"new-{Kind.HOMEWORK_POINTS}": "15",
            },
        ),
    )

    assert response.status_code == 302
    assert set(
        CompletionRule.objects.filter(tier=completed).values_list("kind", "threshold")
    ) == {
        (Kind.HOMEWORK_WEEKS_PASSED, Decimal(2)),
        (Kind.SUMMARIES_SUBMITTED, Decimal(2)),
        (Kind.COMPETITION_ENTRY, Decimal(0)),
    }
    new = course.completion_tiers.get(name_en="Highest honors")
    assert new.rank == 3
    assert list(new.rules.values_list("kind", flat=True)) == [Kind.HOMEWORK_POINTS]


@pytest.mark.parametrize(
    "bad",
    [
        {"1-homework_points": "-3"},
        {"1-homework_points": "ten"},
        {"1-competition_top": "0"},
        {"1-name_en": ""},
        {"new-name_ja": "半分だけ"},
        {"1-homework_points": "1" * 50},
    ],
)
def test_bad_numbers_are_refused_with_a_message_and_change_nothing(
    client, course, tiers, weeks, course_admin, bad
):
    client.force_login(course_admin)
    completed = tiers[0]
    bad = {k.replace("1-", f"{completed.pk}-"): v for k, v in bad.items()}
    before = list(CompletionRule.objects.values_list("tier", "kind", "threshold"))

    page = client.post(URL, _form(tiers, action="save", **bad))

    assert page.status_code == 200
    assert 'role="alert"' in page.text
    assert "Correct the highlighted values to see the counts." in page.text
    assert list(CompletionRule.objects.values_list("tier", "kind", "threshold")) == (
        before
    )
    assert course.completion_tiers.count() == 2


def test_staff_cannot_save_rules_and_learners_cannot_see_them(
    client, course, tiers, weeks, staff, learner
):
    client.force_login(staff)
    refused = client.post(URL, _form(tiers, action="save"))
    client.force_login(learner)

    assert refused.status_code == 403
    assert client.get(URL).status_code == 403


def test_the_rules_page_costs_the_same_queries_for_any_cohort(
    client, course, tiers, weeks, staff
):
    client.force_login(staff)
    bulk_learners(course, 3)
    client.get(URL)  # the session and caches warm
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    bulk_learners(course, 40, prefix="more")
    with CaptureQueriesContext(connection) as many:
        client.get(URL)

    assert len(many) == len(few)


# Certification: every counted change listed, and recording confirmed ------


def test_the_dry_run_lists_every_record_it_counts_paginated(
    client, course, tiers, weeks, course_admin, django_capture_on_commit_callbacks
):
    learners = bulk_learners(course, 60)
    # Recorded before, with figures that are now out of date: the outcome of
    # most stays, but each record changes.
    certification_compute(
        course=course,
        metrics={e.pk: Metrics(homework_points=1) for e in learners},
        dry_run=False,
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = certification_start(course=course, dry_run=True, by=course_admin)
    job.refresh_from_db()
    client.force_login(course_admin)

    first = client.get(f"/staff/llm/completion/run/?job={job.pk}").text
    second = client.get(f"/staff/llm/completion/run/?job={job.pk}&page=2").text

    assert job.result["changed"] == 60
    assert "60 records would change" in first
    assert "60 records change" in first
    assert "Page 1 of 2" in first
    assert first.count('class="change-row"') == 50
    assert second.count('class="change-row"') == 10
    assert "60 of 60 (100%)" in first


def test_recording_asks_first_saying_how_many_certificates_go_out(
    client, course, tiers, weeks, course_admin, learner,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    _learner_with(course, weeks, learner, points_weeks=3, summaries=2)
    client.force_login(course_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/staff/llm/completion/run/start/", {"mode": "dry_run"})

    confirm = client.post("/staff/llm/completion/run/start/", {"mode": "record"})

    assert confirm.status_code == 200
    assert (
        "1 learner would be issued a certificate and receive it by email."
        in confirm.text
    )
    assert not CompletionRecord.objects.exists()
    assert Job.objects.filter(result__dry_run=False).count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            "/staff/llm/completion/run/start/", {"mode": "record", "confirmed": "1"}
        )

    assert done.status_code == 302
    assert Certificate.objects.count() == 1


# The dashboard: legend first, "at risk" defined beside the filter ---------


def test_the_dashboard_legend_comes_before_the_table_and_at_risk_is_defined(
    client, course, tiers, weeks, staff, learner
):
    client.force_login(staff)

    page = client.get("/staff/llm/completion/").text

    assert page.index('class="legend"') < page.index('<table class="table completion"')
    assert 'aria-describedby="at-risk-definition"' in page
    definition = page[page.index('id="at-risk-definition"') :]
    definition = definition[: definition.index("</p>")]
    # From the same numbers the filter uses: the first tier needs 2 summaries
    # and no passed weeks; every week is due.
    assert "0 weeks of homework passed and 2 lecture summaries" in definition
    assert "0 weeks are still to come" in definition
    assert "last two weeks already due" in definition
