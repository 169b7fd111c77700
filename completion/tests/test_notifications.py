"""Learners find their certificate in the bell; staff find correction
requests there (and by email)."""

import pytest

from completion.models import Certificate
from completion.services import certificate_correction_request, certification_run
from completion.tests.factories import course_work, homework_score, summary
from notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db


def test_certificates_and_correction_requests_are_notified(
    course, tiers, learner, staff, django_capture_on_commit_callbacks, mailoutbox
):
    weeks = course_work(course)
    for number in (1, 2, 3):
        homework_score(learner, weeks[number], 5)
        summary(learner, weeks[number])
    with django_capture_on_commit_callbacks(execute=True):
        certification_run(course=course, dry_run=False)
    issued = Notification.objects.get(kind=Kind.CERTIFICATE_ISSUED)
    assert issued.recipient == learner
    assert issued.url == f"/courses/{course.slug}/progress/"

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        certificate_correction_request(
            certificate=Certificate.objects.get(),
            name="Corrected Name",
            name_latin="",
            message="typo",
            by=learner,
        )
    told = Notification.objects.get(kind=Kind.CORRECTION_REQUESTED)
    assert told.recipient == staff
    assert [m.to for m in mailoutbox] == [[staff.email]]
