"""The staff menu and breadcrumbs every staff page shows: one tag, so a new
staff page gets the same menu with `{% staff_nav course %}` (optionally
`section=_("Surveys") section_url=… page=…` for the breadcrumbs)."""

from django import template

register = template.Library()


@register.inclusion_tag("courses/staff/_nav.html", takes_context=True)
def staff_nav(
    context, course, section: str = "", section_url: str = "", page: str = ""
) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "course": course,
        "request": request,
        "is_course_admin": bool(user and course.is_admin(user)),
        "section": section,
        "section_url": section_url,
        "page": page,
    }


@register.simple_tag(takes_context=True)
def course_admin(context, course) -> bool:
    """Whether the viewer administers `course` (`{% course_admin course as
    is_admin %}`), for links only admins can follow."""
    user = getattr(context.get("request"), "user", None)
    return bool(user and course.is_admin(user))
