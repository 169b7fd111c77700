"""Certification: deciding every learner's outcome, overrides, certificates.

A run is set-based: metrics for all learners come from a few aggregate
queries (completion.selectors), outcomes are decided in Python, and only the
records that changed are written, in chunks, so a re-run of an unchanged
course writes nothing and issues no second certificate.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from completion.models import (
    Certificate,
    CertificateSeries,
    CompletionOverride,
    CompletionRecord,
    CompletionTier,
)
from completion.rules import Metrics, TierRules, decide
from courses.models import Course, Enrollment

CHUNK = 2000
Outcome = CompletionRecord.Outcome


@dataclass
class RunSummary:
    learners: int = 0
    complete: int = 0
    per_tier: dict[int, int] = field(default_factory=dict)
    flips: list[dict] = field(default_factory=list)
    changed: int = 0
    certificates_issued: int = 0

    def as_json(self) -> dict:
        return {
            "learners": self.learners,
            "complete": self.complete,
            "per_tier": {str(k): v for k, v in self.per_tier.items()},
            "flips": self.flips[:500],
            "flip_count": len(self.flips),
            "changed": self.changed,
            "certificates_issued": self.certificates_issued,
        }


def course_tiers(course: Course) -> list[TierRules]:
    tiers = CompletionTier.objects.filter(course=course).prefetch_related("rules")
    return [
        TierRules(
            tier_id=tier.pk,
            rank=tier.rank,
            rules=tuple((rule.kind, rule.threshold) for rule in tier.rules.all()),
        )
        for tier in tiers
    ]


def certification_compute(
    *,
    course: Course,
    metrics: dict[int, Metrics],
    dry_run: bool,
    progress=None,
) -> RunSummary:
    """Decide every approved learner's outcome from `metrics` (keyed by
    enrollment id) and, unless `dry_run`, write the records that changed."""
    tiers = course_tiers(course)
    existing = {
        row["enrollment_id"]: row
        for row in CompletionRecord.objects.filter(course=course).values(
            "id", "enrollment_id", "outcome", "tier_id", "metrics",
            "override_outcome", "override_tier_id",
        )
    }  # fmt: skip
    now = timezone.now()
    summary = RunSummary(learners=len(metrics))
    tier_counts: Counter = Counter()
    to_create: list[CompletionRecord] = []
    to_update: list[CompletionRecord] = []
    for enrollment_id, learner_metrics in metrics.items():
        complete, tier_id = decide(learner_metrics, tiers)
        outcome = Outcome.COMPLETE if complete else Outcome.INCOMPLETE
        old = existing.get(enrollment_id)
        final_outcome, final_tier = outcome, tier_id
        if old and old["override_outcome"]:
            final_outcome, final_tier = old["override_outcome"], old["override_tier_id"]
        if final_outcome == Outcome.COMPLETE:
            summary.complete += 1
            tier_counts[final_tier] += 1
        if old is None:
            if final_outcome == Outcome.COMPLETE:
                summary.flips.append(
                    {"enrollment": enrollment_id, "from": "", "to": final_outcome}
                )
            to_create.append(
                CompletionRecord(
                    enrollment_id=enrollment_id,
                    course=course,
                    metrics=learner_metrics.as_json(),
                    outcome=outcome,
                    tier_id=tier_id,
                    decided_at=now,
                )
            )
            continue
        old_final = old["override_outcome"] or old["outcome"]
        if old_final != final_outcome:
            summary.flips.append(
                {"enrollment": enrollment_id, "from": old_final, "to": final_outcome}
            )
        if (
            old["outcome"] != outcome
            or old["tier_id"] != tier_id
            or old["metrics"] != learner_metrics.as_json()
        ):
            to_update.append(
                CompletionRecord(
                    pk=old["id"],
                    metrics=learner_metrics.as_json(),
                    outcome=outcome,
                    tier_id=tier_id,
                    decided_at=now,
                )
            )
    summary.per_tier = dict(tier_counts)
    summary.changed = len(to_create) + len(to_update)
    if dry_run:
        return summary
    for start in range(0, len(to_create), CHUNK):
        CompletionRecord.objects.bulk_create(
            to_create[start : start + CHUNK], ignore_conflicts=True
        )
        if progress:
            progress(len(to_create[start : start + CHUNK]))
    for start in range(0, len(to_update), CHUNK):
        CompletionRecord.objects.bulk_update(
            to_update[start : start + CHUNK],
            ["metrics", "outcome", "tier_id", "decided_at"],
        )
        if progress:
            progress(len(to_update[start : start + CHUNK]))
    summary.certificates_issued = certificates_issue(course=course)
    return summary


def certificates_issue(*, course: Course) -> int:
    """Give every completing learner without a certificate one, numbered from
    the course's series. The series row is locked, so concurrent runs queue
    here and never hand out a number twice."""
    with transaction.atomic():
        series, _ = CertificateSeries.objects.get_or_create(
            course=course,
            defaults={"prefix": course.slug.upper().replace("-", "")[:12]},
        )
        series = CertificateSeries.objects.select_for_update().get(pk=series.pk)
        records = CompletionRecord.objects.filter(
            Q(override_outcome=Outcome.COMPLETE)
            | Q(override_outcome="", outcome=Outcome.COMPLETE),
            course=course,
            enrollment__certificate__isnull=True,
        ).order_by("enrollment_id")
        records = list(records)
        if not records:
            return 0
        number = series.next_number
        certificates = []
        for record in records:
            tier_id = record.final_tier_id
            if tier_id is None:
                continue
            certificates.append(
                Certificate(
                    enrollment_id=record.enrollment_id,
                    course=course,
                    number=number,
                    serial=f"{series.prefix}-{number:06d}",
                    tier_id=tier_id,
                )
            )
            number += 1
        Certificate.objects.bulk_create(certificates, batch_size=CHUNK)
        CertificateSeries.objects.filter(pk=series.pk).update(
            next_number=F("next_number") + len(certificates)
        )
        return len(certificates)


def completion_override(
    *,
    record: CompletionRecord,
    outcome: str,
    tier: CompletionTier | None,
    reason: str,
    by,
) -> CompletionRecord:
    """Set (or with outcome="" clear) a staff override; it survives re-runs and
    every change is kept in the audit list."""
    if not reason.strip():
        raise ValueError("An override needs a reason.")
    if outcome == Outcome.COMPLETE and tier is None:
        raise ValueError("A complete override needs a tier.")
    with transaction.atomic():
        record.override_outcome = outcome
        record.override_tier = tier if outcome == Outcome.COMPLETE else None
        record.override_reason = reason.strip()
        record.override_by = by
        record.override_at = timezone.now()
        record.save()
        CompletionOverride.objects.create(
            record=record,
            outcome=outcome,
            tier=record.override_tier,
            reason=reason,
            by=by,
        )
    return record


def certificate_revoke(*, certificate: Certificate, reason: str) -> None:
    Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )


def approved_enrollment_ids(course: Course) -> list[int]:
    return list(
        Enrollment.objects.filter(
            course=course, status=Enrollment.Status.APPROVED
        ).values_list("id", flat=True)
    )
