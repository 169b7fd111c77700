"""Search results as the list shows them: matches in `<mark>`, the text
around them escaped (`discussions.search.highlight`)."""

from django import template

from discussions import search

register = template.Library()


@register.filter
def highlight(text: str, terms) -> str:
    return search.highlight(text, terms or [])


@register.filter
def search_snippet(text: str, terms) -> str:
    """A line of the body around the first match, highlighted."""
    return search.highlight(search.snippet(text, terms or []), terms or [])
