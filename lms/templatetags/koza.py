from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from lms.markdown import render_markdown, render_markdown_inline

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Render Markdown to sanitised HTML (see lms.markdown)."""
    return mark_safe(render_markdown(text))  # noqa: S308 - nh3 sanitised it


@register.filter(name="markdown_inline")
def markdown_inline_filter(text: str) -> SafeString:
    """Render a short Markdown text inside a line: no paragraphs (see
    lms.markdown.render_markdown_inline). Chain `truncatechars_html` to
    shorten it without cutting a tag."""
    return mark_safe(render_markdown_inline(text))  # noqa: S308 - nh3 sanitised it


@register.simple_tag(takes_context=True)
def viewer_time(context, value, course=None) -> str:
    """The viewer's own time for `value`, when the viewer's time zone (from
    the browser) differs from the course's; empty otherwise."""
    request = context.get("request")
    zone = getattr(request, "viewer_timezone", None)
    course = course or context.get("course")
    if value is None or zone is None or course is None or zone.key == course.timezone:
        return ""
    local = timezone.localtime(value, zone)
    return format_html(
        '<span class="viewer-time">{} <time datetime="{}">{}</time> ({})</span>',
        _("Your time:"),
        local.isoformat(),
        formats.date_format(local, "Y-m-d (D) H:i"),
        zone.key,
    )
