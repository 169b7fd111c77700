import base64
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Case, CharField, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.models import NoticeState


class CompletionTier(models.Model):
    """A level of completion in a course: "completed", and higher tiers such as
    "honors". A learner reaches a tier when every rule of that tier is met; the
    highest tier reached (by `rank`) is their outcome."""

    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, related_name="completion_tiers"
    )
    rank = models.PositiveSmallIntegerField(
        _("rank"),
        default=1,
        help_text=_("1 = completed; higher ranks are higher tiers."),
    )
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)

    class Meta:
        ordering = ["course", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["course", "rank"], name="one_tier_per_rank")
        ]
        verbose_name = _("completion tier")
        verbose_name_plural = _("completion tiers")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_ja if translation.get_language() == "ja" else self.name_en

    def name_in(self, language: str) -> str:
        return self.name_ja if language == "ja" else self.name_en


class CompletionRule(models.Model):
    """One criterion of a tier, e.g. "homework passed in at least 10 weeks"."""

    class Kind(models.TextChoices):
        HOMEWORK_POINTS = "homework_points", _("Homework points at least")
        HOMEWORK_WEEKS_PASSED = (
            "homework_weeks",
            _("Homework passed in at least N weeks"),
        )
        SUMMARIES_SUBMITTED = (
            "summaries_submitted",
            _("Summaries submitted in at least N weeks"),
        )
        SUMMARIES_ACCEPTED = (
            "summaries_accepted",
            _("Summaries accepted in at least N weeks"),
        )
        COMPETITION_ENTRY = "competition_entry", _("A competition entry scored")
        COMPETITION_REPORT = "competition_report", _("The competition report submitted")
        COMPETITION_TOP_PERCENT = "competition_top", _("Final ranking in the top N %")

    tier = models.ForeignKey(
        CompletionTier, on_delete=models.CASCADE, related_name="rules"
    )
    kind = models.CharField(_("criterion"), max_length=24, choices=Kind.choices)
    threshold = models.DecimalField(
        _("threshold"),
        max_digits=8,
        decimal_places=2,
        default=0,
        help_text=_("N in the criterion; ignored for yes/no criteria."),
    )

    class Meta:
        ordering = ["tier", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "kind"], name="one_rule_per_kind")
        ]
        verbose_name = _("completion rule")
        verbose_name_plural = _("completion rules")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.threshold}"


class Outcome(models.TextChoices):
    PENDING = "pending", pgettext_lazy("completion outcome", "Pending")
    COMPLETE = "complete", _("Complete")
    INCOMPLETE = "incomplete", _("Incomplete")


# The final outcome, defined once: a staff override wins over the computed
# outcome (and brings its own tier). `_final_decision_expressions` is the
# definition; the database stores it in every record (`decision`,
# `decision_tier`: generated columns, indexed, so the staff dashboard filters
# 100,000 learners on an outcome or a tier through an index and the planner's
# statistics). `final_decision` says the same in Python for decisions still in
# memory (the certification run, a record's properties before it is saved); a
# test checks they agree on every combination. `final_decision_sql` and
# `final_outcome_q` read the stored columns, through `prefix` ("completion__"
# from an enrollment, where a missing record is pending).


def final_decision(
    *, outcome: str, tier_id, override_outcome: str, override_tier_id
) -> tuple[str, int | None]:
    """(final outcome, final tier id) of a record."""
    if override_outcome:
        return override_outcome, override_tier_id
    return outcome, tier_id


def _final_decision_expressions() -> tuple:
    """(outcome, tier id) of a record's own columns, as SQL expressions."""
    return (
        Coalesce(
            NullIf(F("override_outcome"), Value("")),
            F("outcome"),
            output_field=CharField(max_length=10),
        ),
        Case(
            When(~Q(override_outcome=""), then=F("override_tier_id")),
            default=F("tier_id"),
            output_field=IntegerField(),
        ),
    )


def final_decision_sql(prefix: str = "") -> dict:
    """`final_outcome` and `final_tier` annotations (a missing record, through
    `prefix`, is pending)."""
    return {
        "final_outcome": Coalesce(
            F(f"{prefix}decision"),
            Value(Outcome.PENDING.value),
            output_field=CharField(),
        ),
        "final_tier": F(f"{prefix}decision_tier"),
    }


def final_outcome_q(outcome: str, prefix: str = "", *, course=None) -> Q:
    """Records (or, through `prefix`, enrollments) whose final outcome is
    `outcome`: a comparison of the stored column the index serves (an
    enrollment without a record is pending). With `course`, records of that
    course only."""
    match = Q(**{f"{prefix}decision": outcome})
    if course is not None:
        match &= Q(**{f"{prefix}course": course})
    if prefix and outcome == Outcome.PENDING:
        match |= Q(**{f"{prefix.removesuffix('__')}__isnull": True})
    return match


class CompletionRecordQuerySet(models.QuerySet):
    def with_final_decision(self) -> "CompletionRecordQuerySet":
        """`final_outcome` and `final_tier` to filter and order on (aliases: a
        record reads its own through the properties below)."""
        return self.alias(**final_decision_sql())


class CompletionRecord(models.Model):
    """The certification outcome of one enrollment: the metrics it was decided
    on, the computed decision and, when staff overrode it, the override."""

    Outcome = Outcome

    enrollment = models.OneToOneField(
        "courses.Enrollment", on_delete=models.CASCADE, related_name="completion"
    )
    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, related_name="completion_records"
    )
    metrics = models.JSONField(_("metrics"), default=dict)
    outcome = models.CharField(
        _("computed outcome"),
        max_length=10,
        choices=Outcome.choices,
        default=Outcome.PENDING,
    )
    tier = models.ForeignKey(
        CompletionTier,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    override_outcome = models.CharField(
        _("override"), max_length=10, choices=Outcome.choices, blank=True
    )
    override_tier = models.ForeignKey(
        CompletionTier,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    override_reason = models.TextField(_("override reason"), blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    override_at = models.DateTimeField(_("overridden at"), null=True, blank=True)
    # The final decision, computed by the database on every write (see
    # `_final_decision_expressions`); never written by Koza.
    decision = models.GeneratedField(
        expression=_final_decision_expressions()[0],
        output_field=models.CharField(max_length=10),
        db_persist=True,
    )
    decision_tier = models.GeneratedField(
        expression=_final_decision_expressions()[1],
        output_field=models.IntegerField(null=True),
        db_persist=True,
    )

    objects = CompletionRecordQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["course", "outcome"]),
            models.Index(fields=["course", "decision"]),
            models.Index(fields=["course", "decision_tier"]),
        ]
        verbose_name = _("completion record")
        verbose_name_plural = _("completion records")

    def __str__(self) -> str:
        return f"{self.enrollment_id}: {self.final_outcome}"

    def _final(self) -> tuple[str, int | None]:
        return final_decision(
            outcome=self.outcome,
            tier_id=self.tier_id,
            override_outcome=self.override_outcome,
            override_tier_id=self.override_tier_id,
        )

    @property
    def final_outcome(self) -> str:
        return self._final()[0]

    @property
    def decided_by_staff(self) -> bool:
        """True when the final outcome is staff's override, not the rules'
        (the condition `final_decision` gives the override precedence on)."""
        return bool(self.override_outcome)

    @property
    def final_tier_id(self) -> int | None:
        return self._final()[1]


class CompletionOverride(models.Model):
    """Audit trail: every override staff made, kept even when replaced."""

    record = models.ForeignKey(
        CompletionRecord, on_delete=models.CASCADE, related_name="overrides"
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=10,
        choices=CompletionRecord.Outcome.choices,
        blank=True,
    )
    tier = models.ForeignKey(
        CompletionTier,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("completion override")
        verbose_name_plural = _("completion overrides")

    def __str__(self) -> str:
        return f"{self.record_id} → {self.outcome or '-'}"


def new_verification_code() -> str:
    """Random and unrelated to any id: a certificate cannot be guessed from
    another one."""
    return new_verification_codes(1)[0]


def new_verification_codes(count: int) -> list[str]:
    """`count` codes as `secrets.token_urlsafe(16)` makes them (16 bytes from
    the OS's CSPRNG, URL-safe base64), from one read of the random source:
    issuing 100,000 certificates asks for them at once."""
    data = secrets.token_bytes(16 * count)
    return [
        base64.urlsafe_b64encode(data[start : start + 16]).rstrip(b"=").decode()
        for start in range(0, 16 * count, 16)
    ]


class CertificateSeries(models.Model):
    """Per-course counter of certificate numbers, locked while numbers are
    handed out so concurrent runs never reuse one."""

    course = models.OneToOneField(
        "courses.Course", on_delete=models.CASCADE, related_name="certificate_series"
    )
    prefix = models.CharField(
        _("serial prefix"), max_length=20, help_text=_("e.g. LLM2026")
    )
    next_number = models.PositiveIntegerField(default=1)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("certificate series")
        verbose_name_plural = _("certificate series")

    def __str__(self) -> str:
        return self.prefix

    def serial(self, number: int) -> str:
        return f"{self.prefix}-{number:06d}"


def new_recipient_salt() -> str:
    return new_recipient_salts(1)[0]


def new_recipient_salts(count: int) -> list[str]:
    """`count` salts as `secrets.token_hex(8)` makes them, in one read."""
    data = secrets.token_bytes(8 * count).hex()
    return [data[start : start + 16] for start in range(0, 16 * count, 16)]


class Certificate(models.Model):
    """A statement about the past: what was certified is frozen on the row at
    issue (the printed name, the course, the tier, the issuer), and the PDF,
    the verification page and the Open Badges credential read only that. A
    correction issues a new certificate and marks this one superseded."""

    enrollment = models.ForeignKey(
        "courses.Enrollment", on_delete=models.PROTECT, related_name="certificates"
    )
    course = models.ForeignKey(
        "courses.Course", on_delete=models.PROTECT, related_name="certificates"
    )
    number = models.PositiveIntegerField(pgettext_lazy("certificate", "number"))
    serial = models.CharField(_("serial number"), max_length=40, unique=True)
    code = models.CharField(
        _("verification code"),
        max_length=40,
        unique=True,
        default=new_verification_code,
    )
    tier = models.ForeignKey(
        CompletionTier, on_delete=models.PROTECT, related_name="certificates"
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    # The record, frozen at issue.
    holder_name = models.CharField(_("name as printed"), max_length=200, blank=True)
    holder_name_latin = models.CharField(
        _("name in Latin letters"), max_length=200, blank=True
    )
    course_title = models.CharField(_("course title"), max_length=200, blank=True)
    course_term = models.CharField(_("term"), max_length=100, blank=True)
    tier_name_ja = models.CharField(_("tier (Japanese)"), max_length=100, blank=True)
    tier_name_en = models.CharField(_("tier (English)"), max_length=100, blank=True)
    criteria = models.TextField(_("criteria"), blank=True)
    issuer_name = models.CharField(_("issuer"), max_length=200, blank=True)
    recipient_salt = models.CharField(max_length=32, default=new_recipient_salt)
    recipient_hash = models.CharField(_("hashed email"), max_length=80, blank=True)
    credential_jwt = models.TextField(_("signed credential"), blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.TextField(
        _("revocation reason"),
        blank=True,
        help_text=_("Shown on the public verification page."),
    )
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("superseded by"),
    )
    # Owed an email from the moment it exists: claimed pending -> sending just
    # before the email goes out and confirmed sent right after (as decision
    # emails are), so nothing is sent twice and nothing owed is forgotten.
    email_state = models.CharField(
        _("email"),
        max_length=8,
        choices=NoticeState.choices,
        default=NoticeState.PENDING,
    )
    email_job = models.ForeignKey(
        "lms.Job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        ordering = ["course", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "number"], name="one_certificate_per_number"
            ),
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=models.Q(superseded_at__isnull=True),
                name="one_current_certificate_per_enrollment",
            ),
        ]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.serial

    def save(self, *args, **kwargs):
        if self._state.adding and not self.holder_name:
            self.freeze()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("certificate_verify", args=[self.code])

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None and self.superseded_at is None

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.superseded_at is not None:
            return "superseded"
        return "valid"

    def freeze(
        self,
        *,
        name: str = "",
        name_latin: str = "",
        issuer: str | None = None,
        criteria: str | None = None,
    ) -> None:
        """Copy what this certificate certifies from the live rows, once, at
        issue. A certificate created without going through issuing (admin,
        tests) is frozen from the data of that moment."""
        user = self.enrollment.user
        if issuer is None:
            series = CertificateSeries.objects.filter(course=self.course).first()
            issuer = series.issuer if series else ""
        frozen = Certificate.snapshot(
            course=self.course,
            tier=self.tier,
            display_name=user.display_name,
            email=user.email,
            salt=self.recipient_salt,
            name=name,
            name_latin=name_latin,
            issuer=issuer,
            criteria=tier_criteria(self.tier) if criteria is None else criteria,
        )
        for field, value in frozen.items():
            setattr(self, field, value)

    @staticmethod
    def snapshot(
        *,
        course,
        tier: CompletionTier,
        display_name: str,
        email: str,
        salt: str,
        name: str,
        name_latin: str,
        issuer: str,
        criteria: str,
    ) -> dict:
        """The fields a certificate freezes at issue, as values: `freeze` sets
        them on one certificate; bulk issuing writes them for thousands
        without making a model instance each (`award_snapshot` once per tier,
        `holder_snapshot` per learner)."""
        return Certificate.holder_snapshot(
            display_name=display_name,
            email=email,
            salt=salt,
            name=name,
            name_latin=name_latin,
        ) | Certificate.award_snapshot(
            course=course, tier=tier, issuer=issuer, criteria=criteria
        )

    @staticmethod
    def holder_snapshot(
        *, display_name: str, email: str, salt: str, name: str, name_latin: str
    ) -> dict:
        """The frozen fields that are the learner's."""
        return {
            "holder_name": (name or display_name).strip(),
            "holder_name_latin": name_latin.strip(),
            "recipient_hash": recipient_hash(email, salt),
        }

    @staticmethod
    def award_snapshot(*, course, tier: CompletionTier, issuer: str, criteria: str):
        """The frozen fields every holder of the course's tier shares."""
        return {
            "course_title": course.title,
            "course_term": course.term,
            "tier_name_ja": tier.name_ja,
            "tier_name_en": tier.name_en,
            "criteria": criteria,
            "issuer_name": issuer or course.title,
        }

    def name_in(self, language: str) -> str:
        """The printed name: the romanised form on the English certificate
        when the learner gave one."""
        if language != "ja" and self.holder_name_latin:
            return self.holder_name_latin
        return self.holder_name

    def tier_name_in(self, language: str) -> str:
        return self.tier_name_ja if language == "ja" else self.tier_name_en

    @property
    def tier_name(self) -> str:
        return self.tier_name_in(translation.get_language() or "en")


def recipient_hash(email: str, salt: str) -> str:
    """Open Badges' IdentityHash: sha256 of the email followed by the salt."""
    digest = hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()
    return f"sha256${digest}"


def tier_criteria(tier: CompletionTier) -> str:
    """The tier's rules in words (English, for the credential), frozen on
    each certificate so a later rule change does not rewrite it."""
    with translation.override("en"):
        lines = []
        for rule in tier.rules.all():
            label = str(rule.get_kind_display())
            if rule.kind in YES_NO_KINDS:
                lines.append(f"- {label}")
            else:
                lines.append(f"- {label}: {rule.threshold.normalize():f}")
    return "\n".join(lines)


YES_NO_KINDS = {
    CompletionRule.Kind.COMPETITION_ENTRY,
    CompletionRule.Kind.COMPETITION_REPORT,
}


class PrintedName(models.Model):
    """The name a learner confirmed for their certificate, before it is
    issued, in the script they use (and optionally in Latin letters for the
    English certificate). Issuing reads it; after issue only a correction
    changes what a certificate says."""

    enrollment = models.OneToOneField(
        "courses.Enrollment", on_delete=models.CASCADE, related_name="printed_name"
    )
    name = models.CharField(_("name as printed"), max_length=200)
    name_latin = models.CharField(
        _("name in Latin letters"), max_length=200, blank=True
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), default=timezone.now)

    class Meta:
        verbose_name = _("printed name")
        verbose_name_plural = _("printed names")

    def __str__(self) -> str:
        return self.name


class CertificateCorrection(models.Model):
    """A learner's request to correct the name on an issued certificate.
    Staff approve it (which re-issues) or deny it."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("correction request", "Pending")
        APPROVED = "approved", pgettext_lazy("correction request", "Approved")
        DENIED = "denied", pgettext_lazy("correction request", "Denied")

    certificate = models.ForeignKey(
        Certificate, on_delete=models.CASCADE, related_name="corrections"
    )
    name = models.CharField(_("name as printed"), max_length=200)
    name_latin = models.CharField(
        _("name in Latin letters"), max_length=200, blank=True
    )
    message = models.TextField(_("message to staff"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    staff_note = models.TextField(_("note from staff"), blank=True)
    new_certificate = models.ForeignKey(
        Certificate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate"],
                condition=models.Q(status="pending"),
                name="one_pending_correction_per_certificate",
            )
        ]
        verbose_name = _("certificate correction")
        verbose_name_plural = _("certificate corrections")

    def __str__(self) -> str:
        return f"{self.certificate_id}: {self.name} ({self.status})"


class CertificateEvent(models.Model):
    """Audit trail: everything that happened to a certificate, kept forever."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Issued")
        CORRECTION_REQUESTED = "correction_requested", _("Correction requested")
        CORRECTION_DENIED = "correction_denied", _("Correction denied")
        SUPERSEDED = "superseded", _("Superseded by a corrected certificate")
        REVOKED = "revoked", _("Revoked")

    certificate = models.ForeignKey(
        Certificate, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=24, choices=Kind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("certificate event")
        verbose_name_plural = _("certificate events")

    def __str__(self) -> str:
        return f"{self.certificate_id}: {self.kind}"


class CertificationState(models.Model):
    """What the last certification run of a course saw (PostgreSQL only).

    `inputs_stamp` is the value of the `koza_completion_inputs` sequence,
    which statement triggers on every table a run reads advance on any write
    (migration 0002). A run that finds the sequence where the last run left
    it has nothing new to decide and is skipped."""

    course = models.OneToOneField(
        "courses.Course",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    inputs_stamp = models.BigIntegerField()
    issued_certificates = models.BooleanField(default=False)
    summary = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("certification state")
        verbose_name_plural = _("certification states")

    def __str__(self) -> str:
        return f"{self.course_id}: {self.inputs_stamp}"


class TotalsState(models.Model):
    """When the course's dashboard totals (`Enrollment.homework_points`, …)
    were last refreshed, and where the inputs sequence stood then
    (PostgreSQL), so the periodic refresh skips a course nothing was written
    to. See completion.totals."""

    course = models.OneToOneField(
        "courses.Course",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="totals_state",
    )
    inputs_stamp = models.BigIntegerField(null=True, blank=True)
    refreshed_at = models.DateTimeField(default=timezone.now)
    # What the stored at-risk flags were decided against (the first tier's
    # needs, the weeks to come and the last two due, the extensions):
    # completion.selectors.at_risk_key. Blank until the first refresh.
    risk_key = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("dashboard totals state")
        verbose_name_plural = _("dashboard totals states")

    def __str__(self) -> str:
        return f"{self.course_id}: {self.refreshed_at}"
