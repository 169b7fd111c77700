"""What the header needs on every page: the courses the user runs (for the
"Staff area" link). Lazy, so a page that never shows the header asks
nothing."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from courses.selectors import staff_courses_of


def staff_area(request: HttpRequest) -> dict:
    return {
        "staff_courses": SimpleLazyObject(
            lambda: staff_courses_of(getattr(request, "user", None) or _Anonymous)
        )
    }


class _Anonymous:
    is_authenticated = False
