"""A certificate is a statement about the past: what it says is frozen at
issue, corrected only by re-issuing, and its revocation shows everywhere."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from completion.models import (
    Certificate,
    CertificateCorrection,
    CertificateEvent,
    PrintedName,
)
from completion.rules import Metrics
from completion.services import (
    CertificateError,
    certificate_correction_approve,
    certificate_correction_deny,
    certificate_correction_request,
    certification_compute,
    printed_name_confirm,
)

COMPLETE = Metrics(homework_points=20, summaries_submitted=5)


def _certify(course, *enrollments):
    return certification_compute(
        course=course,
        metrics={enrollment.pk: COMPLETE for enrollment in enrollments},
        dry_run=False,
    )


@pytest.fixture
def enrollment(course, tiers, learner):
    learner.display_name = "山田 花子"
    learner.language = "ja"
    learner.save()
    return learner.enrollments.get(course=course)


@pytest.fixture
def certificate(course, enrollment):
    _certify(course, enrollment)
    return Certificate.objects.get(enrollment=enrollment)


def _pdf_text(client, certificate) -> str:
    response = client.get(reverse("certificate_pdf", args=[certificate.code]))
    assert response.status_code == 200
    return PdfReader(io.BytesIO(response.content)).pages[0].extract_text()


def test_renaming_yourself_after_issue_changes_nothing_the_certificate_says(
    client, certificate, learner, course
):
    client.force_login(learner)
    before = _pdf_text(client, certificate)
    learner.display_name = "Someone Else"
    learner.save()
    course.title = "A renamed course"
    course.save()
    client.logout()  # the public page, as an employer sees it

    page = client.get(certificate.get_absolute_url()).content.decode()
    record = client.get(
        reverse("certificate_verify_json", args=[certificate.code])
    ).json()
    learner.language = "en"
    learner.save()
    client.force_login(learner)
    english = _pdf_text(client, certificate)

    assert "山田 花子" in before
    assert "山田 花子" in page and "Someone Else" not in page
    assert "Large Language Models" in page and "A renamed course" not in page
    assert record["name"] == "山田 花子"
    assert record["course"] == "Large Language Models"
    assert "山田 花子" in english and "Someone Else" not in english


def test_a_learner_without_a_name_is_never_shown_by_email(
    client, course, tiers, learner, enrollments
):
    learner.display_name = ""
    learner.save()
    enrollment = learner.enrollments.get(course=course)
    (named,) = enrollments(1)

    _certify(course, enrollment, named)

    assert not Certificate.objects.filter(enrollment=enrollment).exists()
    client.force_login(learner)
    page = client.get(reverse("progress", args=[course.slug])).content.decode()
    assert "Confirm my name" in page or "この氏名で確定する" in page

    client.post(
        reverse("progress_certificate_name", args=[course.slug]),
        {"name": "Hanako Yamada", "name_latin": ""},
    )
    certificate = Certificate.objects.get(enrollment=enrollment)
    client.logout()
    public = client.get(certificate.get_absolute_url()).content.decode()
    assert certificate.holder_name == "Hanako Yamada"
    assert learner.email not in public


def test_the_confirmed_name_and_its_romanised_form_are_printed(
    client, course, enrollment, learner
):
    printed_name_confirm(
        enrollment=enrollment, name="山田 花子", name_latin="Hanako Yamada"
    )
    _certify(course, enrollment)
    certificate = Certificate.objects.get(enrollment=enrollment)
    client.force_login(learner)

    japanese = _pdf_text(client, certificate)
    learner.language = "en"
    learner.save()
    english = _pdf_text(client, certificate)

    assert "山田 花子" in japanese and "Hanako Yamada" not in japanese
    assert "Hanako Yamada" in english


def test_the_printed_name_cannot_be_changed_once_issued(certificate, enrollment):
    with pytest.raises(CertificateError):
        printed_name_confirm(enrollment=enrollment, name="Other", name_latin="")

    assert not PrintedName.objects.filter(enrollment=enrollment).exists()


def test_the_pdf_embeds_its_fonts_and_its_text_stays_extractable(
    client, certificate, learner
):
    client.force_login(learner)
    response = client.get(reverse("certificate_pdf", args=[certificate.code]))
    reader = PdfReader(io.BytesIO(response.content))

    fonts = []
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        descriptor = font.get("/FontDescriptor")
        if descriptor is None and "/DescendantFonts" in font:
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        descriptor = descriptor.get_object()
        fonts.append((str(font["/BaseFont"]), "/FontFile2" in descriptor))

    assert fonts
    assert all(embedded for _, embedded in fonts), fonts
    assert any("IPAexMincho" in name for name, _ in fonts)
    assert "修了証" in reader.pages[0].extract_text()


def test_a_correction_approved_by_staff_reissues_and_supersedes_the_old_one(
    client, certificate, learner, staff, course
):
    client.force_login(learner)
    client.post(
        reverse("progress_certificate_correction", args=[course.slug]),
        {"name": "山田 華子", "name_latin": "Hanako Yamada", "message": "typo"},
    )
    correction = CertificateCorrection.objects.get()
    client.force_login(staff)

    client.post(
        reverse("staff_certificates", args=[course.slug]),
        {"correction": correction.pk, "decision": "approve", "note": ""},
    )

    old = Certificate.objects.get(pk=certificate.pk)
    new = Certificate.objects.get(enrollment=certificate.enrollment, superseded_at=None)
    assert new.serial != old.serial and new.code != old.code
    assert new.holder_name == "山田 華子"
    assert new.holder_name_latin == "Hanako Yamada"
    assert old.superseded_by == new and old.status == "superseded"
    assert old.holder_name == "山田 花子"  # the old record is never rewritten
    old_page = client.get(old.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert "replaced by a corrected one" in old_page.content.decode()
    assert new.serial in old_page.content.decode()
    kinds = list(
        CertificateEvent.objects.order_by("pk").values_list("kind", "certificate_id")
    )
    assert kinds == [
        ("issued", old.pk),
        ("correction_requested", old.pk),
        ("superseded", old.pk),
        ("issued", new.pk),
    ]
    progress = client.get(reverse("progress", args=[course.slug]))
    assert progress.status_code == 200


def test_a_denied_correction_keeps_the_certificate_and_tells_the_learner_why(
    certificate, learner, staff
):
    correction = certificate_correction_request(
        certificate=certificate, name="Other", name_latin="", message="", by=learner
    )

    with pytest.raises(CertificateError):
        certificate_correction_deny(correction=correction, by=staff, note="")
    certificate_correction_deny(correction=correction, by=staff, note="Not your name")

    correction.refresh_from_db()
    assert correction.status == "denied" and correction.staff_note == "Not your name"
    assert Certificate.objects.get(pk=certificate.pk).is_valid
    with pytest.raises(CertificateError):
        certificate_correction_approve(correction=correction, by=staff)


def test_only_one_correction_waits_at_a_time(certificate, learner):
    certificate_correction_request(
        certificate=certificate, name="A", name_latin="", message="", by=learner
    )

    with pytest.raises(CertificateError):
        certificate_correction_request(
            certificate=certificate, name="B", name_latin="", message="", by=learner
        )


def test_a_revoked_certificate_says_so_on_every_surface(
    client, certificate, learner, staff, course
):
    client.force_login(staff)
    client.post(
        reverse("staff_certificates", args=[course.slug]),
        {"serial": certificate.serial, "reason": "Plagiarised report"},
    )
    client.force_login(learner)

    text = _pdf_text(client, certificate)
    page = client.get(
        certificate.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    record = client.get(
        certificate.get_absolute_url(), HTTP_ACCEPT="application/json"
    ).json()
    progress = client.get(
        reverse("progress", args=[course.slug]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert "取消" in text
    # the learner reads Japanese (their language)
    assert "取り消されています" in page and "Plagiarised report" in page
    assert record["status"] == "revoked"
    assert record["revocation_reason"] == "Plagiarised report"
    assert "取り消されています" in progress
    assert CertificateEvent.objects.filter(kind="revoked", by=staff).exists()


def test_an_unknown_code_has_its_own_clear_page(client, db):
    response = client.get("/certificates/not-a-real-code/", HTTP_ACCEPT_LANGUAGE="en")
    as_json = client.get("/certificates/not-a-real-code/verify.json")

    assert response.status_code == 404
    assert "No such certificate" in response.content.decode()
    assert as_json.status_code == 404 and as_json.json()["status"] == "unknown"


def test_machines_get_the_frozen_record_as_json(client, certificate):
    by_accept = client.get(
        certificate.get_absolute_url(), HTTP_ACCEPT="application/json"
    )
    by_url = client.get(reverse("certificate_verify_json", args=[certificate.code]))

    assert by_accept["Content-Type"] == "application/json"
    assert by_accept.json() == by_url.json()
    record = by_url.json()
    assert record["status"] == "valid"
    assert record["serial"] == certificate.serial
    assert record["tier"] == {"ja": "修了", "en": "Completed"}
    assert record["credential_url"].endswith(f"/certificates/{certificate.code}.json")


def test_a_browser_still_gets_the_page(client, certificate):
    response = client.get(
        certificate.get_absolute_url(),
        HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8",
    )

    assert response["Content-Type"].startswith("text/html")


def test_the_progress_page_offers_the_credential_and_linkedin(
    client, certificate, learner, course
):
    client.force_login(learner)

    page = client.get(
        reverse("progress", args=[course.slug]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert f"/certificates/{certificate.code}.json" in page
    assert "linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in page
    assert "certId=" + certificate.serial in page


def test_the_backfill_freezes_certificates_issued_before_the_record_existed(
    course, enrollment
):
    """The data migration's job, checked on a row as it stood before it."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "completion.migrations.0003_certificate_frozen_record"
    )
    _certify(course, enrollment)
    Certificate.objects.update(holder_name="", course_title="", recipient_hash="")
    CertificateEvent.objects.all().delete()

    migration.backfill(apps, None)

    certificate = Certificate.objects.get()
    assert certificate.holder_name == "山田 花子"
    assert certificate.course_title == "Large Language Models"
    assert certificate.recipient_hash.startswith("sha256$")
    assert CertificateEvent.objects.filter(kind="issued").count() == 1
