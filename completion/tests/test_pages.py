import csv
import io
import re
from html import unescape

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from completion import selectors
from completion.forms import DashboardFilterForm
from completion.models import (
    Certificate,
    CompletionOverride,
    CompletionRecord,
    CompletionRule,
    CompletionTier,
)
from completion.rules import Metrics
from completion.services import certification_compute, completion_override
from completion.tests.factories import (
    bulk_learners,
    course_work,
    extension_for_everything,
    homework_score,
    summary,
)
from completion.totals import dashboard_totals_refresh
from courses.models import Enrollment
from lms.csv import csv_safe

pytestmark = pytest.mark.django_db
Kind = CompletionRule.Kind


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def weeks(course):
    return course_work(course)


def _link(response, rel: str) -> str | None:
    """The page's "Next" or "Previous" link (rel="next"/"prev") as a URL."""
    found = re.search(rf'rel="{rel}" href="([^"]+)"', response.content.decode())
    return response.request["PATH_INFO"] + unescape(found.group(1)) if found else None


def _enrollment(user, course):
    return Enrollment.objects.get(user=user, course=course)


# The learner's progress page ----------------------------------------------


def test_progress_shows_every_criterion_met_or_missing_and_each_week(
    client, course, tiers, weeks, learner
):
    homework_score(learner, weeks[1], 5)
    summary(learner, weeks[1], "accepted")
    client.force_login(learner)

    response = client.get("/courses/llm/progress/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Honors" in html and "Completed" in html
    assert "Earn at least 10 homework points. You have 5." in html
    assert "Finish in the top 10% of the final ranking. You are not ranked yet." in html
    assert html.count("Missing") >= 3
    assert "Lecture 1" in html and "accepted" in html


def test_progress_reads_each_rule_as_a_plain_sentence_without_placeholders(
    client, course, weeks, learner
):
    tier = CompletionTier.objects.create(
        course=course, rank=1, name_ja="修了", name_en="Completed"
    )
    for kind, threshold in [
        (Kind.HOMEWORK_WEEKS_PASSED, 10),
        (Kind.SUMMARIES_SUBMITTED, 1),
        (Kind.COMPETITION_TOP_PERCENT, 10),
        (Kind.COMPETITION_ENTRY, 1),
    ]:
        CompletionRule.objects.create(tier=tier, kind=kind, threshold=threshold)
    client.force_login(learner)

    english = client.get("/courses/llm/progress/").content.decode()
    japanese = client.get(
        "/courses/llm/progress/", HTTP_ACCEPT_LANGUAGE="ja"
    ).content.decode()

    assert "Pass the homework in at least 10 weeks. You have passed 0." in english
    assert "Submit the lecture summary in at least 1 week." in english
    assert "Have a competition entry scored: not yet." in english
    assert " N " not in english and "(10)" not in english
    assert "10週以上で宿題に合格すること。合格は0週です。" in japanese


def test_progress_says_when_staff_decided_the_completion_instead_of_the_rules(
    client, course, tiers, weeks, learner, staff
):
    completed, _ = tiers
    enrollment = _enrollment(learner, course)
    certification_compute(
        course=course, metrics={enrollment.pk: Metrics()}, dry_run=False
    )
    completion_override(
        record=CompletionRecord.objects.get(enrollment=enrollment),
        outcome="complete",
        tier=completed,
        reason="Medical leave; work checked by hand.",
        by=staff,
    )
    client.force_login(learner)

    html = client.get("/courses/llm/progress/").content.decode()

    assert "Completed by staff decision (Completed)." in html
    assert "the rules below no longer decide it" in html
    assert "Medical leave" not in html  # staff's reason is staff's
    assert "✘ Missing" in html  # the rules alone would not have completed


def test_progress_links_the_learners_own_certificate_once_issued(
    client, course, tiers, weeks, learner
):
    enrollment = _enrollment(learner, course)
    certification_compute(
        course=course,
        metrics={enrollment.pk: Metrics(homework_points=12, summaries_submitted=3)},
        dry_run=False,
    )
    certificate = Certificate.objects.get()
    client.force_login(learner)

    html = client.get("/courses/llm/progress/").content.decode()

    assert f"/certificates/{certificate.code}.pdf" in html
    assert certificate.serial in html


def test_a_learner_never_sees_another_learners_progress_or_certificate(
    client, course, tiers, weeks, learner, user_factory
):
    other = user_factory(display_name="Someone Else")
    other_enrollment = Enrollment.objects.create(
        course=course, user=other, status=Enrollment.Status.APPROVED
    )
    homework_score(other, weeks[1], 5)
    certification_compute(
        course=course,
        metrics={
            other_enrollment.pk: Metrics(homework_points=12, summaries_submitted=3)
        },
        dry_run=False,
    )
    code = Certificate.objects.get().code
    client.force_login(learner)

    progress = client.get("/courses/llm/progress/").content.decode()
    pdf = client.get(f"/certificates/{code}.pdf")
    other_dashboard = client.get("/staff/llm/completion/")

    assert code not in progress
    assert "Someone Else" not in progress
    assert pdf.status_code == 404
    assert other_dashboard.status_code == 403


def test_progress_is_for_learners_of_the_course_only(client, course, applicant):
    client.force_login(applicant)

    assert client.get("/courses/llm/progress/").status_code == 403


# The staff dashboard --------------------------------------------------------


def test_the_dashboard_shows_a_row_per_learner_with_weekly_cells_and_totals(
    client, course, tiers, weeks, learner, staff
):
    homework_score(learner, weeks[1], 4)
    homework_score(learner, weeks[2], 2)
    summary(learner, weeks[1], "accepted")
    dashboard_totals_refresh(course=course)  # what the periodic beat task does
    client.force_login(staff)

    response = client.get("/staff/llm/completion/")

    html = response.content.decode()
    assert response.status_code == 200
    assert learner.email in html
    assert "4✔" in html  # week 1: score 4, summary accepted
    assert ">6<" in html  # points


def test_the_dashboard_takes_the_same_queries_at_10_100_and_1000_learners(
    client, course, tiers, weeks, staff, django_assert_num_queries
):
    client.force_login(staff)
    baseline = None
    cohort = 0
    for size in (10, 100, 1000):
        bulk_learners(course, size - cohort, prefix=f"c{size}-")
        dashboard_totals_refresh(course=course)
        cohort = size
        first = client.get("/staff/llm/completion/?sort=-points")  # warms the session
        # The second page when there is one (keyset: the "Next" link).
        url = _link(first, "next") or "/staff/llm/completion/?sort=-points"
        if baseline is None:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            baseline = len(queries)
        else:
            with django_assert_num_queries(baseline):
                response = client.get(url)
        assert response.status_code == 200
        on_page = size if size <= 50 else min(size - 50, 50)
        assert response.content.decode().count("/override/") == on_page
    # Session and user (when the session is in the database), course, role,
    # count, page, lectures, the page's submissions and summaries, tiers,
    # tier filter choices, and the two that measure "at risk" for its
    # definition beside the filter.
    assert baseline <= 14


def test_filters_find_learners_by_outcome_search_and_risk(
    client, course, tiers, weeks, learner, staff, user_factory
):
    idle = user_factory(email="idle@example.com")
    Enrollment.objects.create(
        course=course, user=idle, status=Enrollment.Status.APPROVED
    )
    for number in (1, 2, 3):
        homework_score(learner, weeks[number], 5)
        summary(learner, weeks[number])
    enrollment = _enrollment(learner, course)
    certification_compute(
        course=course,
        metrics={enrollment.pk: Metrics(homework_points=15, summaries_submitted=3)},
        dry_run=False,
    )
    dashboard_totals_refresh(course=course)
    client.force_login(staff)

    complete = client.get("/staff/llm/completion/?outcome=complete").content.decode()
    at_risk = client.get("/staff/llm/completion/?at_risk=on").content.decode()
    search = client.get("/staff/llm/completion/?q=idle").content.decode()

    assert learner.email in complete and "idle@example.com" not in complete
    assert "idle@example.com" in at_risk and learner.email not in at_risk
    assert "idle@example.com" in search and learner.email not in search


def test_at_risk_is_read_from_the_refresh_while_what_it_was_decided_on_holds(
    client, course, tiers, learner, staff, user_factory
):
    """The at-risk filter reads the flag the totals refresh stored; a
    deadline (or an extended one) passing or an extension granted or revoked
    since is decided live until the next periodic run re-decides the flags;
    work sent since shows at that run, as the totals do."""
    from datetime import timedelta

    from django.db.models import F
    from django.utils import timezone

    from completion.tasks import dashboard_totals_refresh_due
    from courses.models import Lecture
    from courses.services import extension_revoke
    from quizzes.homework.models import Homework, Submission
    from quizzes.surveys.models import Survey

    Lecture.objects.create(
        course=course,
        number=4,
        title="Lecture 4",
        starts_at=timezone.now(),
        published=True,
    )
    # Weeks 1-3 due, week 4 to come: the first tier needs 2 summaries, so
    # fewer than 1 by now cannot complete; the last two due are weeks 2 and 3.
    weeks = course_work(course, past_weeks=3)
    quiet, idle, extended = (
        user_factory(email=f"{name}@example.com")
        for name in ("quiet", "idle", "extended")
    )
    for user in (quiet, idle, extended):
        Enrollment.objects.create(
            course=course, user=user, status=Enrollment.Status.APPROVED
        )
    summary(learner, weeks[3])
    summary(quiet, weeks[1])  # enough so far, but nothing in weeks 2 and 3

    extension_for_everything(course, extended, staff, days=9)
    client.force_login(staff)
    emails = [u.email for u in (learner, quiet, idle, extended)]

    def listed() -> set[str]:
        html = client.get("/staff/llm/completion/?at_risk=on").content.decode()
        return {email for email in emails if email in html}

    def live() -> set[str]:
        rows = Enrollment.objects.filter(course=course, status="approved")
        at_risk = selectors.at_risk_q(course, now=timezone.now())
        return set(rows.filter(at_risk).values_list("user__email", flat=True))

    def flagged() -> set[str]:
        rows = Enrollment.objects.filter(course=course, at_risk=True)
        return set(rows.values_list("user__email", flat=True))

    dashboard_totals_refresh(course=course)
    assert flagged() == listed() == live() == {quiet.email, idle.email}

    # Work sent since the refresh (a homework not graded yet: no total
    # moves) shows at the next periodic run.
    Submission.objects.create(
        homework=weeks[3].homework, user=quiet, submitted_at=timezone.now()
    )
    assert listed() == {quiet.email, idle.email} != live()
    dashboard_totals_refresh_due()
    assert flagged() == listed() == live() == {idle.email}

    # A deadline passes: nothing was written, yet the list is right at once
    # (week 4 is due: one summary is now too few, and the last two due are
    # weeks 3 and 4), and the periodic run re-decides the flags.
    past = timezone.now() - timedelta(minutes=1)
    Homework.objects.filter(lecture=weeks[4]).update(due_at=past, reveal_at=past)
    Survey.objects.filter(lecture=weeks[4]).update(due_at=past)
    expected = {learner.email, quiet.email, idle.email}
    assert listed() == live() == expected != flagged()
    assert course.pk in dashboard_totals_refresh_due()
    assert flagged() == listed() == live() == expected

    # The extended learner's own deadlines pass (every due time 10 days
    # earlier, in the same order): they missed the last two weeks.
    Homework.objects.filter(lecture__course=course).update(
        due_at=F("due_at") - timedelta(days=10)
    )
    assert listed() == live() == expected | {extended.email} != flagged()
    dashboard_totals_refresh_due()
    assert flagged() == listed() == live() == expected | {extended.email}

    # An extension granted, or taken back, counts at once.
    extension_for_everything(course, idle, staff, days=30)
    assert listed() == live() == {learner.email, quiet.email, extended.email}
    extension_revoke(extension=idle.extensions.get(), by=staff)
    assert listed() == live() == expected | {extended.email}


def test_htmx_paging_returns_only_the_table(client, course, tiers, weeks, staff):
    bulk_learners(course, 60)
    client.force_login(staff)
    first = client.get("/staff/llm/completion/")

    response = client.get(_link(first, "next"), headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="completion-table">')
    assert html.count("/override/") == 10
    assert 'rel="prev"' in html and 'rel="next"' not in html


# CSV -------------------------------------------------------------------------


def test_the_csv_streams_every_learner_safe_from_formulas(
    client, course, tiers, weeks, staff, learner, user_factory
):
    sneaky = user_factory(email="sneaky@example.com", display_name="=HYPERLINK(1)")
    Enrollment.objects.create(
        course=course, user=sneaky, status=Enrollment.Status.APPROVED
    )
    homework_score(sneaky, weeks[1], 5)
    client.force_login(staff)

    response = client.get("/staff/llm/completion.csv")

    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:3] == ["email", "name", "category"]
    assert "week1_score" in rows[0]
    names = {row[1] for row in rows[1:]}
    assert "'=HYPERLINK(1)" in names
    assert len(rows) == 3
    sneaky_row = next(row for row in rows if row[0] == "sneaky@example.com")
    assert sneaky_row[rows[0].index("week1_score")] == "5"


def test_the_csv_follows_the_filter(client, course, tiers, weeks, staff, learner):
    client.force_login(staff)

    response = client.get("/staff/llm/completion.csv?q=nobody-matches")

    body = b"".join(response.streaming_content).decode("utf-8")
    assert len(body.strip().splitlines()) == 1


def _csv(client, url) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def _dashboard_as_rows(course, **filters) -> list[list[str]]:
    """What the dashboard shows, cell by cell (its queryset and weekly grid),
    as the CSV should say it: the reference the one-query CSV must match."""
    weeks = selectors.course_weeks(course)
    tiers = {t.pk: t.name_en for t in CompletionTier.objects.filter(course=course)}
    rows = list(selectors.dashboard_rows(course=course, **filters))
    grid = selectors.week_grid(course, [e.user_id for e in rows])
    text = []
    for e in rows:
        cells = grid[e.user_id]
        values = (
            [csv_safe(e.user.email), csv_safe(e.user.display_name), e.category]
            + [cells.get(w["number"], {}).get("score") for w in weeks]
            + [cells.get(w["number"], {}).get("summary") for w in weeks]
            + [e.homework_points, e.weeks_passed, e.summaries, e.final_outcome]
            + [tiers.get(e.final_tier)]
        )
        text.append(["" if v is None else str(v) for v in values])
    return text


def test_the_csv_says_what_the_dashboard_shows_in_its_order_for_every_sort(
    client, course, tiers, weeks, staff, user_factory
):
    names = ["Ada", '+Bo "the, second"', "Cy\nnewline", "Ada", "@Dee"]
    users = [
        user_factory(email=f"l{i}@example.com", display_name=name)
        for i, name in enumerate(names)
    ]
    for user in users:
        Enrollment.objects.create(
            course=course, user=user, status=Enrollment.Status.APPROVED
        )
    for i, user in enumerate(users):
        for number in (1, 2):
            if (i + number) % 3:
                homework_score(user, weeks[number], (i * 2 + number) % 6)
        summary(user, weeks[1], ["pending", "accepted", "flagged"][i % 3])
    # Not graded yet, and a homework staff unpublished: no score in either.
    homework_score(users[4], weeks[3], 5).__class__.objects.filter(
        user=users[4], homework=weeks[3].homework
    ).update(score=None)
    homework = weeks[2].homework
    homework.published = False
    homework.save()
    certification_compute(
        course=course,
        metrics={
            _enrollment(users[0], course).pk: Metrics(
                homework_points=12, summaries_submitted=2
            )
        },
        dry_run=False,
        issue_certificates=False,
    )
    dashboard_totals_refresh(course=course)
    client.force_login(staff)

    for sort, _label in DashboardFilterForm.base_fields["sort"].choices:
        url = f"/staff/llm/completion.csv?sort={sort}"
        rows = _csv(client, url)
        assert rows[0] == selectors.dashboard_columns(selectors.course_weeks(course))
        assert rows[1:] == _dashboard_as_rows(
            course, sort=sort.lstrip("-"), descending=sort.startswith("-")
        ), url
    # A filter narrows the rows the same way.
    rows = _csv(client, "/staff/llm/completion.csv?outcome=complete")
    assert rows[1:] == _dashboard_as_rows(course, outcome="complete")
    assert [row[0] for row in rows[1:]] == ["l0@example.com"]
    assert rows[1][-1] == "Completed"


def test_the_csv_takes_the_same_queries_at_10_and_200_learners(
    client, course, tiers, weeks, staff, django_assert_num_queries
):
    client.force_login(staff)
    url = "/staff/llm/completion.csv?sort=-points"
    bulk_learners(course, 10, prefix="small-")
    _csv(client, url)
    with CaptureQueriesContext(connection) as queries:
        assert len(_csv(client, url)) == 11
    bulk_learners(course, 190, prefix="large-")
    with django_assert_num_queries(len(queries)):
        assert len(_csv(client, url)) == 201


# Overrides and reminders ------------------------------------------------------


def test_staff_override_needs_a_reason_and_shows_in_the_audit_list(
    client, course, tiers, weeks, staff, learner
):
    enrollment = _enrollment(learner, course)
    client.force_login(staff)
    url = f"/staff/llm/completion/learners/{enrollment.pk}/override/"

    refused = client.post(url, {"outcome": "complete", "tier": tiers[0].pk})
    accepted = client.post(
        url,
        {"outcome": "complete", "tier": tiers[0].pk, "reason": "Hospitalised"},
    )
    audit = client.get("/staff/llm/completion/overrides/").content.decode()

    assert refused.status_code == 200
    assert accepted.status_code == 302
    assert CompletionOverride.objects.count() == 1
    assert CompletionRecord.objects.get(enrollment=enrollment).final_outcome == (
        "complete"
    )
    assert "Hospitalised" in audit


def test_staff_email_the_learners_of_a_filtered_view(
    client, course, tiers, weeks, staff, learner, user_factory,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    Enrollment.objects.create(
        course=course,
        user=user_factory(email="busy@example.com"),
        status=Enrollment.Status.APPROVED,
    )
    homework_score(learner, weeks[1], 5)
    client.force_login(staff)

    form = {"q": "busy", "subject": "Week 3", "body": "Two weeks left."}
    with django_capture_on_commit_callbacks(execute=True):
        confirm = client.post("/staff/llm/completion/remind/", form)
    assert "1 learner will receive this email" in confirm.text
    assert "Two weeks left." in confirm.text
    assert mail.outbox == [], "nothing is sent before it is confirmed"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/staff/llm/completion/remind/", form | {"confirmed": "1"}
        )

    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["busy@example.com"]]
    assert mail.outbox[0].subject == "Week 3"


def test_only_course_admins_start_a_certification_run(
    client, course, tiers, staff, course_admin
):
    client.force_login(staff)
    refused = client.post("/staff/llm/completion/run/start/", {"mode": "record"})
    page = client.get("/staff/llm/completion/run/")

    assert refused.status_code == 403
    assert page.status_code == 200


def test_outcome_and_tier_filters_read_the_final_decision_overrides_included(
    client, course, tiers, staff, enrollments
):
    """Each filter shows exactly the learners whose final decision it names:
    an override wins over the rules and brings its tier, and a learner the
    rules never decided on (no record) is pending."""
    basic, honors = tiers
    computed, overridden, undecided, no_record = enrollments(4)
    CompletionRecord.objects.create(
        enrollment=computed, course=course, outcome="complete", tier=basic
    )
    record = CompletionRecord.objects.create(
        enrollment=overridden, course=course, outcome="incomplete"
    )
    CompletionRecord.objects.create(enrollment=undecided, course=course)
    # Staff overrule the rules after the record was written.
    record.override_outcome, record.override_tier = "complete", honors
    record.save()
    client.force_login(staff)

    def shown(query: str) -> set[int]:
        page = client.get(f"/staff/llm/completion/?{query}").content.decode()
        return {
            e.pk
            for e in (computed, overridden, undecided, no_record)
            if e.user.email in page
        }

    assert shown("outcome=complete") == {computed.pk, overridden.pk}
    assert shown("outcome=incomplete") == set()
    assert shown("outcome=pending") == {undecided.pk, no_record.pk}
    assert shown(f"tier={honors.pk}") == {overridden.pk}
    assert shown(f"tier={basic.pk}") == {computed.pk}
    assert shown(f"outcome=complete&tier={basic.pk}") == {computed.pk}
    # Clearing the override hands the decision back to the rules.
    record.override_outcome, record.override_tier = "", None
    record.save()
    assert shown("outcome=incomplete") == {overridden.pk}
    assert shown(f"tier={honors.pk}") == set()
