"""Writes of the courses app: applying, deciding, emailing, announcing.

Every function is keyword-only and does its side effects (emails, tasks)
after the transaction commits. Emails are owed as rows (`notice_state`,
`AnnouncementDelivery.state`) and claimed with a conditional UPDATE before
they are sent, so a task delivered twice never emails anyone twice.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from courses import hooks
from courses.forms import EXTENSION_CSV_MAX_ROWS, EXTENSION_MAX_DAYS
from courses.hooks import extension_listeners
from courses.models import (
    Announcement,
    AnnouncementDelivery,
    Course,
    CourseInvitation,
    CourseRole,
    Enrollment,
    Extension,
    Lecture,
    NoticeState,
    extra_time_label,
)
from lms.jobs import JobKind
from lms.models import Job
from notifications.models import Kind
from notifications.services import notify

EMAIL_CHUNK_SIZE = 100
DECISION_EMAIL_JOB = JobKind("decision_emails")
ANNOUNCEMENT_EMAIL_JOB = JobKind("announcement_emails")
DECISIONS = {
    Enrollment.Status.APPROVED,
    Enrollment.Status.WAITLISTED,
    Enrollment.Status.REJECTED,
}


class ApplicationRefused(Exception):
    """The application cannot be taken; the message says why, for the user."""


class DecisionRefused(Exception):
    """The decision cannot be made (e.g. capacity); the message says why."""


@dataclass(frozen=True)
class DecisionResult:
    count: int
    job: Job | None


def enrollment_apply(
    *,
    course: Course,
    user: User,
    category: str,
    affiliation: str,
    answers: dict,
    now: datetime | None = None,
) -> Enrollment:
    """Take one application, or refuse it (and save nothing)."""
    now = now or timezone.now()
    if Enrollment.objects.filter(course=course, user=user).exists():
        raise ApplicationRefused(_("You have already applied to this course."))
    if not course.applications_are_open(now):
        raise ApplicationRefused(_("Applications for this course are not open."))
    if course.is_full():
        raise ApplicationRefused(_("This course is full."))
    try:
        with transaction.atomic():
            return Enrollment.objects.create(
                course=course,
                user=user,
                category=category,
                affiliation=affiliation,
                answers=answers,
                applied_at=now,
            )
    except IntegrityError:  # a double submit raced past the check above
        raise ApplicationRefused(
            _("You have already applied to this course.")
        ) from None


class RejoinRefused(Exception):
    """The rejoin request cannot be taken; the message says why."""


def enrollment_withdraw(*, enrollment: Enrollment, now: datetime | None = None) -> None:
    """The learner leaves: the place is freed, nothing is emailed. What they
    submitted stays (a learner who rejoins finds it as they left it)."""
    Enrollment.objects.filter(pk=enrollment.pk).exclude(
        status__in=[Enrollment.Status.WITHDRAWN, Enrollment.Status.REJOIN]
    ).update(
        status=Enrollment.Status.WITHDRAWN,
        notice_state=NoticeState.NONE,
        withdrawn_at=now or timezone.now(),
    )
    enrollment.refresh_from_db()


def enrollment_request_rejoin(
    *, enrollment: Enrollment, note: str, now: datetime | None = None
) -> None:
    """A withdrawn learner asks to come back. The request waits on the staff's
    applications page, where approving, waitlisting or rejecting it is the
    same decision as for an application (`enrollments_decide`)."""
    updated = Enrollment.objects.filter(
        pk=enrollment.pk, status=Enrollment.Status.WITHDRAWN
    ).update(
        status=Enrollment.Status.REJOIN,
        rejoin_requested_at=now or timezone.now(),
        rejoin_note=note,
        decided_by=None,
        decided_at=None,
    )
    enrollment.refresh_from_db()
    if not updated:
        raise RejoinRefused(_("Only a learner who withdrew can ask to rejoin."))


def decision_targets(
    *, course: Course, enrollments: QuerySet[Enrollment], status: str
) -> QuerySet[Enrollment]:
    """The applications a decision would change (and email): those of the
    course not already in `status`, withdrawn ones left alone. The
    confirmation step counts these, so it says what the decision does."""
    return (
        Enrollment.objects.filter(course=course, pk__in=enrollments.values("pk"))
        .exclude(status=status)
        .exclude(status=Enrollment.Status.WITHDRAWN)
    )


@transaction.atomic
def enrollments_decide(
    *,
    course: Course,
    enrollments: QuerySet[Enrollment],
    status: str,
    decided_by: User,
    now: datetime | None = None,
) -> DecisionResult:
    """Approve, waitlist or reject the given applications of `course`.

    Set-based: one UPDATE however many rows. Approving past the capacity is
    refused as a whole. More than one decision becomes one `Job` that emails
    in chunks; a single decision is emailed by its own task.
    """
    if status not in DECISIONS:
        raise ValueError(status)
    now = now or timezone.now()
    # Lock the course row: two staff approving at once cannot both take the
    # last places.
    course = Course.objects.select_for_update().get(pk=course.pk)
    targets = decision_targets(course=course, enrollments=enrollments, status=status)
    count = targets.count()
    if not count:
        return DecisionResult(count=0, job=None)
    if status == Enrollment.Status.APPROVED and course.capacity:
        approved = course.approved_count()
        if approved + count > course.capacity:
            raise DecisionRefused(
                _(
                    "Approving %(count)s would exceed the capacity of %(capacity)s: "
                    "%(approved)s are approved, %(left)s places are left."
                )
                % {
                    "count": count,
                    "capacity": course.capacity,
                    "approved": approved,
                    "left": max(0, course.capacity - approved),
                }
            )
    job = None
    single_id = None
    if count > 1:
        job = Job.objects.create(
            kind=DECISION_EMAIL_JOB,
            label=_("Decision emails: %(status)s × %(count)s")
            % {"status": Enrollment.Status(status).label, "count": count},
            course=course,
            created_by=decided_by,
            total=count,
        )
    else:
        single_id = targets.values_list("pk", flat=True).get()
    targets.update(
        status=status,
        decided_by=decided_by,
        decided_at=now,
        notice_state=NoticeState.PENDING,
        notice_job=job,
    )
    notify(
        Enrollment.objects.filter(
            course=course, status=status, decided_at=now, decided_by=decided_by
        ).values("user_id"),
        Kind.APPLICATION_DECIDED,
        course=course,
        url=course.get_absolute_url(),
        params={"course": course.title},
        dedupe_key=f"decided:{course.pk}:{now.isoformat()}",
        email=False,  # the decision email below says it, in full
    )
    from courses import tasks

    if job is not None:
        tasks.decision_emails_send.delay_on_commit(job_id=str(job.pk))
    else:
        tasks.decision_email_send.delay_on_commit(enrollment_id=single_id)
    return DecisionResult(count=count, job=job)


def enrollment_reopen(*, enrollment: Enrollment) -> None:
    """Back to 'applied' for another look. An email not sent yet is dropped."""
    Enrollment.objects.filter(pk=enrollment.pk).update(
        status=Enrollment.Status.APPLIED, decided_by=None, decided_at=None
    )
    Enrollment.objects.filter(
        pk=enrollment.pk, notice_state=NoticeState.PENDING
    ).update(notice_state=NoticeState.NONE)
    enrollment.refresh_from_db()


def calendar_token_regenerate(*, enrollment: Enrollment) -> str:
    """A new feed token; the old one stops working at once."""
    Enrollment.objects.filter(pk=enrollment.pk).update(calendar_token=None)
    enrollment.calendar_token = None
    return enrollment.ensure_calendar_token()


def announcement_recipients(*, course: Course) -> QuerySet[User]:
    """Who an emailed announcement reaches: the approved learners who have
    not turned announcement emails off (the confirmation counts these)."""
    return User.objects.filter(
        is_active=True,
        announcement_emails=True,
        enrollments__course=course,
        enrollments__status=Enrollment.Status.APPROVED,
    )


@transaction.atomic
def announcement_post(
    *, course: Course, author: User, title: str, body: str, send_email: bool
) -> Announcement:
    """Post to the course page; with send_email, one Job emails every approved
    learner who has not turned announcement emails off."""
    announcement = Announcement.objects.create(
        course=course, author=author, title=title, body=body
    )
    notify(
        Enrollment.objects.filter(
            course=course, status=Enrollment.Status.APPROVED
        ).values("user_id"),
        Kind.ANNOUNCEMENT,
        course=course,
        url=course.get_absolute_url(),
        params={"course": course.title, "title": title},
        dedupe_key=f"announcement:{announcement.pk}",
        email=False,  # emailed below, to those who did not turn it off
    )
    if not send_email:
        return announcement
    recipients = announcement_recipients(course=course).values_list("pk", flat=True)
    AnnouncementDelivery.objects.bulk_create(
        (
            AnnouncementDelivery(announcement=announcement, user_id=user_id)
            for user_id in recipients.iterator(chunk_size=2000)
        ),
        batch_size=1000,
    )
    total = announcement.deliveries.count()
    job = Job.objects.create(
        kind=ANNOUNCEMENT_EMAIL_JOB,
        label=_("Announcement email: %(title)s") % {"title": title},
        course=course,
        created_by=author,
        total=total,
        params={"announcement_id": announcement.pk},
    )
    announcement.email_job = job
    announcement.save(update_fields=["email_job"])
    from courses import tasks

    tasks.announcement_emails_send.delay_on_commit(job_id=str(job.pk))
    return announcement


# Sending --------------------------------------------------------------------


def _candidates(pending: QuerySet, limit: int) -> list[int]:
    """Up to `limit` pending rows; rows locked by another worker are skipped."""
    with transaction.atomic():
        return list(
            pending.select_for_update(skip_locked=True).values_list("pk", flat=True)[
                :limit
            ]
        )


def _send_each(rows: QuerySet, field: str, build) -> int:
    """Claim, send and confirm one email at a time over one connection.

    Each row is claimed with a conditional UPDATE (pending -> sending) just
    before its email goes out and confirmed (sent) right after, so two chains
    never send the same email, and a worker killed mid-chunk leaves at most
    the one row it was sending "in doubt" (not resent: it may be out)."""
    sent = 0
    with mailers.default as connection:
        for row in rows:
            claimed = rows.model.objects.filter(
                pk=row.pk, **{field: NoticeState.PENDING}
            ).update(**{field: NoticeState.SENDING})
            if not claimed:
                continue
            message = build(row)
            if message is not None:
                connection.send_messages([message])
            rows.model.objects.filter(pk=row.pk).update(**{field: NoticeState.SENT})
            sent += 1
    return sent


def _language_of(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def decision_message(enrollment: Enrollment) -> EmailMessage:
    """The decision email, in the applicant's language."""
    with translation.override(_language_of(enrollment.user)):
        context = {
            "enrollment": enrollment,
            "course": enrollment.course,
            "user": enrollment.user,
            "course_url": settings.SITE_URL + enrollment.course.get_absolute_url(),
        }
        subject = render_to_string("courses/email/decision_subject.txt", context)
        body = render_to_string("courses/email/decision_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()), body=body, to=[enrollment.user.email]
    )


def announcement_message(announcement: Announcement, user: User) -> EmailMessage:
    with translation.override(_language_of(user)):
        context = {
            "announcement": announcement,
            "course": announcement.course,
            "user": user,
            "course_url": settings.SITE_URL + announcement.course.get_absolute_url(),
            "profile_url": settings.SITE_URL + reverse("profile"),
        }
        subject = render_to_string("courses/email/announcement_subject.txt", context)
        body = render_to_string("courses/email/announcement_body.txt", context)
    return EmailMessage(subject=" ".join(subject.split()), body=body, to=[user.email])


def decision_email_send(*, enrollment_id: int) -> bool:
    """Send one owed decision email (not part of a job). False: not owed."""
    rows = Enrollment.objects.filter(
        pk=enrollment_id, notice_state=NoticeState.PENDING, notice_job=None
    ).select_related("user", "course")
    return bool(_send_each(rows, "notice_state", _decision_message_if_decided))


def _decision_message_if_decided(enrollment: Enrollment) -> EmailMessage | None:
    # not re-opened or withdrawn since the email was queued
    return decision_message(enrollment) if enrollment.status in DECISIONS else None


def decision_emails_send_chunk(*, job: Job, limit: int = EMAIL_CHUNK_SIZE) -> int:
    """Send one chunk of a bulk decision's emails; returns how many rows it
    took (0: nothing pending any more)."""
    pending = Enrollment.objects.filter(
        notice_job=job, notice_state=NoticeState.PENDING
    ).order_by("pk")
    ids = _candidates(pending, limit)
    if not ids:
        return 0
    rows = Enrollment.objects.filter(pk__in=ids).select_related("user", "course")
    _send_each(rows, "notice_state", _decision_message_if_decided)
    job.progress_to(  # counted, not added: a redelivered chunk counts once
        Enrollment.objects.filter(notice_job=job)
        .exclude(notice_state=NoticeState.PENDING)
        .count()
    )
    return len(ids)


def announcement_emails_send_chunk(*, job: Job, limit: int = EMAIL_CHUNK_SIZE) -> int:
    announcement = Announcement.objects.select_related("course").get(
        pk=job.params["announcement_id"]
    )
    pending = announcement.deliveries.filter(state=NoticeState.PENDING).order_by("pk")
    ids = _candidates(pending, limit)
    if not ids:
        return 0
    rows = AnnouncementDelivery.objects.filter(pk__in=ids).select_related("user")
    _send_each(rows, "state", lambda d: announcement_message(announcement, d.user))
    job.progress_to(announcement.deliveries.exclude(state=NoticeState.PENDING).count())
    return len(ids)


def email_job_finish_if_done(*, job: Job) -> bool:
    """Finish the job once nothing is pending. Rows left 'sending' by a killed
    worker are reported, not resent: their email may already be out."""
    if job.kind == DECISION_EMAIL_JOB:
        rows = Enrollment.objects.filter(notice_job=job)
        field = "notice_state"
    else:
        rows = AnnouncementDelivery.objects.filter(
            announcement_id=job.params["announcement_id"]
        )
        field = "state"
    if rows.filter(**{field: NoticeState.PENDING}).exists():
        return False
    unconfirmed = rows.filter(**{field: NoticeState.SENDING}).count()
    job.finish(result={"sent": rows.filter(**{field: NoticeState.SENT}).count(),
                       "unconfirmed": unconfirmed})  # fmt: skip
    return True


# The schedule ---------------------------------------------------------------

MAX_LECTURES = 52


class ScheduleRefused(Exception):
    """A schedule change that would break the course (said in the message)."""


def _local(day: date, at: time, course: Course) -> datetime:
    return datetime.combine(day, at, tzinfo=course.tzinfo)


def _after_local_days(moment: datetime, days: int, course: Course) -> datetime:
    """`moment` moved by whole days on the course's wall clock (a daylight
    saving change in between keeps the lecture at 18:00, not 17:00)."""
    local = timezone.localtime(moment, course.tzinfo)
    return _local(local.date() + timedelta(days=days), local.timetz(), course)


def lecture_create(*, course: Course, lecture: Lecture) -> Lecture:
    """Add `lecture` (unsaved, without a number) after the last one, with
    its homework and survey dated by the course defaults."""
    with transaction.atomic():
        last = (
            Lecture.objects.select_for_update()
            .filter(course=course)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        ) or 0
        if last >= MAX_LECTURES:
            raise ScheduleRefused(
                _("A course has at most %(max)d lectures.") % {"max": MAX_LECTURES}
            )
        lecture.course = course
        lecture.number = last + 1
        lecture.save()
        for follower in hooks.schedule_followers():
            follower.create([lecture])
    return lecture


def lectures_generate(
    *,
    course: Course,
    first_date: date,
    weekday: int,
    at: time,
    count: int,
    duration: timedelta,
    title: str,
) -> list[Lecture]:
    """`count` weekly lectures after the existing ones: the first on the
    first `weekday` (0 = Monday) on or after `first_date`, at `at` on the
    course's clock. `title` may contain `%(number)d`."""
    first = first_date + timedelta(days=(weekday - first_date.weekday()) % 7)
    with transaction.atomic():
        last = (
            Lecture.objects.select_for_update()
            .filter(course=course)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        ) or 0
        if last + count > MAX_LECTURES:
            raise ScheduleRefused(
                _("A course has at most %(max)d lectures.") % {"max": MAX_LECTURES}
            )
        lectures = Lecture.objects.bulk_create(
            [
                Lecture(
                    course=course,
                    number=last + week,
                    title=title % {"number": last + week},
                    starts_at=_local(first + timedelta(weeks=week - 1), at, course),
                    duration=duration,
                )
                for week in range(1, count + 1)
            ]
        )
        for follower in hooks.schedule_followers():
            follower.create(lectures)
    return lectures


def schedule_shift_preview(*, course: Course, from_number: int) -> dict:
    """What shifting from lecture `from_number` on would move."""
    lectures = Lecture.objects.filter(course=course, number__gte=from_number)
    return {
        "lectures": lectures.count(),
        "deadlines": sum(f.count(lectures) for f in hooks.schedule_followers()),
    }


def lectures_shift(*, course: Course, from_number: int, days: int) -> dict:
    """Move lecture `from_number` and every later one, with their homework
    and survey dates, by `days` days (a holiday)."""
    if not days:
        raise ScheduleRefused(_("Shift by at least one day."))
    with transaction.atomic():
        lectures = Lecture.objects.select_for_update().filter(
            course=course, number__gte=from_number
        )
        moved = 0
        for lecture in lectures:
            lecture.starts_at = _after_local_days(lecture.starts_at, days, course)
            lecture.save(update_fields=["starts_at"])
            moved += 1
        deadlines = sum(
            f.shift(lectures, timedelta(days=days)) for f in hooks.schedule_followers()
        )
    return {"lectures": moved, "deadlines": deadlines}


def lecture_reschedule(*, lecture: Lecture, starts_at: datetime) -> int:
    """Move one lecture; its homework and survey dates move with it.
    Returns how many deadlines moved."""
    delta = starts_at - lecture.starts_at
    with transaction.atomic():
        lecture.starts_at = starts_at
        lecture.save(update_fields=["starts_at"])
        if not delta:
            return 0
        one = Lecture.objects.filter(pk=lecture.pk)
        return sum(f.shift(one, delta) for f in hooks.schedule_followers())


def lecture_swap(*, lecture: Lecture, other: Lecture) -> None:
    """Swap two lectures' places in the schedule (number and date); each
    lecture's homework and survey move with its new date."""
    with transaction.atomic():
        a, b = (
            Lecture.objects.select_for_update()
            .filter(pk__in=[lecture.pk, other.pk])
            .order_by("number")
        )
        a_number, b_number = a.number, b.number
        a_start, b_start = a.starts_at, b.starts_at
        # The (course, number) constraint is checked per row: park one first.
        Lecture.objects.filter(pk=a.pk).update(number=32767)
        Lecture.objects.filter(pk=b.pk).update(number=a_number)
        Lecture.objects.filter(pk=a.pk).update(number=b_number)
        lecture_reschedule(lecture=a, starts_at=b_start)
        lecture_reschedule(lecture=b, starts_at=a_start)


def lecture_set_published(*, lecture: Lecture, published: bool) -> None:
    Lecture.objects.filter(pk=lecture.pk).update(published=published)
    lecture.published = published


def schedule_reset_deadlines(*, course: Course, numbers: range) -> int:
    """Date the homework and surveys of lectures `numbers` by the course
    defaults again; returns how many deadlines changed."""
    with transaction.atomic():
        lectures = Lecture.objects.filter(course=course, number__in=list(numbers))
        return sum(f.reset(lectures) for f in hooks.schedule_followers())


# Staff roles ----------------------------------------------------------------


class RoleRefused(Exception):
    """A role change that is not allowed (said in the message)."""


def _admins_left(course: Course, *, without: CourseRole) -> int:
    return (
        CourseRole.objects.filter(course=course, role=CourseRole.Role.ADMIN)
        .exclude(pk=without.pk)
        .count()
    )


def course_role_invite(
    *, course: Course, email: str, role: str, invited_by: User
) -> CourseRole | CourseInvitation:
    """Give `email` the role: at once when an account has that address (the
    role it had is replaced), else by an emailed invitation link."""
    email = email.strip()
    user = User.objects.filter(email__iexact=email).first()
    with transaction.atomic():
        if user is not None:
            existing = CourseRole.objects.filter(course=course, user=user).first()
            if (
                existing
                and existing.role == CourseRole.Role.ADMIN
                and role != CourseRole.Role.ADMIN
                and not _admins_left(course, without=existing)
            ):
                raise RoleRefused(_("A course keeps at least one admin."))
            granted, _created = CourseRole.objects.update_or_create(
                course=course, user=user, defaults={"role": role}
            )
            return granted
        CourseInvitation.objects.filter(
            course=course, email__iexact=email, accepted_at=None
        ).delete()
        invitation = CourseInvitation.objects.create(
            course=course, email=email, role=role, invited_by=invited_by
        )
        from courses import tasks

        tasks.course_invitation_send.delay_on_commit(invitation_id=invitation.pk)
        return invitation


def course_role_remove(*, role: CourseRole) -> None:
    with transaction.atomic():
        if role.role == CourseRole.Role.ADMIN and not _admins_left(
            role.course, without=role
        ):
            raise RoleRefused(_("A course keeps at least one admin."))
        role.delete()


def course_invitation_message(invitation: CourseInvitation) -> EmailMessage:
    context = {
        "invitation": invitation,
        "course": invitation.course,
        "url": settings.SITE_URL.rstrip("/") + invitation.get_absolute_url(),
    }
    inviter = invitation.invited_by
    with translation.override(
        _language_of(inviter) if inviter else settings.LANGUAGE_CODE
    ):
        subject = render_to_string(
            "courses/email/invitation_subject.txt", context
        ).strip()
        body = render_to_string("courses/email/invitation_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()), body=body, to=[invitation.email]
    )


def course_invitation_send(*, invitation_id: int) -> bool:
    """Send an owed invitation email once. False: not owed (already sent)."""
    rows = CourseInvitation.objects.filter(pk=invitation_id).select_related(
        "course", "invited_by"
    )
    return bool(_send_each(rows, "notice_state", course_invitation_message))


def course_invitation_accept(*, invitation: CourseInvitation, user: User) -> CourseRole:
    """Grant the invitation's role to `user`, once. An existing role stays
    when it is higher."""
    with transaction.atomic():
        claimed = CourseInvitation.objects.filter(
            pk=invitation.pk, accepted_at=None
        ).update(accepted_at=timezone.now(), accepted_by=user)
        if not claimed:
            raise RoleRefused(_("This invitation was already used."))
        role, created = CourseRole.objects.get_or_create(
            course=invitation.course, user=user, defaults={"role": invitation.role}
        )
        if not created and invitation.role == CourseRole.Role.ADMIN:
            role.role = CourseRole.Role.ADMIN
            role.save(update_fields=["role"])
    return role


# Extensions ----------------------------------------------------------------


class ExtensionRefused(Exception):
    """The grant cannot be made; the messages say which learner or row."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ExtensionLearner:
    user_id: int
    email: str
    extra_time: timedelta

    @property
    def extra_time_label(self) -> str:
        return extra_time_label(self.extra_time)


def _extension_csv_rows(
    csv_text: str, extra_time: timedelta, errors: list[str]
) -> list[tuple[int, str, timedelta]]:
    """(line, email, extra time) of each CSV row; row errors go to `errors`."""
    if "\x00" in csv_text:
        raise ExtensionRefused([_("The CSV is not UTF-8 text.")])
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    try:
        fields = [(name or "").strip().lower() for name in reader.fieldnames or []]
    except csv.Error:
        fields = []
    if "email" not in fields:
        raise ExtensionRefused([_("The CSV needs a column 'email'.")])
    reader.fieldnames = fields
    rows = []
    try:
        for row in reader:
            line = reader.line_num
            if len(rows) >= EXTENSION_CSV_MAX_ROWS:
                raise ExtensionRefused(
                    [
                        _("The CSV has more than %(max)d learners.")
                        % {"max": EXTENSION_CSV_MAX_ROWS}
                    ]
                )
            address = (row.get("email") or "").strip().lower()
            if not any(isinstance(v, str) and v.strip() for v in row.values()):
                continue  # a blank line
            row_time = extra_time
            days = (row.get("days") or "").strip()
            if days:
                if not (days.isascii() and days.isdigit()) or not (
                    0 < int(days) <= EXTENSION_MAX_DAYS
                ):
                    errors.append(
                        _(
                            "Line %(line)d: 'days' must be a whole number "
                            "from 1 to %(max)d."
                        )
                        % {"line": line, "max": EXTENSION_MAX_DAYS}
                    )
                    continue
                row_time = timedelta(days=int(days))
            rows.append((line, address, row_time))
    except csv.Error:
        errors.append(
            _("Line %(line)d: not readable as CSV.") % {"line": reader.line_num}
        )
    if not rows and not errors:
        raise ExtensionRefused([_("The CSV has no learners.")])
    return rows


def extension_learners(
    *, course: Course, email: str = "", csv_text: str = "", extra_time: timedelta
) -> list[ExtensionLearner]:
    """The learners of one grant: one by email, or every row of a CSV (a
    column `email`, optionally `days` per row). Only approved learners of
    the course can be given more time. Raises ExtensionRefused listing every
    bad row (line number and why), so staff fix the file and nothing is
    granted in the meantime."""
    errors: list[str] = []
    if csv_text:
        rows = _extension_csv_rows(csv_text, extra_time, errors)
    else:
        rows = [(0, email.strip().lower(), extra_time)]
    learners = dict(
        Enrollment.objects.filter(course=course, status=Enrollment.Status.APPROVED)
        .annotate(email=Lower("user__email"))
        .filter(email__in=[address for _line, address, _time in rows])
        .values_list("email", "user_id")
    )
    found: list[ExtensionLearner] = []
    seen: set[str] = set()
    for line, address, row_time in rows:
        where = (
            _("Line %(line)d: %(email)s") % {"line": line, "email": address}
            if line
            else address
        )
        if not address:
            errors.append(_("Line %(line)d: the email is empty.") % {"line": line})
        elif address in seen:
            errors.append(_("%(where)s is listed twice.") % {"where": where})
        elif address not in learners:
            errors.append(
                _("%(where)s is not an approved learner of this course.")
                % {"where": where}
            )
        else:
            found.append(ExtensionLearner(learners[address], address, row_time))
        seen.add(address)
    if errors:
        raise ExtensionRefused(errors)
    return found


def extension_grant(
    *,
    course: Course,
    learners: list[ExtensionLearner],
    scope: str,
    lecture: Lecture | None,
    reason: str,
    by: User,
) -> list[Extension]:
    """Give each learner more time. A learner's active extension for the
    same item is replaced (revoked, and kept in the audit trail). Work
    already submitted is judged again against the new due time (a late
    submission may now be on time, and its late cap lifted at the regrade),
    and each learner is notified after the commit."""
    now = timezone.now()
    user_ids = [learner.user_id for learner in learners]
    with transaction.atomic():
        Extension.objects.active().filter(
            course=course, user_id__in=user_ids, scope=scope, lecture=lecture
        ).update(revoked_at=now, revoked_by=by)
        granted = Extension.objects.bulk_create(
            [
                Extension(
                    course=course,
                    user_id=learner.user_id,
                    scope=scope,
                    lecture=lecture,
                    extra_time=learner.extra_time,
                    reason=reason,
                    granted_by=by,
                    granted_at=now,
                )
                for learner in learners
            ]
        )
        extensions_changed(course=course, user_ids=user_ids)
        transaction.on_commit(
            lambda: _extension_notify(course=course, extensions=granted)
        )
    return granted


def extension_revoke(*, extension: Extension, by: User) -> bool:
    """Take the extra time back (the row stays, marked revoked, in the audit
    trail); work already submitted is judged again. False if it was already
    revoked."""
    with transaction.atomic():
        revoked = (
            Extension.objects.active()
            .filter(pk=extension.pk)
            .update(revoked_at=timezone.now(), revoked_by=by)
        )
        if revoked:
            extensions_changed(course=extension.course, user_ids=[extension.user_id])
    return bool(revoked)


def extensions_changed(*, course: Course, user_ids: list[int]) -> None:
    """Tell every app that judges work by deadlines (homework, surveys:
    `hooks.register_extension_listener`) that these learners' due times
    moved, in the same transaction."""
    for listener in extension_listeners():
        listener(course=course, user_ids=user_ids)


def _extension_notify(*, course: Course, extensions: list[Extension]) -> None:
    """Each learner hears of their new due time (in-app and by email, per
    their preferences): one notification per grant, never twice."""
    for extension in extensions:
        url, params = _extension_target(course=course, extension=extension)
        notify(
            [extension.user_id],
            Kind.EXTENSION_GRANTED,
            course=course,
            url=url,
            params={"course": course.title, **params},
            dedupe_key=f"extension:{extension.pk}",
        )


def _extension_target(*, course: Course, extension: Extension) -> tuple[str, dict]:
    """The page and the notification's words for what was extended: the
    item and the learner's new due time (every due time moves, for
    everything in the course)."""
    tz = course.tzinfo

    def at(moment) -> str:
        return f"{timezone.localtime(moment, tz):%Y-%m-%d %H:%M} ({course.timezone})"

    lecture = extension.lecture
    item = getattr(lecture, extension.scope, None) if lecture else None
    if item is not None:
        return item.get_absolute_url(), {
            "item": extension.scope,
            "number": lecture.number,
            "due": at(item.due_at + extension.extra_time),
        }
    competition = (
        course.competitions.order_by("pk").first()
        if extension.scope == Extension.Scope.COMPETITION
        else None
    )
    if competition is not None:
        return competition.get_absolute_url(), {
            "title": competition.title,
            "due": at(competition.closes_at + extension.extra_time),
        }
    return reverse("course_detail", args=[course.slug]), {
        "title": course.title,
        "due": _("%(extra)s later than before, for every deadline")
        % {"extra": extension.extra_time_label},
    }
