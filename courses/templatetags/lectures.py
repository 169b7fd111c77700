"""The lecture parts other apps add through courses.hooks."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from courses import hooks

register = template.Library()


@register.simple_tag(takes_context=True)
def lecture_sections(context) -> SafeString:
    """Every registered section of the lecture page, in registration order."""
    return format_html_join(
        "", "{}", ((html,) for html in hooks.lecture_sections(context))
    )


@register.simple_tag
def with_lecture_badges(lectures) -> list[dict]:
    return hooks.lectures_with_badges(lectures)
