"""Which part of a page to render: the one place that reads the htmx headers
for it (radiofeed's `partials.py`). A page template owns its fragments as
`{% partialdef name inline %}` blocks; an htmx request that asks for one gets
`"page.html#name"`, every other request the whole page."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def wants_partial(request: HttpRequest, *, target: str | None = None) -> bool:
    """An htmx request that swaps a fragment: not a boosted navigation (which
    needs the whole page) and, when `target` is given, aimed at that element."""
    htmx = getattr(request, "htmx", None)
    if not htmx or htmx.boosted:
        return False
    return target is None or htmx.target == target


def render_partial(
    request: HttpRequest,
    template_name: str,
    context: dict | None = None,
    *,
    partial: str | None,
    target: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render `template_name#partial` for an htmx request for that fragment
    (see `wants_partial`), else the full page. `partial=None` always renders
    the full page, for views that swap a fragment only on some requests."""
    if partial and wants_partial(request, target=target):
        template_name = f"{template_name}#{partial}"
    return render(request, template_name, context, status=status)
