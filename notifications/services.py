"""Recording notifications and sending their emails.

`notify()` is the one way any app records an event for people: one
set-based INSERT ... SELECT per call (whatever the number of recipients),
ON CONFLICT DO NOTHING on the per-recipient dedupe key, so running it
again records nothing twice. Whether each row is emailed now, in the
digest or not at all is decided in the same statement from the person's
preference (or the kind's default). Emails are sent by a chunked `Job`
after the transaction commits, never on the request path.
"""

import logging
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMessage, mailers
from django.db import connection, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lms.jobs import JobKind
from lms.models import Job
from notifications.models import (
    DEFAULT_CHANNEL,
    Channel,
    EmailPreference,
    EmailState,
    Kind,
    Notification,
)

logger = logging.getLogger(__name__)

NOTIFICATION_EMAIL_JOB = JobKind("notification_emails")
DIGEST_EMAIL_JOB = JobKind("notification_digest")
UNSUBSCRIBE_SALT = "notifications.unsubscribe"
# An unsubscribe token names one kind, or the whole daily digest.
DIGEST = "digest"
UNREAD_CACHE_SECONDS = 600
_LIST_CHUNK = 5000


class NotificationError(ValueError):
    """A request the notification service refuses, with a message to show."""


# Recording ------------------------------------------------------------------


def notify(
    recipient_ids: Iterable[int] | QuerySet,
    kind: str,
    *,
    course=None,
    url: str = "",
    params: dict | None = None,
    dedupe_key: str = "",
    email: bool = True,
    now: datetime | None = None,
) -> int:
    """Record `kind` for every recipient (a list of user ids, or a QuerySet
    of one column of user ids, which stays in the database); returns how
    many rows were new. Inactive users are skipped. Safe to call twice with
    the same `dedupe_key`: nobody gets the notification (or its email)
    twice. `email=False` for an event that sends its own email (a decision,
    a certificate): the notification is in-app only."""
    if kind not in Kind.values:
        raise NotificationError(f"unknown notification kind {kind!r}")
    now = now or timezone.now()
    if isinstance(recipient_ids, QuerySet):
        batches = [recipient_ids]
    else:
        ids = sorted({int(pk) for pk in recipient_ids})
        batches = [ids[i : i + _LIST_CHUNK] for i in range(0, len(ids), _LIST_CHUNK)]
    course_id = getattr(course, "pk", course)
    inserted: list[tuple[int, str]] = []
    with transaction.atomic():
        # The job exists before the rows, so each row names its email job in
        # the INSERT itself; it is dropped (never seen) if nobody is emailed.
        job = Job.objects.create(
            kind=NOTIFICATION_EMAIL_JOB,
            label=_("Notification emails: %(kind)s") % {"kind": Kind(kind).label},
            params={"kind": kind, "course_id": course_id},
        )
        for batch in batches:
            inserted += _insert(
                batch,
                kind=kind,
                course_id=course_id,
                url=url,
                params=params or {},
                dedupe_key=dedupe_key,
                now=now,
                email=email,
                job=job,
            )
        emails = sum(1 for _recipient, state in inserted if state == "pending")
        if emails:
            Job.objects.filter(pk=job.pk).update(total=emails)
            from notifications import tasks

            tasks.notification_emails_send.delay_on_commit(job_id=str(job.pk))
        else:
            job.delete()
    recipients = [recipient for recipient, _state in inserted]
    if recipients:
        transaction.on_commit(lambda: unread_forget(recipients))
    return len(inserted)


def _insert(batch, *, kind, course_id, url, params, dedupe_key, now, email, job):
    """One INSERT ... SELECT for a batch of recipients; (recipient, email
    state) of each row that was new."""
    User = get_user_model()
    if isinstance(batch, QuerySet):
        source_sql, source_params = batch.query.sql_with_params()
    else:
        if not batch:
            return []
        source_sql = ", ".join(["%s"] * len(batch))
        source_params = tuple(batch)
    table = Notification._meta.db_table
    preferences = EmailPreference._meta.db_table
    users = User._meta.db_table
    default = DEFAULT_CHANNEL[kind] if email else Channel.OFF
    params_value = Notification._meta.get_field("params").get_db_prep_value(
        params, connection
    )
    # "WHERE TRUE" ends the SELECT for SQLite's parser before ON CONFLICT.
    # Only table names (from the models) are formatted in; values are params.
    sql = f"""
        INSERT INTO {table} (recipient_id, kind, course_id, params, url,
            created_at, read_at, dedupe_key, email_state, email_job_id)
        SELECT u.id, %s, %s, %s, %s, %s, NULL, %s,
            CASE COALESCE(p.channel, %s)
                WHEN %s THEN %s WHEN %s THEN %s ELSE '' END,
            CASE COALESCE(p.channel, %s) WHEN %s THEN %s ELSE NULL END
        FROM {users} u
        LEFT JOIN {preferences} p ON p.user_id = u.id AND p.kind = %s AND %s
        WHERE u.is_active AND u.id IN ({source_sql}) AND TRUE
        ON CONFLICT DO NOTHING
        RETURNING recipient_id, email_state
    """  # noqa: S608
    values = (
        kind,
        course_id,
        params_value,
        url,
        now,
        dedupe_key,
        default,
        Channel.IMMEDIATE,
        EmailState.PENDING,
        Channel.DIGEST,
        EmailState.DIGEST,
        default,
        Channel.IMMEDIATE,
        Job._meta.pk.get_db_prep_value(job.pk, connection),
        kind,
        email,
        *source_params,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchall()


def job_ended_notify(sender, *, job: Job, **kwargs) -> None:
    """Tell whoever started a job (staff) that it finished or failed; jobs
    nobody started (the beat's, the emails' own) tell no one."""
    if job.created_by_id is None or job.kind in (
        NOTIFICATION_EMAIL_JOB,
        DIGEST_EMAIL_JOB,
    ):
        return
    failed = job.state == Job.State.FAILED
    notify(
        [job.created_by_id],
        Kind.JOB_FAILED if failed else Kind.JOB_FINISHED,
        course=job.course_id,
        url=reverse("job_progress", args=[job.pk]),
        params={"title": job.label or job.kind},
        dedupe_key=f"job:{job.pk}:{job.state}",
    )


# The bell -------------------------------------------------------------------


def _unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(*, user_id: int) -> int:
    """The bell's number: cached; on a miss, one count over the partial
    index of unread rows. Every change to a person's rows forgets it."""
    key = _unread_key(user_id)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(
            recipient_id=user_id, read_at__isnull=True
        ).count()
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return count


def unread_forget(user_ids: Iterable[int]) -> None:
    keys = [_unread_key(pk) for pk in set(user_ids)]
    for start in range(0, len(keys), 1000):
        cache.delete_many(keys[start : start + 1000])


def notification_mark_read(*, user_id: int, notification_id: int) -> bool:
    """Mark one of the user's own notifications read; False if it is not
    theirs (or does not exist), which changes nothing."""
    changed = Notification.objects.filter(
        pk=notification_id, recipient_id=user_id, read_at__isnull=True
    ).update(read_at=timezone.now())
    exists = (
        changed
        or Notification.objects.filter(
            pk=notification_id, recipient_id=user_id
        ).exists()
    )
    if changed:
        transaction.on_commit(lambda: unread_forget([user_id]))
    return bool(exists)


def notifications_mark_all_read(*, user_id: int) -> int:
    changed = Notification.objects.filter(
        recipient_id=user_id, read_at__isnull=True
    ).update(read_at=timezone.now())
    transaction.on_commit(lambda: unread_forget([user_id]))
    return changed


# Preferences and unsubscribing ----------------------------------------------


def preferences_for(*, user_id: int) -> dict[str, str]:
    """Every kind's channel for the user: their choice or the default."""
    chosen = dict(
        EmailPreference.objects.filter(user_id=user_id).values_list("kind", "channel")
    )
    return {kind: chosen.get(kind, DEFAULT_CHANNEL[kind]) for kind in Kind.values}


@transaction.atomic
def preferences_set(*, user_id: int, channels: dict[str, str]) -> None:
    for kind, channel in channels.items():
        if kind not in Kind.values or channel not in Channel.values:
            raise NotificationError(_("Unknown notification kind or email choice."))
        EmailPreference.objects.update_or_create(
            user_id=user_id, kind=kind, defaults={"channel": channel}
        )


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    return signing.dumps([user_id, kind], salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_read(token: str) -> tuple[int, str]:
    """(user id, kind) of a token; NotificationError if it was not ours."""
    try:
        user_id, kind = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise NotificationError(_("This unsubscribe link is not valid.")) from error
    if (kind not in Kind.values and kind != DIGEST) or not isinstance(user_id, int):
        raise NotificationError(_("This unsubscribe link is not valid."))
    return user_id, kind


@transaction.atomic
def unsubscribe(*, token: str) -> tuple[int, str]:
    """Turn one kind's email off for the token's user, or every kind that
    goes to their daily digest (RFC 8058 one-click)."""
    user_id, kind = unsubscribe_read(token)
    if kind == DIGEST:
        kinds = [
            k
            for k, channel in preferences_for(user_id=user_id).items()
            if channel == Channel.DIGEST
        ]
    else:
        kinds = [kind]
    for each in kinds:
        EmailPreference.objects.update_or_create(
            user_id=user_id, kind=each, defaults={"channel": Channel.OFF}
        )
    Notification.objects.filter(
        recipient_id=user_id,
        kind__in=kinds,
        email_state__in=[EmailState.PENDING, EmailState.DIGEST],
    ).update(email_state=EmailState.NONE)
    return user_id, kind


# Sending --------------------------------------------------------------------


def _language_of(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def _with_unsubscribe(message: EmailMessage, *, user_id: int, kind: str) -> str:
    """RFC 8058: a one-click POST endpoint and a mailto-free HTTPS link."""
    link = settings.SITE_URL + reverse(
        "notification_unsubscribe",
        kwargs={"token": unsubscribe_token(user_id=user_id, kind=kind)},
    )
    message.extra_headers["List-Unsubscribe"] = f"<{link}>"
    message.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return link


def _absolute(url: str) -> str:
    return settings.SITE_URL + url if url.startswith("/") else url


def notification_message(notification: Notification) -> EmailMessage:
    user = notification.recipient
    message = EmailMessage(to=[user.email])
    link = _with_unsubscribe(message, user_id=user.pk, kind=notification.kind)
    with translation.override(_language_of(user)):
        context = {
            "user": user,
            "text": notification.text,
            "url": _absolute(notification.url or reverse("notifications")),
            "unsubscribe_url": link,
            "preferences_url": settings.SITE_URL + reverse("notification_preferences"),
        }
        subject = render_to_string("notifications/email/one_subject.txt", context)
        message.body = render_to_string("notifications/email/one_body.txt", context)
    message.subject = " ".join(subject.split())
    return message


def digest_message(user, notifications: list[Notification]) -> EmailMessage:
    message = EmailMessage(to=[user.email])
    # one click stops the whole digest; each item links its kind's own page
    link = _with_unsubscribe(message, user_id=user.pk, kind=DIGEST)
    with translation.override(_language_of(user)):
        items = [
            {
                "text": n.text,
                "url": _absolute(n.url or reverse("notifications")),
                "unsubscribe_url": settings.SITE_URL
                + reverse(
                    "notification_unsubscribe",
                    kwargs={"token": unsubscribe_token(user_id=user.pk, kind=n.kind)},
                ),
            }
            for n in notifications
        ]
        context = {
            "user": user,
            "items": items,
            "count": len(items),
            "unsubscribe_url": link,
            "preferences_url": settings.SITE_URL + reverse("notification_preferences"),
        }
        subject = render_to_string("notifications/email/digest_subject.txt", context)
        message.body = render_to_string("notifications/email/digest_body.txt", context)
    message.subject = " ".join(subject.split())
    return message


def notification_emails_send_chunk(*, job: Job, limit: int | None = None) -> int:
    """Send one chunk of a notify() call's emails; each row is claimed
    (pending -> sending) just before its email goes out, so two chains never
    send one email twice. Returns how many rows it looked at (0: done)."""
    limit = limit or settings.NOTIFICATION_EMAIL_CHUNK
    pending = Notification.objects.filter(
        email_job=job, email_state=EmailState.PENDING
    ).order_by("pk")
    with transaction.atomic():
        ids = list(
            pending.select_for_update(skip_locked=True).values_list("pk", flat=True)[
                :limit
            ]
        )
    if not ids:
        return 0
    rows = Notification.objects.filter(pk__in=ids).select_related("recipient")
    with mailers.default as mail:
        for row in rows:
            claimed = Notification.objects.filter(
                pk=row.pk, email_state=EmailState.PENDING
            ).update(email_state=EmailState.SENDING)
            if not claimed:
                continue
            mail.send_messages([notification_message(row)])
            Notification.objects.filter(pk=row.pk).update(email_state=EmailState.SENT)
    job.progress_to(
        Notification.objects.filter(email_job=job)
        .exclude(email_state=EmailState.PENDING)
        .count()
    )
    return len(ids)


def digest_job_start(*, now: datetime | None = None) -> Job | None:
    """Gather every notification waiting for the digest into one job (rows
    taken by a concurrent start are skipped: each row joins one job)."""
    job = Job.objects.create(kind=DIGEST_EMAIL_JOB, label=_("Daily digest emails"))
    with transaction.atomic():
        waiting = Notification.objects.filter(
            email_state=EmailState.DIGEST, email_job=None
        ).select_for_update(skip_locked=True)
        taken = Notification.objects.filter(
            pk__in=list(waiting.values_list("pk", flat=True))
        ).update(email_job=job)
    if not taken:
        job.delete()
        return None
    people = (
        Notification.objects.filter(email_job=job)
        .values("recipient_id")
        .distinct()
        .count()
    )
    Job.objects.filter(pk=job.pk).update(total=people)
    from notifications import tasks

    tasks.notification_digest_send.delay_on_commit(job_id=str(job.pk))
    return job


def digest_send_chunk(*, job: Job, limit: int | None = None) -> int:
    """Send the digests of up to `limit` people, one email each; a person's
    rows are claimed together before their email goes out."""
    limit = limit or settings.NOTIFICATION_EMAIL_CHUNK
    people = list(
        Notification.objects.filter(email_job=job, email_state=EmailState.DIGEST)
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()[:limit]
    )
    if not people:
        return 0
    User = get_user_model()
    with mailers.default as mail:
        for user in User.objects.filter(pk__in=people):
            with transaction.atomic():
                ids = list(
                    Notification.objects.filter(
                        email_job=job,
                        recipient=user,
                        email_state=EmailState.DIGEST,
                    )
                    .select_for_update(skip_locked=True)
                    .values_list("pk", flat=True)
                )
                Notification.objects.filter(pk__in=ids).update(
                    email_state=EmailState.SENDING
                )
            if not ids:
                continue
            rows = list(Notification.objects.filter(pk__in=ids).order_by("created_at"))
            mail.send_messages([digest_message(user, rows)])
            Notification.objects.filter(pk__in=ids).update(email_state=EmailState.SENT)
    job.progress_to(
        Notification.objects.filter(email_job=job)
        .exclude(email_state=EmailState.DIGEST)
        .values("recipient_id")
        .distinct()
        .count()
    )
    return len(people)
