"""Staff pages of a course: overview, applications and announcements."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from courses import selectors, services
from courses.access import course_staff_required
from courses.forms import (
    AnnouncementForm,
    ApplicationFilterForm,
    DecisionForm,
    ExtensionFilterForm,
    ExtensionForm,
)
from courses.hooks import annotate_lectures
from courses.models import Course, Enrollment, Extension
from lms.models import Job
from lms.partials import render_partial

PAGE_SIZE = 50


def _applications_url(course: Course, filters: dict, **extra) -> str:
    query = {k: v for k, v in (filters | extra).items() if v}
    url = reverse("staff_applications", args=[course.slug])
    return f"{url}?{urlencode(query)}" if query else url


@course_staff_required
def applications(request: HttpRequest, course: Course) -> HttpResponse:
    filter_form = ApplicationFilterForm(request.GET)
    filters = filter_form.filters()
    rows = selectors.applications_for_staff(course=course, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    job = Job.of_course(course, request.GET.get("job"))
    context = {
        "course": course,
        "filter_form": filter_form,
        "filters": filters,
        "page": page,
        "counts": selectors.application_counts(course=course),
        "approved": course.approved_count(),
        "job": job,
        "questions": list(course.application_questions.all()),
        "filter_query": urlencode({k: v for k, v in filters.items() if v}),
    }
    return render_partial(
        request,
        "courses/staff/applications.html",
        context,
        partial="application-table",
    )


@course_staff_required
@require_POST
def applications_decide(request: HttpRequest, course: Course) -> HttpResponse:
    """Decide the selected rows, or every row matching the filter."""
    filters = ApplicationFilterForm(request.POST).filters()
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("__all__", []) or [_("Choose a decision.")]:
            messages.error(request, error)
        return redirect(_applications_url(course, filters))
    if form.cleaned_data["scope"] == "filter":
        targets = selectors.applications_for_staff(course=course, **filters)
    else:
        targets = Enrollment.objects.filter(
            course=course, pk__in=form.cleaned_data["selected"]
        )
    try:
        result = services.enrollments_decide(
            course=course,
            enrollments=targets,
            status=form.cleaned_data["decision"],
            decided_by=request.user,
        )
    except services.DecisionRefused as refused:
        messages.error(request, str(refused))
        return redirect(_applications_url(course, filters))
    messages.success(
        request,
        ngettext(
            "%(count)d application decided: %(status)s.",
            "%(count)d applications decided: %(status)s.",
            result.count,
        )
        % {
            "count": result.count,
            "status": Enrollment.Status(form.cleaned_data["decision"]).label,
        },
    )
    job_id = str(result.job.pk) if result.job else ""
    next_url = request.POST.get("next", "")
    if next_url == "detail" and form.cleaned_data["selected"]:
        return redirect(
            "staff_application_detail", course.slug, form.cleaned_data["selected"][0]
        )
    return redirect(_applications_url(course, filters, job=job_id))


@course_staff_required
def application_detail(
    request: HttpRequest, course: Course, enrollment_id: int
) -> HttpResponse:
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("user", "decided_by"),
        course=course,
        pk=enrollment_id,
    )
    answers = [
        (question, enrollment.answers.get(question.answer_key, ""))
        for question in course.application_questions.all()
    ]
    return render(
        request,
        "courses/staff/application_detail.html",
        {"course": course, "enrollment": enrollment, "answers": answers},
    )


@course_staff_required
@require_POST
def application_reopen(
    request: HttpRequest, course: Course, enrollment_id: int
) -> HttpResponse:
    enrollment = get_object_or_404(Enrollment, course=course, pk=enrollment_id)
    services.enrollment_reopen(enrollment=enrollment)
    messages.success(request, _("The application is open for a decision again."))
    return redirect("staff_application_detail", course.slug, enrollment.pk)


@course_staff_required
def announcements(request: HttpRequest, course: Course) -> HttpResponse:
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        announcement = services.announcement_post(
            course=course,
            author=request.user,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            send_email=form.cleaned_data["send_email"],
        )
        messages.success(request, _("The announcement was posted."))
        url = reverse("staff_announcements", args=[course.slug])
        if announcement.email_job_id:
            url += f"?job={announcement.email_job_id}"
        if request.htmx:
            return HttpResponseClientRedirect(url)
        return redirect(url)
    job = Job.of_course(course, request.GET.get("job"))
    return render_partial(
        request,
        "courses/staff/announcements.html",
        {
            "course": course,
            "form": form,
            "job": job,
            "announcements": course.announcements.select_related("email_job")[:50],
        },
        partial="announcement-form" if request.method == "POST" else None,
    )


@course_staff_required
def course_overview(request: HttpRequest, course: Course) -> HttpResponse:
    """The staff's start page of a course: every lecture with its homework,
    survey and materials pages, and the course-wide pages."""
    lectures = annotate_lectures(
        course.lectures.annotate(material_count=Count("materials", distinct=True))
    ).order_by("number")
    return render(
        request,
        "courses/staff/overview.html",
        {
            "course": course,
            "lectures": lectures,
            "is_course_admin": course.is_admin(request.user),
            "counts": selectors.application_counts(course=course),
        },
    )


@course_staff_required
def extensions(request: HttpRequest, course: Course) -> HttpResponse:
    """Staff's list of extensions (filtered, paginated) and the grant form.
    A grant is shown for confirmation first (how many learners, what, how
    long), then made on the confirming POST; bad input changes nothing."""
    filter_form = ExtensionFilterForm(request.GET)
    filters = filter_form.filters()
    form = ExtensionForm(request.POST or None, request.FILES or None, course=course)
    status, errors = 200, []
    if request.method == "POST":
        learners = None
        if form.is_valid():
            try:
                learners = services.extension_learners(
                    course=course,
                    email=form.cleaned_data["email"],
                    csv_text=form.cleaned_data["csv_text"],
                    extra_time=form.extra_time(),
                )
            except services.ExtensionRefused as refused:
                errors = refused.errors
        if learners and request.POST.get("confirm") == "1":
            granted = services.extension_grant(
                course=course,
                learners=learners,
                scope=form.cleaned_data["scope"],
                lecture=form.cleaned_data["lecture"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
            messages.success(
                request,
                ngettext(
                    "%(count)d learner was given more time.",
                    "%(count)d learners were given more time.",
                    len(granted),
                )
                % {"count": len(granted)},
            )
            return redirect("staff_extensions", course.slug)
        if learners:
            return render(
                request,
                "courses/staff/extension_confirm.html",
                {
                    "course": course,
                    "form": form,
                    "learners": learners[:EXTENSION_CONFIRM_SHOWN],
                    "count": len(learners),
                    "scope_label": Extension.Scope(form.cleaned_data["scope"]).label,
                },
            )
        status = 400
    rows = selectors.extensions_for_staff(course=course, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/staff/extensions.html",
        {
            "course": course,
            "form": form,
            "errors": errors,
            "filter_form": filter_form,
            "page": page,
            "filter_query": urlencode({k: v for k, v in filters.items() if v}),
        },
        status=status,
    )


EXTENSION_CONFIRM_SHOWN = 50


@course_staff_required
def extension_revoke(
    request: HttpRequest, course: Course, extension_id: int
) -> HttpResponse:
    """Confirm (GET), then take the extra time back (POST)."""
    extension = get_object_or_404(
        Extension.objects.select_related("user", "lecture", "granted_by"),
        course=course,
        pk=extension_id,
    )
    if request.method == "POST":
        if services.extension_revoke(extension=extension, by=request.user):
            messages.success(
                request,
                _("The extension of %(learner)s is revoked.")
                % {"learner": extension.user.name},
            )
        else:
            messages.info(request, _("This extension was already revoked."))
        return redirect("staff_extensions", course.slug)
    return render(
        request,
        "courses/staff/extension_revoke.html",
        {"course": course, "extension": extension},
    )
