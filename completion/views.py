from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from completion import selectors
from completion.models import Certificate, CompletionRecord
from completion.pdf import certificate_pdf
from completion.rules import Metrics
from courses.access import course_learner_required
from courses.models import Course, Enrollment
from courses.selectors import deadlines_for
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
    metrics = selectors.learner_metrics(course, user_ids=[request.user.pk]).get(
        enrollment.pk, Metrics()
    )
    weeks = selectors.course_weeks(course)
    cells = selectors.week_grid(course, [request.user.pk])[request.user.pk]
    record = CompletionRecord.objects.filter(enrollment=enrollment).first()
    certificate = Certificate.objects.filter(
        enrollment=enrollment, revoked_at__isnull=True
    ).first()
    return render(
        request,
        "completion/progress.html",
        {
            "course": course,
            "metrics": metrics,
            "tiers": selectors.tiers_with_criteria(course, metrics),
            "weeks": [(week, cells.get(week["number"], {})) for week in weeks],
            "deadlines": deadlines_for(
                course=course, user=request.user, start=timezone.now()
            ),
            "record": record,
            "certificate": certificate,
        },
    )
