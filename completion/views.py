from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.translation import gettext as _

from completion.models import Certificate
from completion.pdf import certificate_pdf
from lms.ratelimit import is_rate_limited

VERIFY_LIMIT_PER_MINUTE = 30


def _get_certificate(code: str) -> Certificate:
    return get_object_or_404(
        Certificate.objects.select_related(
            "enrollment__user", "course__certificate_series", "tier"
        ),
        code=code,
    )


def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: anyone holding a certificate can check it is genuine."""
    if is_rate_limited(
        request, action="certificate_verify", limit=VERIFY_LIMIT_PER_MINUTE, period=60
    ):
        return HttpResponse(
            _("Too many verification requests. Try again in a minute."),
            status=429,
            content_type="text/plain; charset=utf-8",
        )
    certificate = _get_certificate(code)
    return render(
        request, "completion/certificate_verify.html", {"certificate": certificate}
    )


def certificate_pdf_view(request: HttpRequest, code: str) -> HttpResponse:
    """The PDF, for its learner and the course's staff. Rendered on demand in
    the learner's language and cached until the certificate changes."""
    certificate = _get_certificate(code)
    user = request.user
    if not (
        user.is_authenticated
        and (
            certificate.enrollment.user_id == user.pk
            or certificate.course.is_staff(user)
        )
    ):
        raise Http404
    language = certificate.enrollment.user.language or translation.get_language()
    key = (
        f"certificate-pdf:{certificate.code}:{language}:{certificate.tier_id}:"
        f"{certificate.revoked_at is not None}"
    )
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
