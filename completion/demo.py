"""Demo: completion rules for the demo course (completed and honors), records
from a certification run, and a certificate for the demo learner (through an
override with the reason "demo": mid-course, nobody has ten weeks yet), in
the name they confirmed, with its Open Badges credential."""

from completion.models import (
    CertificateSeries,
    CompletionRecord,
    CompletionRule,
    CompletionTier,
    PrintedName,
)
from completion.selectors import learner_metrics
from completion.services import (
    certificates_issue,
    certification_compute,
    completion_override,
)
from completion.totals import dashboard_totals_refresh
from courses.models import Enrollment

Kind = CompletionRule.Kind


def seed(*, course, admin, staff, learner) -> None:
    if not CompletionTier.objects.filter(course=course).exists():
        _rules_records_and_certificate(course=course, admin=admin, learner=learner)
    # The dashboard's totals and at-risk flags, as the periodic refresh
    # leaves them once the rules exist.
    dashboard_totals_refresh(course=course)


def _rules_records_and_certificate(*, course, admin, learner) -> None:
    completed = CompletionTier.objects.create(
        course=course, rank=1, name_ja="修了", name_en="Completed"
    )
    honors = CompletionTier.objects.create(
        course=course, rank=2, name_ja="優秀修了", name_en="Completed with honors"
    )
    base = [
        (Kind.HOMEWORK_WEEKS_PASSED, 10),
        (Kind.SUMMARIES_SUBMITTED, 10),
        (Kind.COMPETITION_ENTRY, 0),
    ]
    CompletionRule.objects.bulk_create(
        [CompletionRule(tier=completed, kind=k, threshold=t) for k, t in base]
        + [
            CompletionRule(tier=honors, kind=k, threshold=t)
            for k, t in [*base, (Kind.COMPETITION_TOP_PERCENT, 10)]
        ]
    )
    CertificateSeries.objects.get_or_create(
        course=course,
        defaults={"prefix": "LLM2026", "issuer": "Koza LLM Course"},
    )
    certification_compute(
        course=course,
        metrics=learner_metrics(course),
        dry_run=False,
        issue_certificates=False,
    )
    enrollment = Enrollment.objects.filter(course=course, user=learner).first()
    if enrollment is None:
        return
    record, _ = CompletionRecord.objects.get_or_create(
        enrollment=enrollment, defaults={"course": course}
    )
    completion_override(
        record=record, outcome="complete", tier=completed, reason="demo", by=admin
    )
    PrintedName.objects.get_or_create(
        enrollment=enrollment,
        defaults={"name": "山田 花子", "name_latin": "Hanako Yamada"},
    )
    certificates_issue(course=course)
