import pytest

from completion import demo
from completion.models import Certificate, CompletionRecord, CompletionTier
from courses.models import Enrollment

pytestmark = pytest.mark.django_db


def test_the_demo_sets_rules_records_and_a_certificate_once(
    course, learner, course_admin, staff
):
    demo.seed(course=course, admin=course_admin, staff=staff, learner=learner)
    demo.seed(course=course, admin=course_admin, staff=staff, learner=learner)

    assert CompletionTier.objects.filter(course=course).count() == 2
    certificate = Certificate.objects.get()
    assert certificate.enrollment == Enrollment.objects.get(user=learner)
    assert certificate.serial == "LLM2026-000001"
    assert CompletionRecord.objects.filter(course=course).exists()
    assert certificate.holder_name == "山田 花子"
    assert certificate.holder_name_latin == "Hanako Yamada"


def test_the_demo_certificate_has_a_downloadable_credential(
    client, course, learner, course_admin, staff
):
    demo.seed(course=course, admin=course_admin, staff=staff, learner=learner)
    certificate = Certificate.objects.get()

    response = client.get(f"/certificates/{certificate.code}.json")

    assert response.status_code == 200
    assert response.json()["type"] == "EnvelopedVerifiableCredential"
