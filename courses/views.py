from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from archives.csp import allow_material_frames
from courses.access import course_learner_required, get_visible_course
from courses.models import Course, Enrollment, Lecture


def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    course = get_visible_course(slug)
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


@course_learner_required
@allow_material_frames
def lecture_detail(request: HttpRequest, course: Course, number: int) -> HttpResponse:
    lectures = Lecture.objects.filter(course=course)
    if not course.is_staff(request.user):
        lectures = lectures.filter(published=True)
    lecture = get_object_or_404(lectures, number=number)
    return render(
        request, "courses/lecture_detail.html", {"course": course, "lecture": lecture}
    )
