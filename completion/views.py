import json
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from completion import credentials, selectors, services
from completion.forms import CorrectionRequestForm, PrintedNameForm
from completion.models import (
    Certificate,
    CertificateCorrection,
    CompletionRecord,
    PrintedName,
)
from completion.pdf import certificate_pdf
from completion.rules import Metrics
from courses.access import course_learner_required
from courses.calendar import feed_urls
from courses.models import Course, Enrollment
from courses.selectors import deadlines_for
from lms.ratelimit import is_rate_limited

VERIFY_LIMIT_PER_MINUTE = 30
JSON_TYPE = "application/json"


def _rate_limited(request: HttpRequest) -> HttpResponse | None:
    """Every lookup by code counts against one limit, against enumeration."""
    if is_rate_limited(
        request, action="certificate_verify", limit=VERIFY_LIMIT_PER_MINUTE, period=60
    ):
        return HttpResponse(
            _("Too many verification requests. Try again in a minute."),
            status=429,
            content_type="text/plain; charset=utf-8",
        )
    return None


def _find_certificate(code: str) -> Certificate | None:
    return (
        Certificate.objects.select_related("course", "tier", "superseded_by")
        .filter(code=code)
        .first()
    )


def verification_record(certificate: Certificate) -> dict:
    """What the verification page says, for machines: the frozen record and
    its status, never anything read live from the learner."""
    successor = certificate.superseded_by
    return {
        "status": certificate.status,
        "serial": certificate.serial,
        "name": certificate.holder_name,
        "name_latin": certificate.holder_name_latin,
        "course": certificate.course_title,
        "term": certificate.course_term,
        "tier": {"ja": certificate.tier_name_ja, "en": certificate.tier_name_en},
        "issuer": certificate.issuer_name,
        "issued_at": certificate.issued_at.isoformat(),
        "revoked_at": certificate.revoked_at and certificate.revoked_at.isoformat(),
        "revocation_reason": certificate.revoked_reason
        if certificate.revoked_at
        else "",
        "superseded_at": certificate.superseded_at
        and certificate.superseded_at.isoformat(),
        "superseded_by": successor
        and credentials.absolute_url("certificate_verify", successor.code),
        "verification_url": credentials.absolute_url(
            "certificate_verify", certificate.code
        ),
        "credential_url": credentials.absolute_url(
            "certificate_credential", certificate.code
        ),
        "credential_jwt_url": credentials.absolute_url(
            "certificate_credential_jwt", certificate.code
        ),
    }


def _unknown(request: HttpRequest, code: str, *, as_json: bool) -> HttpResponse:
    if as_json:
        return JsonResponse(
            {"status": "unknown", "error": "No certificate has this code."},
            status=404,
        )
    return render(
        request, "completion/certificate_unknown.html", {"code": code}, status=404
    )


def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: anyone holding a certificate can check it is genuine; a
    client that prefers JSON gets the record for machines."""
    wants_json = request.get_preferred_type(["text/html", JSON_TYPE]) == JSON_TYPE
    if limited := _rate_limited(request):
        return limited
    certificate = _find_certificate(code)
    if certificate is None:
        return _unknown(request, code, as_json=wants_json)
    if wants_json:
        return _json_record(certificate)
    response = render(
        request, "completion/certificate_verify.html", {"certificate": certificate}
    )
    patch_vary_headers(response, ["Accept"])
    return response


def _json_record(certificate: Certificate) -> HttpResponse:
    response = JsonResponse(
        verification_record(certificate), json_dumps_params={"ensure_ascii": False}
    )
    patch_vary_headers(response, ["Accept"])
    return response


def certificate_verify_json(request: HttpRequest, code: str) -> HttpResponse:
    if limited := _rate_limited(request):
        return limited
    certificate = _find_certificate(code)
    if certificate is None:
        return _unknown(request, code, as_json=True)
    return _json_record(certificate)


def certificate_credential(request: HttpRequest, code: str) -> HttpResponse:
    """The signed Open Badges 3.0 credential, as JSON (the VC 2.0 enveloped
    form of its VC-JWT)."""
    if limited := _rate_limited(request):
        return limited
    certificate = _find_certificate(code)
    if certificate is None:
        return _unknown(request, code, as_json=True)
    body = json.dumps(credentials.enveloped(credentials.credential_jwt(certificate)))
    response = HttpResponse(body, content_type=JSON_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="credential-{certificate.serial}.json"'
    )
    return response


def certificate_credential_jwt(request: HttpRequest, code: str) -> HttpResponse:
    """The same credential as a compact VC-JWT."""
    if limited := _rate_limited(request):
        return limited
    certificate = _find_certificate(code)
    if certificate is None:
        return _unknown(request, code, as_json=True)
    return HttpResponse(
        credentials.credential_jwt(certificate), content_type="application/vc+jwt"
    )


def certificate_status_list(request: HttpRequest) -> HttpResponse:
    """The Bitstring Status List credential (VC-JWT): which certificates are
    revoked or superseded."""
    response = HttpResponse(
        credentials.status_list_token(), content_type="application/vc+jwt"
    )
    response["Cache-Control"] = "public, max-age=60"
    return response


def did_document(request: HttpRequest) -> HttpResponse:
    """The issuer's did:web document: every key that ever signed."""
    return JsonResponse(credentials.did_document(), content_type="application/did+json")


def linkedin_url(certificate: Certificate) -> str:
    """LinkedIn's "add a certification to your profile" form, filled in."""
    issued = timezone.localtime(certificate.issued_at)
    return "https://www.linkedin.com/profile/add?" + urlencode(
        {
            "startTask": "CERTIFICATION_NAME",
            "name": f"{certificate.course_title} ({certificate.tier_name_en})",
            "organizationName": certificate.issuer_name,
            "issueYear": issued.year,
            "issueMonth": issued.month,
            "certUrl": credentials.absolute_url("certificate_verify", certificate.code),
            "certId": certificate.serial,
        }
    )


def certificate_pdf_view(request: HttpRequest, code: str) -> HttpResponse:
    """The PDF, for its learner and the course's staff. Rendered on demand in
    the learner's language and cached until the certificate's status changes
    (what it prints is frozen). A revoked or superseded one is stamped."""
    certificate = (
        Certificate.objects.select_related("enrollment__user", "course")
        .filter(code=code)
        .first()
    )
    user = request.user
    if certificate is None or not (
        user.is_authenticated
        and (
            certificate.enrollment.user_id == user.pk
            or certificate.course.is_staff(user)
        )
    ):
        raise Http404
    language = certificate.enrollment.user.language or translation.get_language()
    key = f"certificate-pdf:v2:{certificate.code}:{language}:{certificate.status}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = certificate_pdf(certificate, language=language)
        cache.set(key, pdf, timeout=60 * 60 * 24)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="certificate-{certificate.serial}.pdf"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _approved_enrollment(course: Course, user) -> Enrollment | None:
    return Enrollment.objects.filter(
        course=course, user=user, status=Enrollment.Status.APPROVED
    ).first()


def _current_certificate(enrollment: Enrollment) -> Certificate | None:
    return Certificate.objects.filter(
        enrollment=enrollment, superseded_at__isnull=True
    ).first()


@require_POST
@course_learner_required
def printed_name(request: HttpRequest, course: Course) -> HttpResponse:
    """The learner confirms the name their certificate will print."""
    enrollment = _approved_enrollment(course, request.user)
    if enrollment is None:
        raise Http404
    form = PrintedNameForm(request.POST)
    if form.is_valid():
        try:
            services.printed_name_confirm(
                enrollment=enrollment,
                name=form.cleaned_data["name"],
                name_latin=form.cleaned_data["name_latin"],
            )
        except services.CertificateError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your name for the certificate is saved."))
    else:
        messages.error(request, _("Enter your name as it should be printed."))
    return redirect("progress", slug=course.slug)


@require_POST
@course_learner_required
def correction_request(request: HttpRequest, course: Course) -> HttpResponse:
    """The learner asks staff to correct the name on an issued certificate."""
    enrollment = _approved_enrollment(course, request.user)
    certificate = enrollment and _current_certificate(enrollment)
    if certificate is None:
        raise Http404
    form = CorrectionRequestForm(request.POST)
    if form.is_valid():
        try:
            services.certificate_correction_request(
                certificate=certificate,
                name=form.cleaned_data["name"],
                name_latin=form.cleaned_data["name_latin"],
                message=form.cleaned_data["message"],
                by=request.user,
            )
        except services.CertificateError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Your correction was sent to staff. You will see their answer here."),
            )
    else:
        messages.error(request, _("Enter your name as it should be printed."))
    return redirect("progress", slug=course.slug)


@course_learner_required
def progress(request: HttpRequest, course: Course) -> HttpResponse:
    """The signed-in learner's own progress: always `request.user`, never an
    id from the URL, so nobody can read another learner's."""
    enrollment = Enrollment.objects.filter(
        course=course, user=request.user, status=Enrollment.Status.APPROVED
    ).first()
    if enrollment is None:  # staff of the course without an enrollment
        return render(
            request, "completion/progress.html", {"course": course, "staff": True}
        )
    now = timezone.now()
    metrics = selectors.learner_metrics(
        course, user_ids=[request.user.pk], now=now
    ).get(enrollment.pk, Metrics())
    weeks = selectors.course_weeks(course, user_id=request.user.pk)
    cells = selectors.week_grid(course, [request.user.pk], learner_now=now)[
        request.user.pk
    ]
    record = CompletionRecord.objects.filter(enrollment=enrollment).first()
    certificate = _current_certificate(enrollment)
    printed = PrintedName.objects.filter(enrollment=enrollment).first()
    user = request.user
    corrections = (
        list(certificate.corrections.all()[:3]) if certificate is not None else []
    )
    return render(
        request,
        "completion/progress.html",
        {
            "course": course,
            "metrics": metrics,
            "tiers": selectors.tiers_with_criteria(course, metrics),
            "weeks": [(week, cells.get(week["number"], {})) for week in weeks],
            "deadlines": deadlines_for(course=course, user=request.user, start=now),
            "calendar": feed_urls(request, enrollment),
            "record": record,
            "certificate": certificate,
            "linkedin_url": certificate and linkedin_url(certificate),
            "printed": printed,
            "name_form": PrintedNameForm(
                initial={
                    "name": printed.name if printed else user.display_name,
                    "name_latin": printed.name_latin if printed else "",
                }
            ),
            "correction_form": certificate
            and CorrectionRequestForm(
                initial={
                    "name": certificate.holder_name,
                    "name_latin": certificate.holder_name_latin,
                }
            ),
            "corrections": corrections,
            "pending_correction": any(
                c.status == CertificateCorrection.Status.PENDING for c in corrections
            ),
        },
    )
