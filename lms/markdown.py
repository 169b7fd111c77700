"""Markdown rendering in one place: python-markdown, then nh3 sanitising.

Everything a person typed (course descriptions, questions, summaries,
announcements) goes through `render_markdown`; the output can be marked safe.
"""

import threading
from functools import lru_cache

import markdown as md
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt",
    "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol",
    "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    "div": {"class"},
    "span": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["fenced_code", "tables", "sane_lists", "nl2br"]


_parsers = threading.local()


def _parser() -> md.Markdown:
    """One parser per thread, reset between texts: building one costs as
    much as converting a learner's summary (python-markdown's own advice for
    converting many texts; a parser is not safe to share between threads)."""
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = md.Markdown(
            extensions=EXTENSIONS, output_format="html"
        )
    return parser.reset()


@lru_cache(maxsize=1024)
def render_markdown(text: str) -> str:
    """Pure, so memoised per process: a homework page renders the same 25
    question and choice texts for every one of thousands of learners. A
    summary's live preview is new text each time: it reuses the parser."""
    html = _parser().convert(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
