from django import template
from django.utils.safestring import SafeString, mark_safe

from lms.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Render Markdown to sanitised HTML (see lms.markdown)."""
    return mark_safe(render_markdown(text))  # noqa: S308 - nh3 sanitised it
