"""One notification model for every event a person should know about.

A notification is a row per recipient: the bell counts them, `/notifications/`
lists them, and the email (immediate, in the daily digest, or none) is sent
from the same row, claimed before sending like every other bulk email. The
text is not stored: `kind` and `params` are, so a notification reads in the
recipient's language whenever it is shown.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Kind(models.TextChoices):
    APPLICATION_DECIDED = "application_decided", _("Application decided")
    ANNOUNCEMENT = "announcement", pgettext_lazy("notification kind", "Announcement")
    SUMMARY_NEEDS_REVISION = "summary_needs_revision", _("Summary needs revision")
    HOMEWORK_REVEALED = "homework_revealed", _("Homework results revealed")
    ENTRY_SCORED = "entry_scored", _("Competition entry scored")
    ENTRY_REFUSED = "entry_refused", _("Competition entry refused")
    CERTIFICATE_ISSUED = "certificate_issued", _("Certificate issued")
    CERTIFICATE_CORRECTED = "certificate_corrected", _("Certificate corrected")
    DEADLINE_REMINDER = "deadline_reminder", _("Deadline reminder")
    EXTENSION_GRANTED = "extension_granted", _("Extension granted")
    JOB_FINISHED = "job_finished", _("Background job finished")
    JOB_FAILED = "job_failed", _("Background job failed")
    CORRECTION_REQUESTED = "correction_requested", _("Correction requested")
    QUESTION_POSTED = "question_posted", _("New question in a category you follow")
    QUESTION_ANSWERED = "question_answered", _("New answer to a question you follow")
    ANSWER_ENDORSED = "answer_endorsed", _("Answer endorsed by staff")


class Channel(models.TextChoices):
    """How a person wants a kind of notification by email."""

    IMMEDIATE = "immediate", _("Immediately")
    DIGEST = "digest", _("Daily digest")
    OFF = "off", pgettext_lazy("email preference", "Off")


# Sensible defaults: what needs action soon is sent at once; what only
# informs goes to the daily digest.
DEFAULT_CHANNEL = {
    Kind.APPLICATION_DECIDED: Channel.IMMEDIATE,
    Kind.ANNOUNCEMENT: Channel.IMMEDIATE,
    Kind.SUMMARY_NEEDS_REVISION: Channel.IMMEDIATE,
    Kind.HOMEWORK_REVEALED: Channel.DIGEST,
    Kind.ENTRY_SCORED: Channel.DIGEST,
    Kind.ENTRY_REFUSED: Channel.IMMEDIATE,
    Kind.CERTIFICATE_ISSUED: Channel.IMMEDIATE,
    Kind.CERTIFICATE_CORRECTED: Channel.IMMEDIATE,
    Kind.DEADLINE_REMINDER: Channel.IMMEDIATE,
    Kind.EXTENSION_GRANTED: Channel.IMMEDIATE,
    Kind.JOB_FINISHED: Channel.DIGEST,
    Kind.JOB_FAILED: Channel.IMMEDIATE,
    Kind.CORRECTION_REQUESTED: Channel.IMMEDIATE,
    # Course Q&A: an answer to what you asked or follow is worth knowing at
    # once; a new question in a whole category, and endorsements, can wait.
    Kind.QUESTION_POSTED: Channel.DIGEST,
    Kind.QUESTION_ANSWERED: Channel.IMMEDIATE,
    Kind.ANSWER_ENDORSED: Channel.DIGEST,
}


class EmailState(models.TextChoices):
    """Where one notification's email is. `pending` and `digest` rows are
    claimed (-> `sending`) by a conditional UPDATE before they are sent, so
    a task that runs twice never sends twice."""

    NONE = "", _("No email")
    PENDING = "pending", _("Pending")
    DIGEST = "digest", _("Waiting for the digest")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")


class Notification(models.Model):
    # Indexes are few on purpose (a reminder pass inserts tens of thousands
    # of rows): the inbox index leads with the recipient, and the email
    # index covers the job's rows; a course or job is rarely deleted.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    course = models.ForeignKey(
        "courses.Course",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    dedupe_key = models.CharField(
        max_length=200,
        blank=True,
        help_text="Same key, same recipient: recorded once, however often sent.",
    )
    email_state = models.CharField(
        max_length=8, choices=EmailState.choices, blank=True, default=EmailState.NONE
    )
    email_job = models.ForeignKey(
        "lms.Job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_dedupe_per_recipient",
            )
        ]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"], name="notification_inbox"
            ),
            # the bell: one index-only count of a person's unread rows
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(
                fields=["email_job", "email_state"],
                condition=models.Q(email_job__isnull=False),
                name="notification_email_job",
            ),
            models.Index(
                fields=["recipient"],
                condition=models.Q(email_state="digest", email_job__isnull=True),
                name="notification_digest_waiting",
            ),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"

    @property
    def text(self) -> str:
        from notifications.texts import notification_text

        return notification_text(self.kind, self.params)


class EmailPreference(models.Model):
    """One person's choice for one kind; no row means the kind's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    channel = models.CharField(_("email"), max_length=10, choices=Channel.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"], name="notification_preference_per_kind"
            )
        ]
        verbose_name = _("email preference")
        verbose_name_plural = _("email preferences")

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.channel}"
