"""Every certificate's email is sent once, whichever path issued it and
whatever stopped the sending (a lost job, a dropped SMTP connection); a
revoked certificate's is not, a superseded one's replacement's is."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from completion.models import Certificate
from completion.services import (
    CERTIFICATE_EMAIL_JOB,
    certificate_correction_approve,
    certificate_correction_request,
    certificate_emails_send_chunk,
    certificate_revoke,
    certificates_issue,
    certification_run,
)
from completion.tasks import certificate_emails_sweep
from completion.tests.factories import course_work, homework_score, summary
from courses.models import Enrollment, NoticeState
from lms.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def _passing(weeks, *users):
    for user in users:
        for number in (1, 2, 3):
            homework_score(user, weeks[number], 5)
            summary(user, weeks[number])


def _learners(course, user_factory, count):
    users = [user_factory() for _ in range(count)]
    for user in users:
        Enrollment.objects.create(user=user, course=course, status="approved")
    return users


def _recipients() -> list[str]:
    return sorted(to for message in mail.outbox for to in message.to)


def test_a_learner_certified_by_a_staff_override_is_emailed_once(
    client, course, tiers, learner, user_factory, course_admin,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    weeks = course_work(course)
    _passing(weeks, learner)
    (late_one,) = _learners(course, user_factory, 1)
    with django_capture_on_commit_callbacks(execute=True):
        certification_run(course=course, dry_run=False)
    assert _recipients() == [learner.email]
    enrollment = Enrollment.objects.get(user=late_one)
    client.force_login(course_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/staff/llm/completion/learners/{enrollment.pk}/override/",
            {"outcome": "complete", "tier": tiers[0].pk, "reason": "Medical leave"},
        )

    assert response.status_code == 302
    assert _recipients() == sorted([learner.email, late_one.email])
    certificate = Certificate.objects.get(enrollment=enrollment)
    assert certificate.email_state == NoticeState.SENT
    assert certificate.emailed_at is not None


def test_certificates_whose_email_job_was_lost_are_emailed_by_the_sweep(
    course, tiers, user_factory, django_capture_on_commit_callbacks
):
    """Certificates committed, their email job gone (a worker killed before
    it ran; a job given up): the sweep emails every valid one, once. A
    revoked one is not emailed; a superseded one's replacement is."""
    weeks = course_work(course)
    users = _learners(course, user_factory, 4)
    _passing(weeks, *users)
    certification_run(course=course, dry_run=False, issue_certificates=False)
    with django_capture_on_commit_callbacks(execute=False):  # the task is lost
        assert certificates_issue(course=course) == 4
    revoked, corrected, *_ = Certificate.objects.order_by("pk")
    certificate_revoke(certificate=revoked, reason="")
    correction = certificate_correction_request(
        certificate=corrected,
        name="Corrected Name",
        name_latin="",
        message="typo",
        by=corrected.enrollment.user,
    )
    with django_capture_on_commit_callbacks(execute=False):  # lost as well
        replacement = certificate_correction_approve(correction=correction, by=None)
    Job.objects.filter(kind=CERTIFICATE_EMAIL_JOB).update(state=Job.State.FAILED)

    with django_capture_on_commit_callbacks(execute=True):
        assert certificate_emails_sweep() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert certificate_emails_sweep() == 0  # nothing is owed any more

    emailed = sorted(c.serial for c in Certificate.objects.filter(email_state="sent"))
    assert emailed == sorted(
        c.serial
        for c in Certificate.objects.filter(
            revoked_at__isnull=True, superseded_at__isnull=True
        )
    )
    assert replacement.serial in emailed
    assert len(mail.outbox) == 3
    assert revoked.enrollment.user.email not in _recipients()
    job = Job.objects.filter(kind=CERTIFICATE_EMAIL_JOB).order_by("-created_at")[0]
    assert (job.state, job.done, job.total) == (Job.State.DONE, 3, 3)


class DroppingBackend(EmailBackend):
    """The mail server drops the connection on the second message, once."""

    sent = 0
    dropped = False

    def send_messages(self, messages):
        DroppingBackend.sent += 1
        if DroppingBackend.sent == 2 and not DroppingBackend.dropped:
            DroppingBackend.dropped = True
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


def test_an_smtp_drop_mid_batch_leaves_the_certificate_owed_not_marked_sent(
    course, tiers, user_factory, settings, django_capture_on_commit_callbacks
):
    settings.MAILERS = {
        "default": {"BACKEND": f"{__name__}.DroppingBackend"},
    }
    weeks = course_work(course)
    _passing(weeks, *_learners(course, user_factory, 3))
    with django_capture_on_commit_callbacks(execute=False):
        certification_run(course=course, dry_run=False)
    job = Job.objects.get(kind=CERTIFICATE_EMAIL_JOB)

    with pytest.raises(smtplib.SMTPServerDisconnected):
        certificate_emails_send_chunk(job=job)

    states = list(
        Certificate.objects.order_by("pk").values_list("email_state", "emailed_at")
    )
    assert [state for state, _ in states] == ["sent", "pending", "pending"]
    assert states[1][1] is None
    certificate_emails_send_chunk(job=job)  # the retried step
    assert set(Certificate.objects.values_list("email_state", flat=True)) == {"sent"}
    assert len(mail.outbox) == 3
    assert len(set(_recipients())) == 3
    job.refresh_from_db()
    assert job.done == job.total == 3
