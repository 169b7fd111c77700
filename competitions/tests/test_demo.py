import pytest
from django.urls import reverse

from competitions import demo
from competitions.models import Competition, Entry

pytestmark = pytest.mark.django_db


def test_the_demo_competition_is_open_with_a_scored_sample_and_is_idempotent(
    client, course, course_admin, staff, learner
):
    demo.seed(course=course, admin=course_admin, staff=staff, learner=learner)
    demo.seed(course=course, admin=course_admin, staff=staff, learner=learner)

    competition = Competition.objects.get(course=course)
    assert competition.is_open
    assert competition.starter_files.count() == 3
    statuses = set(Entry.objects.filter(user=learner).values_list("status", flat=True))
    assert statuses == {Entry.Status.SCORED, Entry.Status.REJECTED}
    client.force_login(learner)
    body = client.get(reverse("competition", args=[course.slug])).content.decode()
    assert "Sample submission" in body
    assert "appears more than once" in body
