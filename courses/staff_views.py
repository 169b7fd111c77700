"""Staff pages of a course: overview, applications, announcements, the
schedule and the course set-up."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from courses import selectors, services
from courses.access import course_staff_required, may_change_roles
from courses.forms import (
    AnnouncementForm,
    ApplicationFilterForm,
    ApplicationQuestionFormSet,
    CourseSetupForm,
    DecisionForm,
    ExtensionFilterForm,
    ExtensionForm,
    GenerateScheduleForm,
    LectureForm,
    ResetDeadlinesForm,
    RoleInviteForm,
    ShiftScheduleForm,
)
from courses.hooks import annotate_lectures, schedule_followers, setup_pages
from courses.models import (
    Course,
    CourseInvitation,
    CourseRole,
    Enrollment,
    Extension,
    Lecture,
)
from lms.counts import estimated_count
from lms.csv import csv_response
from lms.keyset import keyset_page
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
    page = keyset_page(
        rows,
        keys=selectors.application_keys(filters.get("sort", "")),
        size=PAGE_SIZE,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
    )
    job = Job.of_course(course, request.GET.get("job"))
    counts = selectors.application_counts(course=course)
    context = {
        "course": course,
        "filter_form": filter_form,
        "filters": filters,
        "page": page,
        "count": estimated_count(rows),
        "counts": counts,
        # The status counts already hold it (a second count read them again).
        "approved": counts[Enrollment.Status.APPROVED],
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
    is_mass = (
        form.cleaned_data["scope"] == "filter" or len(form.cleaned_data["selected"]) > 1
    )
    if is_mass and not request.POST.get("confirmed"):
        return _confirm_decision(request, course, form, filters, targets)
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


def _confirm_decision(
    request: HttpRequest, course: Course, form: DecisionForm, filters: dict, targets
) -> HttpResponse:
    """A decision for many learners emails each of them: say how many, and
    what they will receive, before anything changes."""
    status = form.cleaned_data["decision"]
    count = services.decision_targets(
        course=course, enrollments=targets, status=status
    ).count()
    return render(
        request,
        "courses/staff/decision_confirm.html",
        {
            "course": course,
            "count": count,
            "status": status,
            "status_label": Enrollment.Status(status).label,
            "scope": form.cleaned_data["scope"],
            "selected": form.cleaned_data["selected"],
            "filters": filters,
            "back_url": _applications_url(course, filters),
        },
    )


@course_staff_required
def applications_csv(request: HttpRequest, course: Course) -> StreamingHttpResponse:
    """Every application matching the page's filter (all pages), with the
    answers to the course's questions; times on the course's clock."""
    filters = ApplicationFilterForm(request.GET).filters()
    rows = selectors.applications_for_staff(course=course, **filters)
    questions = list(course.application_questions.all())
    return csv_response(
        selectors.applications_csv_rows(course=course, rows=rows, questions=questions),
        filename=f"{course.slug}-applications.csv",
        header=selectors.applications_csv_header(questions),
    )


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
    confirm_count = None
    posting = request.method == "POST" and not request.POST.get("edit")
    if (
        posting
        and form.is_valid()
        and form.cleaned_data["send_email"]
        and not request.POST.get("confirmed")
    ):
        # Emailing every learner asks first, saying how many it reaches.
        confirm_count = services.announcement_recipients(course=course).count()
    elif posting and form.is_valid():
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
            "confirm_count": confirm_count,
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


# The schedule ---------------------------------------------------------------


def _schedule_context(course: Course, request: HttpRequest, **forms) -> dict:
    lectures = annotate_lectures(course.lectures.all()).order_by("number")
    last = lectures.last()
    return {
        "course": course,
        "lectures": lectures,
        "is_course_admin": course.is_admin(request.user),
        "generate_form": forms.get("generate_form")
        or GenerateScheduleForm(
            initial={
                "first_date": (
                    timezone.localdate(last.starts_at, course.tzinfo)
                    + timedelta(weeks=1)
                    if last
                    else timezone.localdate(timezone.now(), course.tzinfo)
                )
            }
        ),
        "shift_form": forms.get("shift_form") or ShiftScheduleForm(),
        "reset_form": forms.get("reset_form")
        or ResetDeadlinesForm(initial={"first": 1, "last": last.number if last else 1}),
    }


@course_staff_required
def lectures(request: HttpRequest, course: Course) -> HttpResponse:
    """The schedule: every lecture with its date, homework and survey due
    times; admins generate, shift, reorder and publish here."""
    return render(
        request, "courses/staff/lectures.html", _schedule_context(course, request)
    )


@course_staff_required(admin=True)
def lecture_new(request: HttpRequest, course: Course) -> HttpResponse:
    form = LectureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lecture = services.lecture_create(
                course=course, lecture=form.save(commit=False)
            )
        except services.ScheduleRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("Lecture %(number)d was added.") % {"number": lecture.number},
            )
            return redirect("staff_lectures", course.slug)
    return render(
        request,
        "courses/staff/lecture_form.html",
        {"course": course, "form": form, "lecture": None},
        status=400 if form.errors else 200,
    )


@course_staff_required(admin=True)
def lecture_edit(request: HttpRequest, course: Course, number: int) -> HttpResponse:
    lecture = get_object_or_404(Lecture, course=course, number=number)
    old_start = lecture.starts_at
    form = LectureForm(request.POST or None, instance=lecture)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            lecture = form.save(commit=False)
            new_start, lecture.starts_at = lecture.starts_at, old_start
            lecture.save()
            moved = services.lecture_reschedule(lecture=lecture, starts_at=new_start)
        messages.success(
            request,
            ngettext(
                "Lecture %(number)d was saved; %(count)d deadline moved with it.",
                "Lecture %(number)d was saved; %(count)d deadlines moved with it.",
                moved,
            )
            % {"number": lecture.number, "count": moved},
        )
        return redirect("staff_lectures", course.slug)
    return render(
        request,
        "courses/staff/lecture_form.html",
        {"course": course, "form": form, "lecture": lecture},
        status=400 if form.errors else 200,
    )


@course_staff_required(admin=True)
@require_POST
def lecture_publish(request: HttpRequest, course: Course, number: int) -> HttpResponse:
    lecture = get_object_or_404(Lecture, course=course, number=number)
    publish = request.POST.get("published") == "1"
    services.lecture_set_published(lecture=lecture, published=publish)
    messages.success(
        request,
        (
            _("Lecture %(number)d is published: learners see it.")
            if publish
            else _("Lecture %(number)d is hidden from learners.")
        )
        % {"number": lecture.number},
    )
    return redirect("staff_lectures", course.slug)


@course_staff_required(admin=True)
@require_POST
def lecture_move(request: HttpRequest, course: Course, number: int) -> HttpResponse:
    """Swap a lecture with the one before (`up`) or after it."""
    lecture = get_object_or_404(Lecture, course=course, number=number)
    step = -1 if request.POST.get("direction") == "up" else 1
    other = Lecture.objects.filter(course=course, number=number + step).first()
    if other is None:
        messages.error(request, _("That lecture cannot move further."))
    else:
        services.lecture_swap(lecture=lecture, other=other)
        messages.success(
            request,
            _("Lectures %(a)d and %(b)d swapped places and dates.")
            % {"a": min(number, other.number), "b": max(number, other.number)},
        )
    return redirect("staff_lectures", course.slug)


@course_staff_required(admin=True)
@require_POST
def lectures_generate(request: HttpRequest, course: Course) -> HttpResponse:
    form = GenerateScheduleForm(request.POST)
    if form.is_valid():
        try:
            created = services.lectures_generate(
                course=course,
                first_date=form.cleaned_data["first_date"],
                weekday=form.cleaned_data["weekday"],
                at=form.cleaned_data["at"],
                count=form.cleaned_data["count"],
                duration=timedelta(minutes=form.cleaned_data["duration_minutes"]),
                title=_("Lecture %(number)d"),
            )
        except services.ScheduleRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d lecture was added (not published yet).",
                    "%(count)d lectures were added (not published yet).",
                    len(created),
                )
                % {"count": len(created)},
            )
            return redirect("staff_lectures", course.slug)
    return _schedule_invalid(request, course, generate_form=form)


def _schedule_invalid(request: HttpRequest, course: Course, **forms) -> HttpResponse:
    """The schedule page again, with the form that failed showing its errors."""
    return render(
        request,
        "courses/staff/lectures.html",
        _schedule_context(course, request, **forms),
        status=400,
    )


def _schedule_confirm(
    request: HttpRequest, course: Course, url_name: str, *, fields: dict, message
) -> HttpResponse:
    """Ask before a change to many dates: `message` says what moves, and the
    page posts `fields` again with confirm=1 to `url_name`."""
    return render(
        request,
        "courses/staff/lectures_confirm.html",
        {
            "course": course,
            "action": reverse(url_name, args=[course.slug]),
            "fields": fields,
            "message": message,
        },
    )


@course_staff_required(admin=True)
@require_POST
def lectures_shift(request: HttpRequest, course: Course) -> HttpResponse:
    """Move every lecture from one on by N days: first a confirmation that
    says how many lectures and deadlines move, then the move."""
    form = ShiftScheduleForm(request.POST)
    if not form.is_valid():
        return _schedule_invalid(request, course, shift_form=form)
    from_number, days = form.cleaned_data["from_number"], form.cleaned_data["days"]
    preview = services.schedule_shift_preview(course=course, from_number=from_number)
    if not preview["lectures"]:
        messages.error(request, _("No lecture has that number or a later one."))
        return redirect("staff_lectures", course.slug)
    if request.POST.get("confirm") != "1":
        return _schedule_confirm(
            request,
            course,
            "staff_lectures_shift",
            fields={"from_number": from_number, "days": days},
            message=_(
                "Move lecture %(from)d and every later one by %(days)+d days? "
                "This moves %(lectures)d lectures and %(deadlines)d homework "
                "and survey deadlines. Learners see the new dates at once."
            )
            % {"from": from_number, "days": days, **preview},
        )
    moved = services.lectures_shift(course=course, from_number=from_number, days=days)
    messages.success(
        request,
        _("%(lectures)d lectures and %(deadlines)d deadlines moved by %(days)+d days.")
        % {**moved, "days": days},
    )
    return redirect("staff_lectures", course.slug)


@course_staff_required(admin=True)
@require_POST
def lectures_reset_deadlines(request: HttpRequest, course: Course) -> HttpResponse:
    """Date the homework and surveys of a range of lectures by the course
    defaults again (after a confirmation that says how many)."""
    form = ResetDeadlinesForm(request.POST)
    if not form.is_valid():
        return _schedule_invalid(request, course, reset_form=form)
    numbers = range(form.cleaned_data["first"], form.cleaned_data["last"] + 1)
    if request.POST.get("confirm") != "1":
        lectures = Lecture.objects.filter(course=course, number__in=list(numbers))
        count = sum(f.count(lectures) for f in schedule_followers())
        return _schedule_confirm(
            request,
            course,
            "staff_lectures_reset",
            fields={"first": numbers.start, "last": numbers.stop - 1},
            message=_(
                "Date the homework and surveys of lectures %(first)d–%(last)d "
                "by the course defaults? Up to %(count)d deadlines may change; "
                "learners see the new dates at once."
            )
            % {"first": numbers.start, "last": numbers.stop - 1, "count": count},
        )
    changed = services.schedule_reset_deadlines(course=course, numbers=numbers)
    messages.success(
        request,
        ngettext(
            "%(count)d deadline now follows the course defaults.",
            "%(count)d deadlines now follow the course defaults.",
            changed,
        )
        % {"count": changed},
    )
    return redirect("staff_lectures", course.slug)


# Course set-up --------------------------------------------------------------


def _setup_context(request: HttpRequest, course: Course, **forms) -> dict:
    return {
        "course": course,
        "form": forms.get("form") or CourseSetupForm(instance=course),
        "questions": forms.get("questions")
        or ApplicationQuestionFormSet(instance=course, prefix="questions"),
        "invite_form": forms.get("invite_form") or RoleInviteForm(),
        "roles": course.roles.select_related("user").order_by("role", "user__email"),
        "invitations": [
            invitation
            for invitation in course.invitations.filter(accepted_at=None)
            if invitation.is_open()
        ],
        "may_change_roles": may_change_roles(course, request.user),
        "setup_pages": setup_pages(),
    }


@course_staff_required(admin=True)
def setup(request: HttpRequest, course: Course) -> HttpResponse:
    """The course's settings and application questions in one form; roles
    and the defaults other apps own are linked below it."""
    if request.method != "POST":
        return render(
            request, "courses/staff/setup.html", _setup_context(request, course)
        )
    form = CourseSetupForm(request.POST, instance=course)
    questions = ApplicationQuestionFormSet(
        request.POST, instance=course, prefix="questions"
    )
    if form.is_valid() and questions.is_valid():
        with transaction.atomic():
            form.save()
            questions.save()
        messages.success(request, _("The course settings were saved."))
        return redirect("staff_setup", course.slug)
    messages.error(request, _("Nothing was saved: please correct the errors below."))
    course.refresh_from_db()
    return render(
        request,
        "courses/staff/setup.html",
        _setup_context(request, course, form=form, questions=questions),
        status=400,
    )


@course_staff_required
@require_POST
def setup_roles(request: HttpRequest, course: Course) -> HttpResponse:
    """Invite by email, change or remove a staff role: course admins only."""
    if not may_change_roles(course, request.user):
        raise PermissionDenied
    if remove_id := request.POST.get("remove"):
        role = get_object_or_404(
            CourseRole, course=course, pk=remove_id if remove_id.isdigit() else 0
        )
        try:
            services.course_role_remove(role=role)
        except services.RoleRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                _("%(name)s is no longer staff of this course.")
                % {"name": role.user.name},
            )
        return redirect(reverse("staff_setup", args=[course.slug]) + "#roles")
    if cancel_id := request.POST.get("cancel_invitation"):
        course.invitations.filter(
            pk=cancel_id if cancel_id.isdigit() else 0, accepted_at=None
        ).delete()
        messages.success(request, _("The invitation was withdrawn."))
        return redirect(reverse("staff_setup", args=[course.slug]) + "#roles")
    form = RoleInviteForm(request.POST)
    if form.is_valid():
        try:
            result = services.course_role_invite(
                course=course,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
        except services.RoleRefused as refused:
            form.add_error(None, str(refused))
        else:
            if isinstance(result, CourseRole):
                message = _("%(email)s is now %(role)s of this course.")
            else:
                message = _(
                    "%(email)s has no account yet: an invitation to sign up "
                    "and join as %(role)s was emailed."
                )
            messages.success(
                request,
                message
                % {
                    "email": form.cleaned_data["email"],
                    "role": CourseRole.Role(form.cleaned_data["role"]).label,
                },
            )
            return redirect(reverse("staff_setup", args=[course.slug]) + "#roles")
    return render(
        request,
        "courses/staff/setup.html",
        _setup_context(request, course, invite_form=form),
        status=400,
    )


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: signed in, a POST takes the role; signed out, sign
    up or sign in first and come back here."""
    invitation = get_object_or_404(
        CourseInvitation.objects.select_related("course"), token=token[:64]
    )
    if not request.user.is_authenticated:
        return redirect_to_login(
            request.get_full_path(), login_url=reverse("account_signup")
        )
    if not invitation.is_open():
        return render(
            request,
            "courses/invitation.html",
            {"invitation": invitation, "closed": True},
            status=410,
        )
    if request.method == "POST":
        try:
            services.course_invitation_accept(invitation=invitation, user=request.user)
        except services.RoleRefused as refused:
            messages.error(request, str(refused))
            return redirect("home")
        messages.success(
            request,
            _("Welcome to the staff of %(course)s.")
            % {"course": invitation.course.title},
        )
        return redirect("staff_course", invitation.course.slug)
    return render(request, "courses/invitation.html", {"invitation": invitation})


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
