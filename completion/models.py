import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


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


class CompletionRecord(models.Model):
    """The certification outcome of one enrollment: the metrics it was decided
    on, the computed decision and, when staff overrode it, the override."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        COMPLETE = "complete", _("Complete")
        INCOMPLETE = "incomplete", _("Incomplete")

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

    class Meta:
        indexes = [models.Index(fields=["course", "outcome"])]
        verbose_name = _("completion record")
        verbose_name_plural = _("completion records")

    def __str__(self) -> str:
        return f"{self.enrollment_id}: {self.final_outcome}"

    @property
    def final_outcome(self) -> str:
        """The override when there is one, else the computed outcome."""
        return self.override_outcome or self.outcome

    @property
    def final_tier_id(self) -> int | None:
        return self.override_tier_id if self.override_outcome else self.tier_id


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
    return secrets.token_urlsafe(16)


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


class Certificate(models.Model):
    enrollment = models.OneToOneField(
        "courses.Enrollment", on_delete=models.PROTECT, related_name="certificate"
    )
    course = models.ForeignKey(
        "courses.Course", on_delete=models.PROTECT, related_name="certificates"
    )
    number = models.PositiveIntegerField(_("number"))
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
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.TextField(_("revocation reason"), blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        ordering = ["course", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "number"], name="one_certificate_per_number"
            )
        ]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.serial

    def get_absolute_url(self) -> str:
        return reverse("certificate_verify", args=[self.code])

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None


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
