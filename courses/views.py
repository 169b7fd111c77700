from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from courses import selectors, services
from courses.access import course_learner_required, get_visible_course
from courses.calendar import course_calendar
from courses.forms import ApplicationForm
from courses.models import Course, Enrollment, Lecture
from lms.csp import allow_recorded_frames
from lms.partials import render_partial


def _enrollment_of(request: HttpRequest, course: Course) -> Enrollment | None:
    if not request.user.is_authenticated:
        return None
    return Enrollment.objects.filter(course=course, user=request.user).first()


def home(request: HttpRequest) -> HttpResponse:
    """My courses for a signed-in user, and the catalog of open courses."""
    return render(request, "home.html", selectors.courses_for_home(request.user))


def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    course = get_visible_course(slug)
    enrollment = _enrollment_of(request, course)
    can_view_content = course.can_view_content(request.user)
    context = {
        "course": course,
        "enrollment": enrollment,
        "lectures": course.lectures.filter(published=True),
        "can_view_content": can_view_content,
        "is_course_staff": course.is_staff(request.user),
        "applications_open": course.applications_are_open(),
        "is_full": course.is_full(),
    }
    if can_view_content:
        context["week"] = selectors.this_week(course=course, user=request.user)
        context["announcements"] = selectors.latest_announcements(course=course)
    if enrollment and enrollment.status == Enrollment.Status.APPROVED:
        context["calendar_url"] = request.build_absolute_uri(
            reverse("course_calendar", args=[course.slug])
            + "?token="
            + enrollment.ensure_calendar_token()
        )
    return render(request, "courses/course_detail.html", context)


@login_required
def apply(request: HttpRequest, slug: str) -> HttpResponse:
    course = get_visible_course(slug)
    enrollment = _enrollment_of(request, course)
    refusal = None
    if enrollment is not None:
        refusal = _("You have already applied to this course.")
    elif not course.applications_are_open():
        refusal = _("Applications for this course are not open.")
    elif course.is_full():
        refusal = _("This course is full.")
    form = ApplicationForm(
        request.POST if request.method == "POST" and not refusal else None,
        questions=list(course.application_questions.all()),
        user=request.user,
    )
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            services.enrollment_apply(
                course=course,
                user=request.user,
                category=form.cleaned_data["category"],
                affiliation=form.cleaned_data["affiliation"],
                answers=form.answers(),
            )
        except services.ApplicationRefused as refused:
            refusal = str(refused)
        else:
            messages.success(request, _("Thank you! Your application was received."))
            if request.htmx:
                return HttpResponseClientRedirect(course.get_absolute_url())
            return redirect(course)
    if refusal and request.htmx and request.method == "POST":
        # The form fragment has nowhere to show a refusal: reload the page,
        # which explains it.
        return HttpResponseClientRefresh()
    return render_partial(
        request,
        "courses/apply.html",
        {"course": course, "form": form, "refusal": refusal, "enrollment": enrollment},
        # Only a posted form swaps itself; a refusal reloads the page above.
        partial="application-form" if request.method == "POST" else None,
        status=200 if not refusal or request.method == "GET" else 409,
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    course = get_visible_course(slug)
    enrollment = _enrollment_of(request, course)
    if enrollment is None or not enrollment.can_withdraw:
        raise Http404
    services.enrollment_withdraw(enrollment=enrollment)
    messages.success(request, _("You have withdrawn from this course."))
    return redirect(course)


@course_learner_required
@allow_recorded_frames
def lecture_detail(request: HttpRequest, course: Course, number: int) -> HttpResponse:
    lectures = Lecture.objects.filter(course=course)
    if not course.is_staff(request.user):
        lectures = lectures.filter(published=True)
    lecture = get_object_or_404(lectures, number=number)
    base = lecture.get_absolute_url()
    # Each task's deadline as this learner has it (with any extension).
    due = {
        deadline["url"]: deadline
        for deadline in selectors.deadlines_for(course=course, user=request.user)
        if deadline["url"].startswith(base)
    }
    return render(
        request,
        "courses/lecture_detail.html",
        {
            "course": course,
            "lecture": lecture,
            "live_link_visible": lecture.live_link_visible(),
            "homework_url": base + "homework/",
            "survey_url": base + "survey/",
            "homework_deadline": due.get(base + "homework/"),
            "survey_deadline": due.get(base + "survey/"),
        },
    )


def calendar_feed(request: HttpRequest, slug: str) -> HttpResponse:
    """The learner's personal feed. The token is the only credential: it
    opens this feed of this course and nothing else."""
    token = request.GET.get("token", "")
    enrollment = (
        Enrollment.objects.filter(
            course__slug=slug,
            calendar_token=token,
            status=Enrollment.Status.APPROVED,
        )
        .select_related("course", "user")
        .first()
        if token
        else None
    )
    if enrollment is None:
        raise Http404
    response = HttpResponse(
        course_calendar(course=enrollment.course, user=enrollment.user),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="{slug}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@course_learner_required
@require_POST
def calendar_token_regenerate(request: HttpRequest, course: Course) -> HttpResponse:
    enrollment = Enrollment.objects.filter(
        course=course, user=request.user, status=Enrollment.Status.APPROVED
    ).first()
    if enrollment is None:
        raise Http404
    services.calendar_token_regenerate(enrollment=enrollment)
    messages.success(
        request,
        _("Your calendar address was renewed. The old address no longer works."),
    )
    return redirect(course)
