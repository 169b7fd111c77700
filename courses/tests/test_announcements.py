from collections import Counter

import pytest
from django.core import mail

from courses import tasks
from courses.models import Announcement, AnnouncementDelivery, Enrollment, NoticeState
from lms.models import Job

pytestmark = pytest.mark.django_db

URL = "/staff/llm/announcements/"


def test_staff_post_an_announcement_that_learners_see(client, staff, learner):
    client.force_login(staff)

    response = client.post(
        URL, {"title": "Room change", "body": "Meet in **hall B**."}, follow=True
    )

    assert "The announcement was posted." in response.text
    assert not Job.objects.exists()
    client.force_login(learner)
    page = client.get("/courses/llm/")
    assert "Room change" in page.text
    assert "<strong>hall B</strong>" in page.text


def test_an_applicant_does_not_see_announcements(client, staff, applicant, course):
    Announcement.objects.create(course=course, title="Secret", body="x", author=staff)
    client.force_login(applicant)

    assert "Secret" not in client.get("/courses/llm/").text


def test_an_empty_announcement_shows_errors_next_to_the_fields(client, staff):
    client.force_login(staff)

    response = client.post(URL, {"title": "", "body": ""})

    assert 'id="id_title_error"' in response.text
    assert 'id="id_body_error"' in response.text
    assert not Announcement.objects.exists()


def test_emailing_an_announcement_is_one_job_that_skips_learners_who_opted_out(
    client,
    staff,
    course,
    learner,
    applicant,
    make_applicants,
    django_capture_on_commit_callbacks,
):
    enrollments = make_applicants(150, status=Enrollment.Status.APPROVED)
    opted_out = enrollments[0].user
    opted_out.announcement_emails = False
    opted_out.save()
    client.force_login(staff)

    form = {"title": "Week 3", "body": "Hello\n\nSee you", "send_email": "on"}
    confirm = client.post(URL, form)
    assert "emailed to 150 approved learners" in confirm.text
    assert not Job.objects.exists() and not mail.outbox
    editing = client.post(URL, form | {"confirmed": "1", "edit": "1"})
    assert "Hello\n\nSee you</textarea>" in editing.text
    assert not course.announcements.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, form | {"confirmed": "1"})

    job = Job.objects.get(kind="announcement_emails")
    assert f"job={job.pk}" in response["Location"]
    recipients = Counter(to for m in mail.outbox for to in m.to)
    assert len(recipients) == 150  # 149 generated + the learner fixture
    assert set(recipients.values()) == {1}
    assert opted_out.email not in recipients
    assert applicant.email not in recipients
    assert (job.__class__.objects.get(pk=job.pk).state, job.total) == ("done", 150)
    assert mail.outbox[0].subject == "[Large Language Models] Week 3"


def test_a_redelivered_announcement_task_sends_nothing_twice(
    client, staff, learner, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            URL,
            {"title": "Hi", "body": "Hello", "send_email": "on", "confirmed": "1"},
        )
    job = Job.objects.get(kind="announcement_emails")
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING)  # as if lost

    tasks.announcement_emails_send(job_id=str(job.pk))

    assert len(mail.outbox) == 1
    assert AnnouncementDelivery.objects.get().state == NoticeState.SENT


def test_learners_can_turn_announcement_emails_off_in_their_profile(client, learner):
    client.force_login(learner)

    client.post(
        "/accounts/profile/",
        {"display_name": "Hanako", "category": "student", "language": ""},
    )

    learner.refresh_from_db()
    assert learner.announcement_emails is False


def test_an_invalid_htmx_post_re_renders_only_the_form(client, staff):
    client.force_login(staff)

    response = client.post(URL, {"title": "x"}, headers={"HX-Request": "true"})

    assert response.text.lstrip().startswith('<form id="announcement-form"')
    assert 'id="id_body_error"' in response.text
