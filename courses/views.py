from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from courses.models import Course, Enrollment, Lecture


def _get_course(slug: str) -> Course:
    return get_object_or_404(
        Course.objects.exclude(state=Course.State.DRAFT), slug=slug
    )


def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    course = _get_course(slug)
    enrollment = None
    if request.user.is_authenticated:
        enrollment = Enrollment.objects.filter(course=course, user=request.user).first()
    lectures = course.lectures.filter(published=True)
    return render(
        request,
        "courses/course_detail.html",
        {
            "course": course,
            "enrollment": enrollment,
            "lectures": lectures,
            "can_view_content": course.can_view_content(request.user),
        },
    )


def lecture_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    course = _get_course(slug)
    if not course.can_view_content(request.user):
        return render(
            request, "courses/not_enrolled.html", {"course": course}, status=403
        )
    lectures = Lecture.objects.filter(course=course)
    if not course.is_staff(request.user):
        lectures = lectures.filter(published=True)
    lecture = get_object_or_404(lectures, number=number)
    return render(
        request, "courses/lecture_detail.html", {"course": course, "lecture": lecture}
    )
