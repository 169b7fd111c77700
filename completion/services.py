"""Certification: deciding every learner's outcome, overrides, certificates.

A run is set-based: metrics for all learners come from a few aggregate
queries (completion.selectors), outcomes are decided in Python, and only the
records that changed are written, in chunks, so a re-run of an unchanged
course writes nothing and issues no second certificate.
"""

import json
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from completion import credentials
from completion.models import (
    Certificate,
    CertificateCorrection,
    CertificateEvent,
    CertificateSeries,
    CompletionOverride,
    CompletionRecord,
    CompletionRule,
    CompletionTier,
    PrintedName,
    final_decision,
    final_decision_sql,
    final_outcome_q,
    new_recipient_salts,
    new_verification_codes,
    tier_criteria,
)
from completion.rules import Metrics, TierRules, decide
from courses.models import Course, CourseRole, Enrollment, NoticeState
from lms.jobs import JobKind
from lms.models import Job
from notifications.models import Kind
from notifications.services import notify

CHUNK = 2000
Outcome = CompletionRecord.Outcome


@dataclass
class RunSummary:
    learners: int = 0
    complete: int = 0
    per_tier: dict[int, int] = field(default_factory=dict)
    flips: list[dict] = field(default_factory=list)
    # Every record the run writes (or, dry, would write), so the count of
    # changes and the list staff read are the same thing.
    changes: list[dict] = field(default_factory=list)
    changed: int = 0
    certificates_issued: int = 0
    # Completing learners who have no certificate yet: what recording would
    # issue (and email), said before anyone confirms it.
    would_certify: int = 0

    def as_json(self) -> dict:
        return {
            "learners": self.learners,
            "complete": self.complete,
            "per_tier": {str(k): v for k, v in self.per_tier.items()},
            "flips": self.flips[:500],
            "flip_count": len(self.flips),
            "changes": self.changes,
            "changed": self.changed,
            "certificates_issued": self.certificates_issued,
            "would_certify": self.would_certify,
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


@contextmanager
def _own_writes():
    """A transaction for a run's own writes (records, certificates), which do
    not advance the inputs sequence: otherwise every run would make the next
    one look necessary. The setting ends with the transaction."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('koza.certifying', 'on', true)")
        yield


def certification_compute(
    *,
    course: Course,
    metrics: dict[int, Metrics],
    dry_run: bool,
    progress=None,
    issue_certificates: bool = True,
    tiers: list[TierRules] | None = None,
) -> RunSummary:
    """Decide every approved learner's outcome from `metrics` (keyed by
    enrollment id) and, unless `dry_run`, write the records that changed
    (and, with `issue_certificates`, certify whoever completes). `tiers`,
    rules not saved yet (a dry run only): what the rules page previews."""
    if tiers is None:
        tiers = course_tiers(course)
    else:
        assert dry_run, "unsaved rules are only ever previewed"
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
    completing: list[int] = []
    to_create: list[tuple] = []  # (enrollment id, metrics, outcome, tier id)
    to_update: list[CompletionRecord] = []
    for enrollment_id, learner_metrics in metrics.items():
        learner_json = learner_metrics.as_json()
        complete, tier_id = decide(learner_metrics, tiers)
        outcome = Outcome.COMPLETE if complete else Outcome.INCOMPLETE
        old = existing.get(enrollment_id)
        final_outcome, final_tier = final_decision(
            outcome=outcome,
            tier_id=tier_id,
            override_outcome=old["override_outcome"] if old else "",
            override_tier_id=old["override_tier_id"] if old else None,
        )
        if final_outcome == Outcome.COMPLETE:
            summary.complete += 1
            tier_counts[final_tier] += 1
            completing.append(enrollment_id)
        if old is None:
            if final_outcome == Outcome.COMPLETE:
                summary.flips.append(
                    {"enrollment": enrollment_id, "from": "", "to": final_outcome}
                )
            summary.changes.append(
                _change(enrollment_id, ("", None), (final_outcome, final_tier))
            )
            to_create.append((enrollment_id, learner_json, outcome, tier_id))
            continue
        old_final, old_final_tier = final_decision(
            outcome=old["outcome"],
            tier_id=old["tier_id"],
            override_outcome=old["override_outcome"],
            override_tier_id=old["override_tier_id"],
        )
        if old_final != final_outcome:
            summary.flips.append(
                {"enrollment": enrollment_id, "from": old_final, "to": final_outcome}
            )
        if (
            old["outcome"] != outcome
            or old["tier_id"] != tier_id
            or old["metrics"] != learner_json
        ):
            summary.changes.append(
                _change(
                    enrollment_id,
                    (old_final, old_final_tier),
                    (final_outcome, final_tier),
                )
            )
            to_update.append(
                CompletionRecord(
                    pk=old["id"],
                    metrics=learner_json,
                    outcome=outcome,
                    tier_id=tier_id,
                    decided_at=now,
                )
            )
    summary.per_tier = dict(tier_counts)
    certified = set(
        Certificate.objects.filter(course=course).values_list(
            "enrollment_id", flat=True
        )
    )
    summary.would_certify = sum(1 for e in completing if e not in certified)
    summary.changed = len(to_create) + len(to_update)
    if dry_run:
        return summary
    # `progress` is told how many learners' records are right so far,
    # counting those already right (a run resumed after a dead worker counts
    # them, so its progress ends at the total), never an increment.
    right = summary.learners - summary.changed
    if progress and right:
        progress(right)
    chunk = settings.COMPLETION_WRITE_CHUNK
    for start in range(0, len(to_create), chunk):
        with _own_writes():
            _insert_records(course, to_create[start : start + chunk], now)
        right += len(to_create[start : start + chunk])
        if progress:
            progress(right)
    for start in range(0, len(to_update), chunk):
        with _own_writes():
            CompletionRecord.objects.bulk_update(
                to_update[start : start + chunk],
                ["metrics", "outcome", "tier_id", "decided_at"],
            )
        right += len(to_update[start : start + chunk])
        if progress:
            progress(right)
    if issue_certificates:
        summary.certificates_issued = certificates_issue(course=course)
    return summary


def _change(enrollment_id: int, old: tuple, new: tuple) -> dict:
    """One record's change as staff read it: the final outcome and tier
    before and after (the same before and after when only the figures it was
    decided on moved)."""
    return {
        "enrollment": enrollment_id,
        "from": old[0],
        "from_tier": old[1],
        "to": new[0],
        "to_tier": new[1],
    }


_NEW_RECORDS_TABLE = """
CREATE TEMPORARY TABLE new_records ON COMMIT DROP AS
SELECT enrollment_id, course_id, metrics, outcome, tier_id, decided_at,
       override_outcome, override_reason
FROM completion_completionrecord WITH NO DATA
"""
_NEW_RECORDS_COPY = """
COPY new_records (enrollment_id, course_id, metrics, outcome, tier_id,
                  decided_at, override_outcome, override_reason) FROM STDIN
"""
_NEW_RECORDS_INSERT = """
INSERT INTO completion_completionrecord
    (enrollment_id, course_id, metrics, outcome, tier_id, decided_at,
     override_outcome, override_reason)
SELECT enrollment_id, course_id, metrics, outcome, tier_id, decided_at,
       override_outcome, override_reason
FROM new_records
ON CONFLICT (enrollment_id) DO NOTHING
"""


def _insert_records(course: Course, rows: list[tuple], now) -> None:
    """Insert new records, skipping any a concurrent run already inserted.

    On PostgreSQL the rows are COPY'd into a temporary table and moved with
    one INSERT ... ON CONFLICT DO NOTHING: several times faster than a
    multi-row INSERT built by the ORM, which dominated a 20,000-learner run."""
    if connection.vendor != "postgresql":
        CompletionRecord.objects.bulk_create(
            [
                CompletionRecord(
                    enrollment_id=enrollment_id,
                    course=course,
                    metrics=metrics,
                    outcome=outcome,
                    tier_id=tier_id,
                    decided_at=now,
                )
                for enrollment_id, metrics, outcome, tier_id in rows
            ],
            ignore_conflicts=True,
        )
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_NEW_RECORDS_TABLE)
        with cursor.copy(_NEW_RECORDS_COPY) as copy:
            for enrollment_id, metrics, outcome, tier_id in rows:
                copy.write_row(
                    (
                        enrollment_id,
                        course.pk,
                        json.dumps(metrics),
                        outcome,
                        tier_id,
                        now,
                        "",
                        "",
                    )
                )
        cursor.execute(_NEW_RECORDS_INSERT)


class CertificateError(Exception):
    """A certificate action that cannot be done; the message says why."""


def _series_for_update(course: Course) -> CertificateSeries:
    series, _ = CertificateSeries.objects.get_or_create(
        course=course,
        defaults={"prefix": course.slug.upper().replace("-", "")[:12]},
    )
    return CertificateSeries.objects.select_for_update().get(pk=series.pk)


_ISSUED_EVENTS_SQL = """
INSERT INTO completion_certificateevent (certificate_id, kind, at, detail)
SELECT id, %s, issued_at, {detail}
FROM completion_certificate WHERE course_id = %s AND issued_at = %s
"""


# Per certificate: the random parts (codes and salts from the OS's CSPRNG,
# `secrets`, read in one go), the number and serial, and the learner's frozen
# fields (one definition, `Certificate.holder_snapshot`).
_PER_CERTIFICATE = (
    "enrollment_id",
    "tier_id",
    "number",
    "serial",
    "code",
    "recipient_salt",
    "holder_name",
    "holder_name_latin",
    "recipient_hash",
)


def _insert_certificates(
    columns: dict[str, list], *, per_tier: dict[int, dict], shared: dict
) -> None:
    """Write issued certificates: `columns` holds each per-certificate field
    as a list (one entry per certificate), `per_tier` the award fields of
    each tier (`Certificate.award_snapshot`), `shared` the fields every new
    certificate has.

    On PostgreSQL by COPY straight into the table: a 100,000-learner
    course's certificates in about a second. (An INSERT ... SELECT over the
    columns as arrays was slower: Django's cursors bind parameters on the
    client, so psycopg quoted 750,000 array elements into the SQL text, 3 s
    at 100,000.)"""
    if not columns["enrollment_id"]:
        return
    rows = zip(*columns.values(), strict=True)
    if connection.vendor != "postgresql":
        Certificate.objects.bulk_create(
            [
                Certificate(
                    **dict(zip(columns, row, strict=True)), **per_tier[tier], **shared
                )
                for row, tier in zip(rows, columns["tier_id"], strict=True)
            ],
            batch_size=CHUNK,
        )
        return
    shared = shared | {
        "credential_jwt": "",
        "revoked_reason": "",
        "email_state": Certificate._meta.get_field("email_state").get_default(),
    }
    award_fields = list(next(iter(per_tier.values())))
    tails = {
        tier: (*(award[name] for name in award_fields), *shared.values())
        for tier, award in per_tier.items()
    }
    names = [*columns, *award_fields, *shared]
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {Certificate._meta.db_table} ({', '.join(names)}) FROM STDIN"
        ) as copy,
    ):
        for row, tier in zip(rows, columns["tier_id"], strict=True):
            copy.write_row((*row, *tails[tier]))


def certificates_issue(
    *, course: Course, enrollment_ids: list[int] | None = None
) -> int:
    """Give every completing learner without a certificate one, numbered from
    the course's series and frozen with the name they confirmed (else their
    display name). A learner with neither gets theirs when they confirm a
    name. The series row is locked, so concurrent runs queue here and never
    hand out a number twice. Their email job is queued in the same
    transaction, whichever path issued them (a run, an override, a name
    confirmed later)."""
    with _own_writes():
        series = _series_for_update(course)
        records = (
            CompletionRecord.objects.annotate(**final_decision_sql())
            .filter(
                final_outcome_q(Outcome.COMPLETE),
                ~Exists(
                    Certificate.objects.filter(enrollment=OuterRef("enrollment_id"))
                ),
                course=course,
            )
            .order_by("enrollment_id")
        )
        if enrollment_ids is not None:
            records = records.filter(enrollment_id__in=enrollment_ids)
        owed = list(
            records.values_list(
                "enrollment_id",
                "final_tier",
                "enrollment__user__display_name",
                "enrollment__user__email",
                "enrollment__printed_name__name",
                "enrollment__printed_name__name_latin",
            )
        )
        if not owed:
            return 0
        tiers = CompletionTier.objects.filter(course=course).prefetch_related("rules")
        per_tier = {
            tier.pk: Certificate.award_snapshot(
                course=course,
                tier=tier,
                issuer=series.issuer,
                criteria=tier_criteria(tier),
            )
            for tier in tiers
        }
        # Who gets one: a tier and a name that is not blank.
        owed = [
            row
            for row in owed
            if row[1] is not None and (row[4] if row[4] is not None else row[2]).strip()
        ]
        count = len(owed)
        columns = {name: [] for name in _PER_CERTIFICATE}
        columns["code"] = new_verification_codes(count)
        columns["recipient_salt"] = salts = new_recipient_salts(count)
        numbers = range(series.next_number, series.next_number + count)
        columns["number"] = list(numbers)
        columns["serial"] = [series.serial(number) for number in numbers]
        for salt, (enrollment_id, tier_id, display_name, email, printed, latin) in zip(
            salts, owed, strict=True
        ):
            columns["enrollment_id"].append(enrollment_id)
            columns["tier_id"].append(tier_id)
            holder = Certificate.holder_snapshot(
                display_name=display_name,
                email=email,
                salt=salt,
                name=printed if printed is not None else display_name,
                name_latin=latin or "",
            )
            for name, value in holder.items():
                columns[name].append(value)
        now = timezone.now()
        # The email job exists first, so each certificate names it as it is
        # written.
        email_job = _certificate_email_job(course)
        _insert_certificates(
            columns,
            per_tier=per_tier,
            shared={
                "course_id": course.pk,
                "issued_at": now,
                "email_job_id": email_job.pk,
            },
        )
        with connection.cursor() as cursor:
            cursor.execute(
                _ISSUED_EVENTS_SQL.format(
                    detail="jsonb_build_object('serial', serial)"
                    if connection.vendor == "postgresql"
                    else "json_object('serial', serial)"
                ),
                # Adapted as the ORM stores it (on SQLite a bare datetime
                # parameter is not the stored text and matched nothing).
                [
                    CertificateEvent.Kind.ISSUED.value,
                    course.pk,
                    connection.ops.adapt_datetimefield_value(now),
                ],
            )
        CertificateSeries.objects.filter(pk=series.pk).update(
            next_number=F("next_number") + count
        )
        notify(
            # No ORDER BY (the model's ordering joins the course to sort).
            Certificate.objects.filter(course=course, issued_at=now)
            .order_by()
            .values("enrollment__user_id"),
            Kind.CERTIFICATE_ISSUED,
            course=course,
            url=reverse("progress", args=[course.slug]),
            params={"course": course.title},
            dedupe_key=f"certificate:{course.pk}",
            email=False,  # the certificate email job below sends it
        )
        # In the same transaction: a worker killed after this commit cannot
        # leave certificates whose email nobody will send.
        certificate_emails_start(course=course, job=email_job)
        return count


def printed_name_confirm(*, enrollment: Enrollment, name: str, name_latin: str):
    """Record the name the learner wants on their certificate. If staff have
    already certified the course and this learner completed but was waiting
    for a name, their certificate is issued now."""
    name, name_latin = name.strip(), name_latin.strip()
    if not name:
        raise CertificateError(_("Enter your name as it should be printed."))
    if Certificate.objects.filter(enrollment=enrollment).exists():
        raise CertificateError(
            _("Your certificate is already issued: ask for a correction instead.")
        )
    PrintedName.objects.update_or_create(
        enrollment=enrollment,
        defaults={
            "name": name,
            "name_latin": name_latin,
            "confirmed_at": timezone.now(),
        },
    )
    if Certificate.objects.filter(course_id=enrollment.course_id).exists():
        certificates_issue(course=enrollment.course, enrollment_ids=[enrollment.pk])


def certificate_correction_request(
    *, certificate: Certificate, name: str, name_latin: str, message: str, by
) -> CertificateCorrection:
    name, name_latin = name.strip(), name_latin.strip()
    if not name:
        raise CertificateError(_("Enter your name as it should be printed."))
    if not certificate.is_valid:
        raise CertificateError(_("Only a valid certificate can be corrected."))
    if (name, name_latin) == (certificate.holder_name, certificate.holder_name_latin):
        raise CertificateError(_("That is the name the certificate already shows."))
    if certificate.corrections.filter(
        status=CertificateCorrection.Status.PENDING
    ).exists():
        raise CertificateError(_("A correction is already waiting for staff."))
    with transaction.atomic():
        correction = CertificateCorrection.objects.create(
            certificate=certificate,
            name=name,
            name_latin=name_latin,
            message=message.strip(),
        )
        CertificateEvent.objects.create(
            certificate=certificate,
            kind=CertificateEvent.Kind.CORRECTION_REQUESTED,
            by=by,
            detail={"name": name, "name_latin": name_latin, "message": message},
        )
        course = certificate.course
        notify(
            CourseRole.objects.filter(course=course).values("user_id"),
            Kind.CORRECTION_REQUESTED,
            course=course,
            url=reverse("staff_certificates", args=[course.slug]),
            params={"course": course.title},
            dedupe_key=f"correction:{correction.pk}",
        )
    return correction


def certificate_correction_approve(
    *, correction: CertificateCorrection, by, note: str = ""
) -> Certificate:
    """Re-issue with the corrected name: a new serial and code, everything
    else copied from the old certificate (the record is not re-decided); the
    old one is marked superseded and points to the new one."""
    with _own_writes():
        correction = CertificateCorrection.objects.select_for_update().get(
            pk=correction.pk
        )
        if correction.status != CertificateCorrection.Status.PENDING:
            raise CertificateError(_("This correction was already decided."))
        old = Certificate.objects.select_for_update().get(pk=correction.certificate_id)
        if not old.is_valid:
            raise CertificateError(_("Only a valid certificate can be corrected."))
        series = _series_for_update(old.course)
        now = timezone.now()
        Certificate.objects.filter(pk=old.pk).update(superseded_at=now)
        new = Certificate.objects.create(
            enrollment_id=old.enrollment_id,
            course_id=old.course_id,
            tier_id=old.tier_id,
            number=series.next_number,
            serial=series.serial(series.next_number),
            issued_at=now,
            holder_name=correction.name,
            holder_name_latin=correction.name_latin,
            course_title=old.course_title,
            course_term=old.course_term,
            tier_name_ja=old.tier_name_ja,
            tier_name_en=old.tier_name_en,
            criteria=old.criteria,
            issuer_name=old.issuer_name,
            recipient_salt=old.recipient_salt,
            recipient_hash=old.recipient_hash,
        )
        CertificateSeries.objects.filter(pk=series.pk).update(
            next_number=F("next_number") + 1
        )
        Certificate.objects.filter(pk=old.pk).update(superseded_by=new)
        _status_list_changed()
        certificate_emails_start(course=old.course, by=by)  # the corrected one
        notify(
            Enrollment.objects.filter(pk=old.enrollment_id).values("user_id"),
            Kind.CERTIFICATE_CORRECTED,
            course=old.course_id,
            url=reverse("progress", args=[old.course.slug]),
            params={"course": old.course_title},
            dedupe_key=f"certificate-corrected:{new.pk}",
            email=False,  # the corrected certificate's email says it
        )
        correction.status = CertificateCorrection.Status.APPROVED
        correction.decided_by = by
        correction.decided_at = now
        correction.staff_note = note.strip()
        correction.new_certificate = new
        correction.save()
        detail = {"from": old.serial, "to": new.serial, "correction": correction.pk}
        CertificateEvent.objects.bulk_create(
            [
                CertificateEvent(
                    certificate=old,
                    kind=CertificateEvent.Kind.SUPERSEDED,
                    by=by,
                    at=now,
                    detail=detail,
                ),
                CertificateEvent(
                    certificate=new,
                    kind=CertificateEvent.Kind.ISSUED,
                    by=by,
                    at=now,
                    detail=detail,
                ),
            ]
        )
    return new


def certificate_correction_deny(
    *, correction: CertificateCorrection, by, note: str
) -> None:
    if not note.strip():
        raise CertificateError(_("Say why, for the learner."))
    with transaction.atomic():
        claimed = CertificateCorrection.objects.filter(
            pk=correction.pk, status=CertificateCorrection.Status.PENDING
        ).update(
            status=CertificateCorrection.Status.DENIED,
            decided_by=by,
            decided_at=timezone.now(),
            staff_note=note.strip(),
        )
        if not claimed:
            raise CertificateError(_("This correction was already decided."))
        CertificateEvent.objects.create(
            certificate_id=correction.certificate_id,
            kind=CertificateEvent.Kind.CORRECTION_DENIED,
            by=by,
            detail={"correction": correction.pk, "note": note.strip()},
        )


@transaction.atomic
def completion_rules_save(*, course: Course, spec: list[dict]) -> None:
    """Save tiers and criteria as the rules page sends them (`RulesForm.spec`):
    names, and per criterion a threshold or None for "not used". A tier with
    `tier` None is added above the others. Records are not touched: the next
    certification run (or the nightly one) decides with the new rules."""
    top_rank = max(
        CompletionTier.objects.filter(course=course).values_list("rank", flat=True),
        default=0,
    )
    for item in spec:
        tier = item["tier"]
        if tier is None:
            top_rank += 1
            tier = CompletionTier.objects.create(
                course=course,
                rank=top_rank,
                name_ja=item["name_ja"],
                name_en=item["name_en"],
            )
        elif (tier.name_ja, tier.name_en) != (item["name_ja"], item["name_en"]):
            tier.name_ja, tier.name_en = item["name_ja"], item["name_en"]
            tier.save(update_fields=["name_ja", "name_en"])
        unused = [kind for kind, value in item["rules"].items() if value is None]
        CompletionRule.objects.filter(tier=tier, kind__in=unused).delete()
        for kind, threshold in item["rules"].items():
            if threshold is not None:
                CompletionRule.objects.update_or_create(
                    tier=tier, kind=kind, defaults={"threshold": threshold}
                )


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


def _status_list_changed() -> None:
    """Drop the cached status list now and again at commit (a request in
    between may have cached the list as it stood before this change)."""
    credentials.status_list_changed()
    transaction.on_commit(credentials.status_list_changed)


def certificate_revoke(*, certificate: Certificate, reason: str, by=None) -> None:
    """Revoke: the verification page, the PDF and the credential's status
    list all say so from now on. `reason` is shown publicly (may be empty)."""
    with transaction.atomic():
        revoked = Certificate.objects.filter(
            pk=certificate.pk, revoked_at__isnull=True
        ).update(revoked_at=timezone.now(), revoked_reason=reason.strip())
        if revoked:
            _status_list_changed()
            CertificateEvent.objects.create(
                certificate_id=certificate.pk,
                kind=CertificateEvent.Kind.REVOKED,
                by=by,
                detail={"reason": reason.strip()},
            )


# Background runs -------------------------------------------------------------

CERTIFICATION_JOB = JobKind("completion_certification")
CERTIFICATE_EMAIL_JOB = JobKind("completion_certificate_email")
REMINDER_EMAIL_JOB = JobKind("completion_reminder_email")
EMAIL_CHUNK = 200


def certification_start(*, course: Course, dry_run: bool, by=None) -> Job:
    """A Job for a certification run, enqueued once the transaction commits."""
    from completion.tasks import certification_run

    label = _("Certification dry run") if dry_run else _("Certification")
    job = Job.objects.create(
        kind=CERTIFICATION_JOB,
        label=str(label),
        course=course,
        created_by=by,
        params={"dry_run": dry_run},
    )
    certification_run.delay_on_commit(
        job_id=str(job.pk), course_id=course.pk, dry_run=dry_run
    )
    return job


def _inputs_stamp() -> int | None:
    """Where the inputs sequence stands, or None when a stamp taken now could
    not be trusted: not PostgreSQL, or another transaction has written and
    not committed yet (its change may have advanced the sequence already but
    be invisible to this run's reads). Read before anything is computed."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT last_value + is_called::int FROM koza_completion_inputs),"
            " EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_xid IS NOT NULL"
            " AND pid <> pg_backend_pid() AND datname = current_database())"
        )
        stamp, writers = cursor.fetchone()
    return None if writers else stamp


def _visible_inputs(course_ref, now) -> dict:
    """What learners may see of the inputs, which changes with time and not
    only with writes (a homework's answers are revealed when its time comes):
    the number of revealed homework and of published final boards of the
    course `course_ref` points to, as subquery annotations (read with the
    run's last state, so a skipped run still costs two queries). A run whose
    inputs stamp has not moved still recomputes when these have."""
    from competitions.models import Competition
    from quizzes.homework.models import Homework, Submission

    revealed = (
        Homework.objects.filter(lecture__course=course_ref)
        .revealed(now)
        .order_by()
        .values("lecture__course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    boards = (
        Competition.objects.filter(
            course=course_ref, private_published_at__isnull=False
        )
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # An extended learner's scores start to count when their own window
    # closes (`revealed_to_learner_q`): time passes, nothing is written.
    extended_revealed = (
        Submission.objects.filter(
            homework__lecture__course=course_ref,
            user__extensions__course=course_ref,
            user__extensions__revoked_at__isnull=True,
        )
        .revealed(now)
        .order_by()
        .values("homework__lecture__course")
        .annotate(n=Count("pk", distinct=True))
        .values("n")
    )
    return {
        "revealed_homework": Coalesce(Subquery(revealed), 0)
        + Coalesce(Subquery(extended_revealed), 0),
        "published_boards": Coalesce(Subquery(boards), 0),
    }


def certification_run(
    *,
    course: Course,
    dry_run: bool,
    progress=None,
    issue_certificates=True,
    on_start=None,
) -> dict:
    """Metrics, decisions, records and certificates for a course; the run's
    result (RunSummary.as_json, plus "skipped").

    A real run of a course whose inputs did not change since the last run
    (PostgreSQL: the `koza_completion_inputs` sequence stands where that run
    read it, and that run issued certificates if this one would) decides
    nothing anew: it returns the last summary with nothing changed, in a few
    milliseconds instead of recomputing every learner."""
    from completion.models import CertificationState
    from completion.selectors import learner_metrics

    stamp = _inputs_stamp()
    now = timezone.now()
    state = (
        CertificationState.objects.filter(course=course)
        .annotate(**_visible_inputs(OuterRef("course_id"), now))
        .first()
    )
    if state is not None:
        visible = [state.revealed_homework, state.published_boards]
    else:
        visible = list(
            Course.objects.filter(pk=course.pk)
            .annotate(**_visible_inputs(OuterRef("pk"), now))
            .values_list("revealed_homework", "published_boards")
            .get()
        )
    if (
        not dry_run
        and stamp is not None
        and state is not None
        and state.inputs_stamp == stamp
        and state.summary.get("visible") == visible
        and (state.issued_certificates or not issue_certificates)
    ):
        if on_start:
            on_start(0)
        return state.summary | {
            "flips": [], "flip_count": 0, "changes": [], "changed": 0,
            "certificates_issued": 0,
            "skipped": True,
        }  # fmt: skip
    metrics = learner_metrics(course, now=now)
    if on_start:
        on_start(len(metrics))
    summary = certification_compute(
        course=course,
        metrics=metrics,
        dry_run=dry_run,
        progress=progress,
        issue_certificates=issue_certificates,
    )
    result = summary.as_json() | {"skipped": False, "visible": visible}
    if not dry_run and stamp is not None:
        CertificationState.objects.bulk_create(
            [
                CertificationState(
                    course=course,
                    inputs_stamp=stamp,
                    issued_certificates=issue_certificates,
                    # The list of changes belongs to the run's Job, not here.
                    summary=result | {"changes": []},
                    computed_at=timezone.now(),
                )
            ],
            update_conflicts=True,
            unique_fields=["course"],
            update_fields=[
                "inputs_stamp",
                "issued_certificates",
                "summary",
                "computed_at",
            ],
        )
    return result


def certification_run_job(*, job: Job, course: Course, dry_run: bool) -> dict:
    """The body of a run as a Job. The nightly run certifies only where staff
    already recorded a certification (the course has certificates): before
    that, rules may still change."""

    def on_start(total: int) -> None:
        job.start(total=total)
        Job.objects.filter(pk=job.pk).update(done=0)  # a re-delivered run restarts

    def progress(done: int) -> None:
        job.progress_to(done)
        if settings.COMPLETION_CHUNK_DELAY:  # test hook: kill a worker mid-run
            time.sleep(settings.COMPLETION_CHUNK_DELAY)

    result = certification_run(
        course=course,
        dry_run=dry_run,
        progress=progress,
        on_start=on_start,
        issue_certificates=not job.params.get("nightly")
        or course.certificates.exists(),
    )
    result = result | {"dry_run": dry_run}
    job.finish(result=result)
    return result


def certificates_owed_email():
    """Certificates whose email is owed: issued, neither revoked nor
    superseded (the replacement is emailed instead), not yet claimed."""
    return Certificate.objects.filter(
        email_state=NoticeState.PENDING,
        revoked_at__isnull=True,
        superseded_at__isnull=True,
    )


def _certificate_email_job(course: Course, by=None) -> Job:
    return Job.objects.create(
        kind=CERTIFICATE_EMAIL_JOB,
        label=str(_("Certificate emails")),
        course=course,
        created_by=by,
    )


def certificate_emails_start(
    *, course: Course, by=None, job: Job | None = None
) -> Job | None:
    """Hand the course's owed certificate emails that no live email job holds
    (never queued, or their job ended) to a new email job, sent after
    commit; None when there are none. `job`: a new email job that issuing
    already wrote on the certificates it inserted (no second write of
    thousands of rows); the other owed emails join it."""
    from completion.tasks import certificate_emails_send

    with _own_writes():  # email bookkeeping is no input of a run
        job = job or _certificate_email_job(course, by)
        owed = certificates_owed_email().filter(course=course)
        owed.exclude(email_job__state__in=[Job.State.QUEUED, Job.State.RUNNING]).update(
            email_job=job
        )
        total = owed.filter(email_job=job).count()
        if not total:
            job.delete()
            return None
        Job.objects.filter(pk=job.pk).update(total=total)
        certificate_emails_send.delay_on_commit(job_id=str(job.pk))
    return job


def certificate_emails_sweep() -> int:
    """Every owed certificate email that no live job holds gets one: the
    sweep after a lost task, a failed job or an SMTP outage. Returns the
    number of jobs started."""
    courses = (
        certificates_owed_email()
        .exclude(email_job__state__in=[Job.State.QUEUED, Job.State.RUNNING])
        .values_list("course_id", flat=True)
        .distinct()
    )
    started = 0
    for course in Course.objects.filter(pk__in=list(courses)):
        started += certificate_emails_start(course=course) is not None
    return started


def certificate_message(certificate: Certificate) -> EmailMessage:
    user = certificate.enrollment.user
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "certificate": certificate,
            "course": certificate.course,
            "user": user,
            "tier": certificate.tier_name_in(language),
            "verify_url": settings.SITE_URL + certificate.get_absolute_url(),
            "pdf_url": settings.SITE_URL
            + reverse("certificate_pdf", args=[certificate.code]),
        }
        subject = render_to_string("completion/email/certificate_subject.txt", context)
        body = render_to_string("completion/email/certificate_body.txt", context)
    return EmailMessage(subject=" ".join(subject.split()), body=body, to=[user.email])


def certificate_emails_send_chunk(*, job: Job) -> bool:
    """Email one chunk of the job's owed certificates; True when more remain.

    Each certificate is claimed (pending -> sending) with a conditional
    UPDATE just before its email goes out and confirmed (sent) right after,
    so a retried or duplicated task never sends one twice. A send the mail
    server refused or dropped puts the certificate back to pending and fails
    the step (retried with back-off); a worker killed mid-send leaves at most
    that one "in doubt" (not resent: it may be out)."""
    owed = certificates_owed_email().filter(email_job=job)
    rows = list(
        owed.select_related("enrollment__user", "course", "tier").order_by("pk")[
            :EMAIL_CHUNK
        ]
    )

    def set_state(rows, **fields) -> int:
        with _own_writes():  # email bookkeeping is no input of a run
            return rows.update(**fields)

    with mailers.default as connection:
        for count, certificate in enumerate(rows, start=1):
            mine = Certificate.objects.filter(pk=certificate.pk)
            claimed = owed.filter(pk=certificate.pk)
            if not set_state(claimed, email_state=NoticeState.SENDING):
                continue
            try:
                connection.send_messages([certificate_message(certificate)])
            except OSError:  # smtplib's errors included: not accepted, owed again
                set_state(mine, email_state=NoticeState.PENDING)
                raise
            set_state(mine, email_state=NoticeState.SENT, emailed_at=timezone.now())
            if count % 20 == 0:
                job.beat()
    job.progress_to(
        Certificate.objects.filter(email_job=job)
        .exclude(email_state=NoticeState.PENDING)
        .count()
    )
    return len(rows) == EMAIL_CHUNK


def certificate_emails_finish_if_done(*, job: Job) -> bool:
    """Finish the job once none of its certificates is owed. Rows left
    'sending' by a killed worker are reported, not resent."""
    if certificates_owed_email().filter(email_job=job).exists():
        return False
    states = Counter(
        Certificate.objects.filter(email_job=job).values_list("email_state", flat=True)
    )
    job.finish(
        result={
            "sent": states[NoticeState.SENT],
            "unconfirmed": states[NoticeState.SENDING],
        }
    )
    return True


def reminder_start(
    *, course: Course, enrollment_ids: list[int], subject: str, body: str, by
) -> Job:
    """Email a reminder to the learners of a filtered dashboard view. The
    recipients are fixed when staff press send."""
    from completion.tasks import reminder_emails_send

    job = Job.objects.create(
        kind=REMINDER_EMAIL_JOB,
        label=str(_("Completion reminder")),
        course=course,
        created_by=by,
        total=len(enrollment_ids),
        params={"enrollment_ids": enrollment_ids, "subject": subject, "body": body},
    )
    reminder_emails_send.delay_on_commit(job_id=str(job.pk))
    return job


def reminder_emails_send_chunk(*, job: Job) -> bool:
    """Send the next chunk of a reminder; True when more remain.

    The job's `done` counter is the cursor: recipient i is claimed with a
    conditional UPDATE done=i -> i+1 right before their email, so two
    workers never send the same one and a retry resumes where it stopped."""
    ids = job.params["enrollment_ids"]
    job.refresh_from_db(fields=["done"])
    start = job.done
    chunk = ids[start : start + EMAIL_CHUNK]
    users = {
        e.pk: e.user
        for e in Enrollment.objects.filter(pk__in=chunk).select_related("user")
    }
    with mailers.default as connection:
        for index, enrollment_id in enumerate(chunk, start=start):
            claimed = Job.objects.filter(pk=job.pk, done=index).update(
                done=index + 1, heartbeat_at=timezone.now()
            )
            if not claimed:
                return True  # another worker is ahead: let it go on
            user = users.get(enrollment_id)
            if user is None:
                continue
            connection.send_messages(
                [
                    EmailMessage(
                        subject=job.params["subject"],
                        body=job.params["body"],
                        to=[user.email],
                    )
                ]
            )
    return start + len(chunk) < len(ids)
