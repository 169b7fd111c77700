from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from courses import selectors, services
from courses.access import course_learner_required, get_visible_course
from courses.calendar import course_calendar, feed_urls
from courses.forms import ApplicationForm, RejoinForm
from courses.hooks import lecture_tasks
from courses.models import Course, Enrollment, Lecture
from lms.csp import allow_recorded_frames
from lms.partials import render_partial


def _enrollment_of(request: HttpRequest, course: Course) -> Enrollment | None:
    if not request.user.is_authenticated:
        return None
    return Enrollment.objects.filter(course=course, user=request.user).first()


def home(request: HttpRequest) -> HttpResponse:
    """My courses for a signed-in user, and the catalog of open courses.
    Staff of one course who learn nowhere land on its staff overview (after
    signing in too: LOGIN_REDIRECT_URL is here); staff of several courses
    see them listed first."""
    context = selectors.courses_for_home(request.user)
    staff_courses = selectors.staff_courses_of(request.user)
    if len(staff_courses) == 1 and not context["enrollments"]:
        return redirect("staff_course", staff_courses[0]["slug"])
    context["staff_courses"] = staff_courses
    return render(request, "home.html", context)


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
    if can_view_content and not context["is_course_staff"]:
        context["week"] = selectors.this_week(course=course, user=request.user)
    if can_view_content:
        context["announcements"] = selectors.latest_announcements(course=course)
    if enrollment and enrollment.status == Enrollment.Status.APPROVED:
        context["calendar"] = feed_urls(request, enrollment)
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
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    """Withdrawing asks first, on its own page: what is lost, what is kept."""
    course = get_visible_course(slug)
    enrollment = _enrollment_of(request, course)
    if enrollment is None or not enrollment.can_withdraw:
        raise Http404
    if request.method == "POST":
        services.enrollment_withdraw(enrollment=enrollment)
        messages.success(request, _("You have withdrawn from this course."))
        return redirect(course)
    return render(
        request,
        "courses/withdraw_confirm.html",
        {"course": course, "enrollment": enrollment},
    )


@login_required
@require_http_methods(["GET", "POST"])
def rejoin(request: HttpRequest, slug: str) -> HttpResponse:
    """A withdrawn learner asks to come back; staff decide on the
    applications page."""
    course = get_visible_course(slug)
    enrollment = _enrollment_of(request, course)
    if enrollment is None or not enrollment.can_ask_to_rejoin:
        raise Http404
    form = RejoinForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.enrollment_request_rejoin(
                enrollment=enrollment, note=form.cleaned_data["note"]
            )
        except services.RejoinRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                _("Your request to rejoin was sent. Staff will email you."),
            )
        return redirect(course)
    return render(
        request,
        "courses/rejoin.html",
        {"course": course, "enrollment": enrollment, "form": form},
        status=400 if form.is_bound else 200,
    )


@course_learner_required
@allow_recorded_frames
def lecture_detail(request: HttpRequest, course: Course, number: int) -> HttpResponse:
    is_staff = course.is_staff(request.user)
    lectures = Lecture.objects.filter(course=course)
    if not is_staff:
        lectures = lectures.filter(published=True)
    lecture = get_object_or_404(lectures, number=number)
    base = lecture.get_absolute_url()
    tasks = lecture_tasks(lecture, staff=is_staff)
    # Each task's deadline as this learner has it (with any extension).
    due = {
        deadline["url"]: deadline
        for deadline in selectors.deadlines_for(course=course, user=request.user)
        if deadline["url"].startswith(base)
    }
    for task in tasks:
        task["deadline"] = due.get(task["url"])
    return render(
        request,
        "courses/lecture_detail.html",
        {
            "course": course,
            "lecture": lecture,
            "live_link_visible": lecture.live_link_visible(),
            "tasks": tasks,
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
