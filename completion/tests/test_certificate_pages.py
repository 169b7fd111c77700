import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from completion.models import Certificate
from completion.rules import Metrics
from completion.services import certificate_revoke, certification_compute


@pytest.fixture
def certificate(course, tiers, learner):
    learner.display_name = "山田 花子"
    learner.language = "ja"
    learner.save()
    enrollment = learner.enrollments.get(course=course)
    certification_compute(
        course=course,
        metrics={enrollment.pk: Metrics(homework_points=20, summaries_submitted=5)},
        dry_run=False,
    )
    return Certificate.objects.get(enrollment=enrollment)


def test_the_public_page_confirms_a_valid_certificate(client, certificate):
    response = client.get(
        reverse("certificate_verify", args=[certificate.code]),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Valid certificate" in page
    assert "山田 花子" in page
    assert certificate.serial in page
    assert "Completed" in page


def test_the_public_page_says_when_a_certificate_was_revoked(client, certificate):
    certificate_revoke(certificate=certificate, reason="Plagiarism")

    page = client.get(
        reverse("certificate_verify", args=[certificate.code]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()

    assert "has been revoked" in page
    assert "Valid certificate" not in page


def test_an_unknown_code_is_a_plain_404(client, db):
    assert client.get("/certificates/not-a-real-code/").status_code == 404


def test_verification_is_rate_limited_against_enumeration(client, certificate):
    statuses = [client.get(f"/certificates/guess-{n}/").status_code for n in range(35)]

    assert statuses[:30] == [404] * 30
    assert statuses[-1] == 429


def test_the_pdf_has_the_learners_name_course_and_serial_in_japanese(
    client, certificate, learner
):
    client.force_login(learner)

    response = client.get(reverse("certificate_pdf", args=[certificate.code]))

    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape
    text = page.extract_text()
    assert "山田 花子" in text
    assert "修了証" in text
    assert certificate.serial in text
    assert certificate.course.title in text


def test_the_pdf_is_in_english_for_an_english_speaking_learner(
    client, certificate, learner
):
    learner.language = "en"
    learner.save()
    client.force_login(learner)

    response = client.get(reverse("certificate_pdf", args=[certificate.code]))

    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Certificate of completion" in text


def test_another_learner_cannot_download_the_pdf(client, certificate, user_factory):
    client.force_login(user_factory())

    assert (
        client.get(reverse("certificate_pdf", args=[certificate.code])).status_code
        == 404
    )


def test_course_staff_can_download_the_pdf(client, certificate, staff):
    client.force_login(staff)

    assert (
        client.get(reverse("certificate_pdf", args=[certificate.code])).status_code
        == 200
    )


def test_a_rendered_pdf_is_cached_until_the_certificate_changes(
    client, certificate, learner
):
    client.force_login(learner)
    url = reverse("certificate_pdf", args=[certificate.code])
    first = client.get(url).content

    cached = [key for key in _cache_keys() if certificate.code in key]
    certificate_revoke(certificate=certificate, reason="Plagiarism")
    after_revoke = client.get(url).content

    assert len(cached) == 1
    assert after_revoke != first


def _cache_keys():
    from django.core.cache import cache

    if hasattr(cache, "_cache") and isinstance(cache._cache, dict):
        return [str(key) for key in cache._cache]
    client = cache._cache.get_client()
    return [key.decode() for key in client.scan_iter(match="*certificate-pdf*")]
