"""Who may see what in a course: the one place views ask.

Views of a course take the course object from these decorators instead of
the slug, so no view re-derives permissions on its own:

    @course_staff_required
    def applications(request, course): ...

    @course_learner_required
    def homework(request, course, number): ...
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from courses.models import Course, Enrollment


def _visible_courses():
    return Course.objects.exclude(state=Course.State.DRAFT)


def get_visible_course(slug: str) -> Course:
    """A course anyone may see (not a draft) or 404."""
    return get_object_or_404(_visible_courses(), slug=slug)


def _visible_course_with_access(slug: str, user) -> Course:
    """The course and the user's access to it in one query (every learner
    page at a deadline asks both)."""
    if user.is_superuser:
        return get_visible_course(slug)
    course = get_object_or_404(
        _visible_courses().annotate(**Course.access_annotations(user)), slug=slug
    )
    course.remember_access(user, role=course._role, learner=course._learner)
    return course


def course_staff_required(view=None, *, admin: bool = False) -> Callable:
    """Staff (or, with admin=True, admins) of the course in the URL; superusers
    pass. Anonymous users go to the login page, everyone else gets 403."""

    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            course = get_object_or_404(Course, slug=slug)
            allowed = (
                course.is_admin(request.user)
                if admin
                else course.is_staff(request.user)
            )
            if not allowed:
                raise PermissionDenied
            with timezone.override(course.tzinfo):
                return view_func(request, course, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator


def may_change_roles(course: Course, user) -> bool:
    """Who may give, change or take away a staff role of the course: its
    admins and superusers (`Course.is_admin` counts superusers), never staff,
    who could otherwise make themselves admins."""
    return course.is_admin(user)


def course_learner_required(view_func) -> Callable:
    """Approved learners and staff of the course. Others get a clear page that
    says lecture content is for approved learners (status 403)."""

    @wraps(view_func)
    def wrapper(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        course = _visible_course_with_access(slug, user)
        if not course.can_view_content(user):
            enrollment = Enrollment.objects.filter(course=course, user=user).first()
            return render(
                request,
                "courses/not_enrolled.html",
                {"course": course, "enrollment": enrollment},
                status=403,
            )
        # Times on a course's pages are the course's (pages name the zone).
        with timezone.override(course.tzinfo):
            return view_func(request, course, *args, **kwargs)

    return wrapper
