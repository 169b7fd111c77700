import threading

import pytest
from django.db import connection

from completion.models import Certificate, CompletionOverride, CompletionRecord
from completion.rules import Metrics
from completion.services import (
    certificate_revoke,
    certificates_issue,
    certification_compute,
    completion_override,
)

PASS = Metrics(homework_points=12, summaries_submitted=3)
HONORS = Metrics(homework_points=15, summaries_submitted=3, competition_top_percent=2)
FAIL = Metrics(homework_points=3, summaries_submitted=3)


def test_a_run_records_every_learner_and_issues_certificates(
    course, tiers, enrollments
):
    passing, honors, failing = enrollments(3)

    summary = certification_compute(
        course=course,
        metrics={passing.pk: PASS, honors.pk: HONORS, failing.pk: FAIL},
        dry_run=False,
    )

    assert summary.complete == 2
    assert summary.per_tier == {tiers[0].pk: 1, tiers[1].pk: 1}
    assert CompletionRecord.objects.get(enrollment=failing).outcome == "incomplete"
    assert Certificate.objects.get(enrollment=honors).tier == tiers[1]
    assert not Certificate.objects.filter(enrollment=failing).exists()
    serials = sorted(Certificate.objects.values_list("serial", flat=True))
    assert serials == ["LLM-000001", "LLM-000002"]


def test_a_dry_run_changes_nothing_and_says_who_would_flip(course, tiers, enrollments):
    passing, failing = enrollments(2)

    summary = certification_compute(
        course=course, metrics={passing.pk: PASS, failing.pk: FAIL}, dry_run=True
    )

    assert summary.complete == 1
    assert summary.flips == [{"enrollment": passing.pk, "from": "", "to": "complete"}]
    assert not CompletionRecord.objects.exists()
    assert not Certificate.objects.exists()


def test_a_second_run_changes_nothing_and_issues_no_second_certificate(
    course, tiers, enrollments
):
    passing, failing = enrollments(2)
    metrics = {passing.pk: PASS, failing.pk: FAIL}
    certification_compute(course=course, metrics=metrics, dry_run=False)
    before = list(CompletionRecord.objects.values("id", "decided_at", "outcome"))

    summary = certification_compute(course=course, metrics=metrics, dry_run=False)

    assert summary.changed == 0
    assert summary.certificates_issued == 0
    assert (
        list(CompletionRecord.objects.values("id", "decided_at", "outcome")) == before
    )
    assert Certificate.objects.count() == 1


def test_an_override_survives_a_rerun_and_is_audited(course, tiers, enrollments, staff):
    (failing,) = enrollments(1)
    certification_compute(course=course, metrics={failing.pk: FAIL}, dry_run=False)
    record = CompletionRecord.objects.get(enrollment=failing)

    completion_override(
        record=record,
        outcome="complete",
        tier=tiers[0],
        reason="Submitted the week 3 homework by email during the outage",
        by=staff,
    )
    certification_compute(course=course, metrics={failing.pk: FAIL}, dry_run=False)

    record.refresh_from_db()
    assert record.outcome == "incomplete"
    assert record.final_outcome == "complete"
    assert Certificate.objects.get(enrollment=failing).tier == tiers[0]
    audit = CompletionOverride.objects.get(record=record)
    assert audit.by == staff
    assert "outage" in audit.reason


def test_an_override_needs_a_reason(course, tiers, enrollments, staff):
    (failing,) = enrollments(1)
    certification_compute(course=course, metrics={failing.pk: FAIL}, dry_run=False)
    record = CompletionRecord.objects.get(enrollment=failing)

    with pytest.raises(ValueError, match="reason"):
        completion_override(
            record=record, outcome="complete", tier=tiers[0], reason="  ", by=staff
        )

    record.refresh_from_db()
    assert record.override_outcome == ""


def test_revoking_keeps_the_certificate_and_marks_it(course, tiers, enrollments):
    (passing,) = enrollments(1)
    certification_compute(course=course, metrics={passing.pk: PASS}, dry_run=False)
    certificate = Certificate.objects.get()

    certificate_revoke(certificate=certificate, reason="Plagiarism")

    certificate.refresh_from_db()
    assert certificate.revoked_at is not None
    assert not certificate.is_valid


def test_verification_codes_are_random_not_derived_from_ids(course, tiers, enrollments):
    passing = enrollments(5)
    certification_compute(
        course=course, metrics={e.pk: PASS for e in passing}, dry_run=False
    )

    codes = list(Certificate.objects.values_list("code", flat=True))
    assert len(set(codes)) == 5
    assert all(len(code) >= 20 for code in codes)
    assert not any(str(e.pk) == code for e in passing for code in codes)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_never_hand_out_a_serial_twice(course, tiers, enrollments):
    passing = enrollments(40)
    for enrollment in passing:
        CompletionRecord.objects.create(
            enrollment=enrollment, course=course, outcome="complete", tier=tiers[0]
        )
    errors = []

    def issue():
        try:
            certificates_issue(course=course)
        except Exception as exc:  # pragma: no cover - shown in the assert
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = list(Certificate.objects.values_list("number", flat=True))
    assert sorted(numbers) == list(range(1, 41))


def test_issuing_in_bulk_freezes_what_one_certificate_would(
    course, tiers, enrollments, user_factory
):
    """Each certificate issued in bulk says exactly what `freeze` of that one
    certificate would (names stripped of any whitespace, the romanised form,
    the hashed email with its own salt, the tier's words); a learner whose
    name is blank gets none and uses no number."""
    from completion.models import (
        CertificateEvent,
        CertificateSeries,
        PrintedName,
        tier_criteria,
    )
    from courses.models import Enrollment

    CertificateSeries.objects.create(course=course, prefix="LLM", issuer="Lab")
    named, plain, blank, honors = enrollments(4)
    PrintedName.objects.create(
        enrollment=named, name="\u3000山田\u3000花子 ", name_latin=" Hanako Yamada\t"
    )
    PrintedName.objects.create(enrollment=blank, name="\u3000 ")
    plain.user.display_name = " Taro Sato "
    plain.user.email = "Taro.Sato@Example.COM"
    plain.user.save()
    for enrollment, tier in ((named, 0), (plain, 0), (blank, 0), (honors, 1)):
        CompletionRecord.objects.create(
            enrollment=enrollment, course=course, outcome="complete", tier=tiers[tier]
        )

    assert certificates_issue(course=course) == 3

    certificates = list(Certificate.objects.order_by("number"))
    assert [c.enrollment_id for c in certificates] == [named.pk, plain.pk, honors.pk]
    assert [c.serial for c in certificates] == [
        "LLM-000001",
        "LLM-000002",
        "LLM-000003",
    ]
    assert certificates[0].holder_name == "山田\u3000花子"
    assert certificates[0].holder_name_latin == "Hanako Yamada"
    assert certificates[1].holder_name == "Taro Sato"
    for certificate in certificates:
        enrollment = Enrollment.objects.select_related("user").get(
            pk=certificate.enrollment_id
        )
        printed = PrintedName.objects.filter(enrollment=enrollment).first()
        frozen = Certificate.snapshot(
            course=course,
            tier=certificate.tier,
            display_name=enrollment.user.display_name,
            email=enrollment.user.email,
            salt=certificate.recipient_salt,
            name=printed.name if printed else enrollment.user.display_name,
            name_latin=printed.name_latin if printed else "",
            issuer="Lab",
            criteria=tier_criteria(certificate.tier),
        )
        assert {field: getattr(certificate, field) for field in frozen} == frozen
        assert len(certificate.recipient_salt) == 16
        assert len(certificate.code) == 22
        assert certificate.email_job_id is not None
        assert CertificateEvent.objects.get(certificate=certificate).detail == {
            "serial": certificate.serial
        }
    assert len({c.recipient_salt for c in certificates}) == 3
    assert CertificateSeries.objects.get(course=course).next_number == 4
