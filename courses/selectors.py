from django.db.models import QuerySet

from courses.models import Course, Enrollment


def courses_for_home(user) -> dict:
    """The home page: the user's courses and the public catalog."""
    catalog: QuerySet[Course] = Course.objects.exclude(state=Course.State.DRAFT)
    enrollments = []
    if user.is_authenticated:
        enrollments = list(
            Enrollment.objects.filter(user=user)
            .exclude(status=Enrollment.Status.WITHDRAWN)
            .select_related("course")
        )
    return {"catalog": list(catalog), "enrollments": enrollments}
