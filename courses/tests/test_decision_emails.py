"""Decision emails are owed in the database and claimed before sending: a
task that runs twice, or a worker killed mid-job, never emails anyone twice."""

import re
from collections import Counter

import pytest
from django.core import mail

from conftest import wait_for
from courses import services, tasks
from courses.models import Enrollment, NoticeState
from lms.jobs import jobs_resume_stale
from lms.models import Job


@pytest.mark.django_db
def test_running_the_chunk_task_twice_sends_each_email_once(
    staff, course, make_applicants, django_capture_on_commit_callbacks
):
    make_applicants(250)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.enrollments_decide(
            course=course,
            enrollments=Enrollment.objects.filter(course=course),
            status=Enrollment.Status.WAITLISTED,
            decided_by=staff,
        )

    tasks.decision_emails_send(job_id=str(result.job.pk))  # a redelivery

    recipients = Counter(to for message in mail.outbox for to in message.to)
    assert len(recipients) == 250
    assert set(recipients.values()) == {1}
    job = Job.objects.get(pk=result.job.pk)
    assert (job.state, job.done, job.total) == (Job.State.DONE, 250, 250)
    assert job.result == {"sent": 250, "unconfirmed": 0}


@pytest.mark.django_db
def test_a_claimed_email_is_not_sent_again(staff, course, applicant):
    enrollment = Enrollment.objects.get(user=applicant)
    Enrollment.objects.filter(pk=enrollment.pk).update(notice_state=NoticeState.SENDING)

    assert services.decision_email_send(enrollment_id=enrollment.pk) is False
    assert mail.outbox == []


@pytest.mark.django_db
def test_reopening_before_the_email_is_sent_cancels_it(staff, course, applicant):
    enrollment = Enrollment.objects.get(user=applicant)
    services.enrollments_decide(
        course=course,
        enrollments=Enrollment.objects.filter(pk=enrollment.pk),
        status=Enrollment.Status.REJECTED,
        decided_by=staff,
    )  # not committed: the task has not run

    services.enrollment_reopen(enrollment=enrollment)
    tasks.decision_email_send(enrollment_id=enrollment.pk)

    assert mail.outbox == []


def _sent_to(pool) -> Counter:
    """Recipients of every email the workers printed (console backend)."""
    text = "".join(p.log_path.read_text(errors="replace") for p in pool.processes)
    return Counter(re.findall(r"^To: (\S+@example\.com)$", text, flags=re.M))


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_bulk_decision_survives_a_killed_worker_without_duplicate_emails(
    celery_worker, staff, course, make_applicants
):
    make_applicants(2000)
    first_worker = celery_worker.processes[0]

    result = services.enrollments_decide(
        course=course,
        enrollments=Enrollment.objects.filter(course=course),
        status=Enrollment.Status.APPROVED if not course.capacity else "waitlisted",
        decided_by=staff,
    )
    job_id = result.job.pk
    wait_for(lambda: Job.objects.get(pk=job_id).done >= 200, timeout=60)
    celery_worker.kill(first_worker)

    celery_worker.start()
    # What a broker redelivery and the periodic sweep would both do.
    tasks.decision_emails_send.delay(job_id=str(job_id))
    tasks.decision_emails_send.delay(job_id=str(job_id))
    job = wait_for(
        lambda: Job.objects.filter(pk=job_id, state=Job.State.DONE).first(),
        timeout=120,
    )

    sent_to = _sent_to(celery_worker)
    assert sent_to, "the workers sent nothing"
    assert max(sent_to.values()) == 1, "someone got two emails"
    states = Counter(Enrollment.objects.values_list("notice_state", flat=True))
    assert states[NoticeState.PENDING] == 0
    # At most the one email in flight at the kill is left unconfirmed.
    assert states[NoticeState.SENDING] <= 1
    assert states[NoticeState.SENT] + states[NoticeState.SENDING] == 2000
    assert job.result["unconfirmed"] == states[NoticeState.SENDING]
    sent_rows = set(
        Enrollment.objects.filter(notice_state=NoticeState.SENT).values_list(
            "user__email", flat=True
        )
    )
    assert sent_rows <= set(sent_to)


@pytest.mark.django_db
def test_the_sweep_restarts_an_email_job_whose_tasks_were_lost(
    staff, course, make_applicants
):
    from datetime import timedelta

    from django.utils import timezone

    make_applicants(3)
    result = services.enrollments_decide(  # on-commit never runs: tasks "lost"
        course=course,
        enrollments=Enrollment.objects.filter(course=course),
        status=Enrollment.Status.REJECTED,
        decided_by=staff,
    )
    Job.objects.filter(pk=result.job.pk).update(
        heartbeat_at=timezone.now() - timedelta(minutes=10)
    )

    assert jobs_resume_stale()["resumed"] == 1

    assert len(mail.outbox) == 3
    assert Job.objects.get(pk=result.job.pk).state == Job.State.DONE


@pytest.mark.django_db
def test_a_decision_email_is_plain_text_without_html_entities(course, user_factory):
    """Emails are plain text: "Hanako's" must not arrive as "Hanako&#x27;s"."""
    course.title = "Hanako's <LLM> course & lab"
    course.save()
    user = user_factory(display_name="Dan O'Brien")
    enrollment = Enrollment.objects.create(
        user=user, course=course, status=Enrollment.Status.APPROVED
    )
    message = services.decision_message(enrollment)
    assert "Hanako's <LLM> course & lab" in message.subject
    assert "Hanako's <LLM> course & lab" in message.body
    assert "&#x27;" not in message.subject + message.body
    assert "&amp;" not in message.subject + message.body
