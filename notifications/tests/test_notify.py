from django.conf import settings
from django.urls import reverse

from lms.models import Job
from notifications.models import (
    Channel,
    EmailPreference,
    EmailState,
    Kind,
    Notification,
)
from notifications.services import notify, unsubscribe_token


def test_notify_records_once_per_recipient_however_often_it_runs(
    learner, other_learner, mailoutbox, committed
):
    for _ in range(3):
        with committed():
            notify(
                [learner.pk, other_learner.pk, learner.pk],
                Kind.ANNOUNCEMENT,
                params={"course": "LLM", "title": "Week 3"},
                dedupe_key="announcement:1",
            )
    assert Notification.objects.count() == 2
    assert len(mailoutbox) == 2  # one email each, not three


def test_the_email_follows_each_persons_preference(
    learner, other_learner, mailoutbox, committed
):
    EmailPreference.objects.create(
        user=other_learner, kind=Kind.ANNOUNCEMENT, channel=Channel.OFF
    )
    with committed():
        notify([learner.pk, other_learner.pk], Kind.ANNOUNCEMENT, params={"t": 1})
    assert [m.to for m in mailoutbox] == [[learner.email]]
    states = dict(Notification.objects.values_list("recipient_id", "email_state"))
    assert states == {learner.pk: EmailState.SENT, other_learner.pk: EmailState.NONE}


def test_digest_kinds_wait_for_the_daily_digest(learner, mailoutbox, committed):
    with committed():
        notify([learner.pk], Kind.HOMEWORK_REVEALED, params={"title": "Homework 1"})
        notify([learner.pk], Kind.ENTRY_SCORED, params={"course": "LLM"})
    assert mailoutbox == []
    from notifications.services import digest_job_start

    with committed():
        job = digest_job_start()
    assert len(mailoutbox) == 1
    assert "Homework 1" in mailoutbox[0].body
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert digest_job_start() is None  # nothing is sent twice
    assert len(mailoutbox) == 1


def test_every_email_carries_rfc_8058_one_click_unsubscribe(
    learner, mailoutbox, committed
):
    with committed():
        notify([learner.pk], Kind.ANNOUNCEMENT, params={"title": "Hi"})
    headers = mailoutbox[0].extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = headers["List-Unsubscribe"].strip("<>")
    assert link in mailoutbox[0].body


def test_one_click_unsubscribe_needs_no_sign_in_and_turns_that_kind_off(
    client, learner
):
    token = unsubscribe_token(user_id=learner.pk, kind=Kind.ANNOUNCEMENT)
    url = reverse("notification_unsubscribe", kwargs={"token": token})
    assert client.get(url).status_code == 200  # a link scanner changes nothing
    assert not EmailPreference.objects.exists()
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    pref = EmailPreference.objects.get(user=learner, kind=Kind.ANNOUNCEMENT)
    assert pref.channel == Channel.OFF


def test_a_tampered_unsubscribe_token_is_refused(client, learner):
    token = unsubscribe_token(user_id=learner.pk, kind=Kind.ANNOUNCEMENT)
    url = reverse("notification_unsubscribe", kwargs={"token": token[:-2] + "xx"})
    response = client.post(url)
    assert response.status_code == 400
    assert b"not valid" in response.content
    assert not EmailPreference.objects.exists()


def test_inactive_users_get_nothing(learner, mailoutbox):
    learner.is_active = False
    learner.save()
    assert notify([learner.pk], Kind.ANNOUNCEMENT) == 0
    assert mailoutbox == []


def test_staff_are_told_when_a_job_they_started_fails_and_no_one_else(staff, learner):
    mine = Job.objects.create(kind="selftest", label="Grading", created_by=staff)
    nobodys = Job.objects.create(kind="selftest", label="Nightly")
    mine.fail("the worker ran out of memory")
    nobodys.finish()
    told = Notification.objects.get()
    assert (told.recipient, told.kind) == (staff, Kind.JOB_FAILED)
    assert told.text == "Failed: Grading"
    assert told.url == reverse("job_progress", args=[mine.pk])


def test_one_click_on_a_digest_stops_every_digest_kind(
    client, learner, mailoutbox, committed
):
    from notifications.services import digest_job_start

    with committed():
        notify([learner.pk], Kind.HOMEWORK_REVEALED, params={"title": "HW"})
        digest_job_start()
    link = mailoutbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    client.post(link.removeprefix(settings.SITE_URL))
    off = set(
        EmailPreference.objects.filter(user=learner, channel=Channel.OFF).values_list(
            "kind", flat=True
        )
    )
    assert Kind.HOMEWORK_REVEALED in off and Kind.JOB_FINISHED in off
    assert Kind.ANNOUNCEMENT not in off  # an immediate kind stays on
