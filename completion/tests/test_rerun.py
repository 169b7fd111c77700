"""A re-run of an unchanged course is skipped (PostgreSQL: the inputs
sequence and its triggers), and any change to what a run reads makes the
next run decide again. Transactions are real here: the triggers and the
run's own transaction-local setting behave as in production."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from completion.models import Certificate, CompletionRecord, CompletionRule
from completion.services import (
    certificate_revoke,
    certification_run,
    completion_override,
)
from completion.tests.factories import course_work, homework_score, summary
from courses.models import Enrollment
from quizzes.homework.models import Submission
from quizzes.surveys.models import SurveyResponse

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the inputs stamp is PostgreSQL's"
    ),
]


@pytest.fixture
def certified(course, tiers, enrollments):
    """Two learners who complete (12 points, two summaries) and one who does
    not, after a first real run. The course has three weeks."""
    weeks = course_work(course)
    passing, failing = enrollments(2), enrollments(1)[0]
    for enrollment in passing:
        for number in (1, 2, 3):
            homework_score(enrollment.user, weeks[number], 4)
        summary(enrollment.user, weeks[1], "accepted")
        summary(enrollment.user, weeks[2], "accepted")
    homework_score(failing.user, weeks[1], 2)
    result = certification_run(course=course, dry_run=False)
    assert result["skipped"] is False and result["complete"] == 2
    assert Certificate.objects.count() == 2
    return weeks, passing, failing


def test_a_rerun_of_an_unchanged_course_is_skipped_and_changes_nothing(
    course, certified
):
    records = list(CompletionRecord.objects.values_list("id", "decided_at"))
    with CaptureQueriesContext(connection) as queries:
        result = certification_run(course=course, dry_run=False)
    assert result["skipped"] is True
    assert (result["complete"], result["changed"], result["certificates_issued"]) == (
        2,
        0,
        0,
    )
    assert len(queries) <= 2  # the stamp (and writers check), the last state
    assert list(CompletionRecord.objects.values_list("id", "decided_at")) == records
    assert Certificate.objects.count() == 2
    # The skip itself changed nothing either: skipped again.
    assert certification_run(course=course, dry_run=False)["skipped"] is True


def test_a_dry_run_always_decides(course, certified):
    assert certification_run(course=course, dry_run=True)["skipped"] is False
    assert certification_run(course=course, dry_run=False)["skipped"] is True


@pytest.mark.parametrize(
    "change",
    [
        "a score changes (bulk update)",
        "a summary is rejected",
        "a learner withdraws",
        "a rule changes",
        "staff override an outcome",
        "a certificate is revoked",
    ],
)
def test_any_change_to_what_a_run_reads_makes_the_next_run_decide(
    course, certified, change, staff
):
    weeks, passing, failing = certified
    if change == "a score changes (bulk update)":
        Submission.objects.filter(user=failing.user).update(score=5)
        for number in (2, 3):
            homework_score(failing.user, weeks[number], 5)
        summary(failing.user, weeks[1], "pending")
        summary(failing.user, weeks[2], "pending")
        expected = 3
    elif change == "a summary is rejected":
        SurveyResponse.objects.filter(user=passing[0].user).update(
            review_state="rejected"
        )
        expected = 2  # rejected summaries still count as submitted
    elif change == "a learner withdraws":
        Enrollment.objects.filter(pk=passing[0].pk).update(status="withdrawn")
        expected = 1
    elif change == "a rule changes":
        CompletionRule.objects.filter(kind="homework_points").update(threshold=13)
        expected = 0
    elif change == "staff override an outcome":
        record = CompletionRecord.objects.get(enrollment=failing)
        completion_override(
            record=record,
            outcome="complete",
            tier=course.completion_tiers.get(rank=1),
            reason="Missed a week for a hospital stay.",
            by=staff,
        )
        expected = 3
    else:
        certificate_revoke(certificate=Certificate.objects.first(), reason="Copied.")
        expected = 2
    result = certification_run(course=course, dry_run=False)
    assert result["skipped"] is False
    assert result["complete"] == expected
    if change == "staff override an outcome":
        assert result["certificates_issued"] == 1  # the overridden learner's
    assert certification_run(course=course, dry_run=False)["skipped"] is True


def test_a_run_while_another_transaction_writes_is_not_trusted_for_a_skip(
    course, certified
):
    """A write not yet committed may already have advanced the sequence while
    being invisible to the run: such a run stores no stamp to skip on."""
    import threading

    started, release = threading.Event(), threading.Event()
    _weeks, passing, failing = certified

    def slow_writer():
        from django.db import transaction

        with transaction.atomic():
            Submission.objects.filter(user=failing.user).update(score=0)
            started.set()
            release.wait(timeout=30)
        connection.close()

    writer = threading.Thread(target=slow_writer)
    SurveyResponse.objects.filter(user=passing[0].user).update(review_state="pending")
    writer.start()
    started.wait(timeout=30)
    try:
        assert certification_run(course=course, dry_run=False)["skipped"] is False
    finally:
        release.set()
        writer.join()
    assert certification_run(course=course, dry_run=False)["skipped"] is False
    assert certification_run(course=course, dry_run=False)["skipped"] is True


def test_every_table_a_run_reads_advances_the_inputs_stamp(course, certified):
    """A table the run reads without a trigger would let a change to it go
    unseen by the skip: the run's own queries name the tables to cover."""
    import importlib
    import re

    input_tables = [
        *importlib.import_module(
            "completion.migrations.0002_certification_state"
        ).INPUT_TABLES,
        *importlib.import_module(
            "completion.migrations.0003_certificate_frozen_record"
        ).INPUT_TABLES,
        *importlib.import_module(
            "completion.migrations.0005_extension_inputs_trigger"
        ).INPUT_TABLES,
    ]
    CompletionRule.objects.update(threshold=10)  # something changed: it decides
    with CaptureQueriesContext(connection) as queries:
        assert certification_run(course=course, dry_run=False)["skipped"] is False
    read = {
        table
        for query in queries
        for table in re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', query["sql"])
    }
    own = {"completion_certificationstate", "new_records", "pg_stat_activity"}
    # Issuing reads the learner's display name and email to freeze them, but
    # a learner's edits decide nothing (a learner with no name to print gets
    # the certificate when they confirm one), and a trigger on users would
    # make every sign-in look like new input.
    own |= {"accounts_user"}
    assert read - own - {"koza_completion_inputs"} <= set(input_tables), (
        read - own - set(input_tables)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname = 'koza_completion_inputs'"
        )
        assert cursor.fetchone()[0] == len(input_tables)


def test_a_homework_revealed_since_the_last_run_makes_the_next_run_decide(
    course, tiers, enrollments, monkeypatch
):
    """Nothing is written when a homework's answers are revealed: time
    passes. Its scores start to count then, so the run must not be skipped."""
    from datetime import timedelta

    from django.utils import timezone

    from quizzes.homework.models import Homework

    weeks = course_work(course)
    learner = enrollments(1)[0]
    for number in (1, 2, 3):
        homework_score(learner.user, weeks[number], 4)
    summary(learner.user, weeks[1], "accepted")
    summary(learner.user, weeks[2], "accepted")
    reveal = timezone.now() + timedelta(hours=1)
    Homework.objects.filter(lecture=weeks[3]).update(reveal_at=reveal)
    first = certification_run(course=course, dry_run=False)
    assert first["complete"] == 0  # 8 points count; week 3 is not revealed yet
    assert certification_run(course=course, dry_run=False)["skipped"] is True

    later = reveal + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    result = certification_run(course=course, dry_run=False)

    assert result["skipped"] is False
    assert result["complete"] == 1
