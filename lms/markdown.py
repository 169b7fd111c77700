"""Markdown rendering in one place: markdown-it-py, then nh3 sanitising.

Everything a person typed (course descriptions, questions, summaries,
announcements) goes through `render_markdown`; the output can be marked safe.

Why markdown-it-py and not python-markdown: python-markdown's inline patterns
are regular expressions that backtrack quadratically on runs of `[`, `![` or
`[a](` (8,000 `[` in a summary preview took 30 s and killed a gunicorn
worker). markdown-it-py is a CommonMark parser whose inline scanning is linear
in the text (delimiter runs and link labels are matched with a bounded stack
and a per-text cache), and whose nesting depth is capped (`maxNesting`).
`bench/bench_markdown.py` measures a corpus of hostile texts against a plain
paragraph of the same length, and `lms/tests/test_markdown.py` fails when the
work for any of them stops growing linearly.

TeX between `$…$` or `$$…$$` is typeset here, on the server, as MathML
(latex2mathml), which browsers draw natively: formulas show with JavaScript
off and under the Content-Security-Policy, with no script or font to ship.
latex2mathml is a recursive parser costing tens of microseconds per
character, so each text gets a budget (`MATH_BUDGET`); formulas past it, and
any formula too long, too deeply nested or not understood, are shown as the
TeX the author wrote.
"""

import threading
import unicodedata
from functools import lru_cache

import nh3
from latex2mathml.converter import convert as latex_to_mathml
from markdown_it import MarkdownIt
from markdown_it.common.utils import (
    escapeHtml,
    isMdAsciiPunct,
    isPunctChar,
    isWhiteSpace,
)
from markdown_it.rules_inline.state_inline import Delimiter, StateInline
from mdit_py_plugins.dollarmath import dollarmath_plugin

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
# MathML Core elements latex2mathml writes, and their presentation attributes.
MATHML_TAGS = {
    "math", "menclose", "mfrac", "mi", "mmultiscripts", "mn", "mo", "mover",
    "mpadded", "mphantom", "mprescripts", "mroot", "mrow", "ms", "mspace",
    "msqrt", "mstyle", "msub", "msubsup", "msup", "mtable", "mtd", "mtext",
    "mtr", "munder", "munderover", "none",
}  # fmt: skip
MATHML_ATTRIBUTES = {
    "accent", "accentunder", "columnalign", "columnlines", "columnspacing",
    "depth", "display", "displaystyle", "fence", "form", "frame", "height",
    "largeop", "linethickness", "lspace", "mathvariant", "maxsize", "minsize",
    "movablelimits", "notation", "rowalign", "rowlines", "rowspacing",
    "rspace", "scriptlevel", "separator", "stretchy", "symmetric", "voffset",
    "width",
}  # fmt: skip
ALLOWED_TAGS |= MATHML_TAGS
ALLOWED_ATTRIBUTES |= dict.fromkeys(MATHML_TAGS, MATHML_ATTRIBUTES)
URL_SCHEMES = {"http", "https", "mailto"}

# Math typeset per text: TeX characters, plus a charge per formula so that a
# thousand `$a$` cost as much as a long formula. 1,000 is twenty formulas of a
# lecture's notes, and a few milliseconds of the costliest TeX (bench).
MATH_BUDGET = 1000
MATH_CHARGE_PER_FORMULA = 20
# One formula longer or deeper than this is shown as TeX: real ones are a
# line or two, and latex2mathml recurses once per level.
MATH_MAX_CHARS = 400
MATH_MAX_DEPTH = 30

# Texts up to this size are memoised: the same question and choice texts are
# rendered for every one of thousands of learners. A large text (a summary
# preview) is new each time, and keeping it would cost megabytes per worker.
MEMO_MAX_CHARS = 2048

_parsers = threading.local()


def _nesting_depth(tex: str) -> int:
    depth = deepest = 0
    for index, char in enumerate(tex):
        if char == "{" or tex.startswith(("\\left", "\\begin"), index):
            depth += 1
            deepest = max(deepest, depth)
        elif char == "}" or tex.startswith(("\\right", "\\end"), index):
            depth -= 1
    return deepest


def _math(content: str, options: dict) -> str:
    """MathML for one formula, or its TeX as written (delimiters included)
    when it is over the text's budget, too big, or not valid TeX. Emphasis
    and links inside a formula are never parsed."""
    display = bool(options.get("display_mode"))
    cost = len(content) + MATH_CHARGE_PER_FORMULA
    budget = getattr(_parsers, "math_budget", MATH_BUDGET)
    _parsers.math_budget = budget - cost
    if (
        content
        and cost <= budget
        and len(content) <= MATH_MAX_CHARS
        and _nesting_depth(content) <= MATH_MAX_DEPTH
    ):
        try:
            return latex_to_mathml(content, display="block" if display else "inline")
        except Exception:  # noqa: S110 — any TeX it cannot read is shown as written
            pass
    fence = "$$" if display else "$"
    return f'<code class="tex">{escapeHtml(f"{fence}{content}{fence}")}</code>'


def _align_attributes(state) -> None:
    """Table alignment as `align`, not the `style` markdown-it writes: the
    Content-Security-Policy blocks inline styles."""
    for token in state.tokens:
        if token.type not in {"th_open", "td_open"}:
            continue
        style = token.attrs.pop("style", None)
        if isinstance(style, str) and style.startswith("text-align:"):
            token.attrs["align"] = style.removeprefix("text-align:")


def _is_cjk(char: str) -> bool:
    return unicodedata.east_asian_width(char) in {"W", "F"}


def _emphasis_cjk_friendly(state: StateInline, silent: bool) -> bool:
    """markdown-it's emphasis rule, with CommonMark's flanking test relaxed
    next to Japanese, Chinese and Korean text (as the "CJK-friendly" proposal
    for CommonMark does): Japanese has no spaces between words, so
    `**「注意」**は` must be bold as it was with python-markdown; by the
    strict rule the closing `**`, after a punctuation mark and before a
    letter, closes nothing."""
    start = state.pos
    marker = state.src[start]
    if silent or marker not in ("_", "*"):
        return False
    pos, maximum = start, state.posMax
    while pos < maximum and state.src[pos] == marker:
        pos += 1
    length = pos - start
    last = state.src[start - 1] if start > 0 else " "
    next_ = state.src[pos] if pos < maximum else " "
    last_punct = isMdAsciiPunct(ord(last)) or isPunctChar(last)
    next_punct = isMdAsciiPunct(ord(next_)) or isPunctChar(next_)
    last_space, next_space = isWhiteSpace(ord(last)), isWhiteSpace(ord(next_))
    left_flanking = not (
        next_space or (next_punct and not (last_space or last_punct or _is_cjk(last)))
    )
    right_flanking = not (
        last_space or (last_punct and not (next_space or next_punct or _is_cjk(next_)))
    )
    split_word = marker == "*"
    can_open = left_flanking and (split_word or not right_flanking or last_punct)
    can_close = right_flanking and (split_word or not left_flanking or next_punct)
    for _ in range(length):
        token = state.push("text", "", 0)
        token.content = marker
        state.delimiters.append(
            Delimiter(
                marker=ord(marker),
                length=length,
                token=len(state.tokens) - 1,
                end=-1,
                open=can_open,
                close=can_close,
            )
        )
    state.pos = pos
    return True


def _parser() -> MarkdownIt:
    """One parser per thread (its rule chains are built once; a parser keeps
    no state between texts, each `render` gets a fresh environment)."""
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = MarkdownIt(
            "commonmark",
            # html: raw HTML passes to nh3, which keeps only the allowed tags;
            # breaks: a newline is a line break, as learners expect.
            {"html": True, "breaks": True},
        ).enable("table")
        parser.core.ruler.push("align_attributes", _align_attributes)
        parser.inline.ruler.at("emphasis", _emphasis_cjk_friendly)
        # Pandoc's rule for `$`: no space inside and no digit outside, so
        # "$5 and $10" stays text.
        dollarmath_plugin(
            parser,
            allow_labels=False,
            allow_space=False,
            allow_digits=False,
            allow_blank_lines=False,
            renderer=_math,
        )
        _parsers.parser = parser
    return parser


def _render(text: str) -> str:
    _parsers.math_budget = MATH_BUDGET
    return _clean(_parser().render(text or ""))


_render_memoised = lru_cache(maxsize=1024)(_render)


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str) -> str:
    """Sanitised HTML for a Markdown text. Pure, so small texts are memoised
    per process; large ones are rendered each time and not kept."""
    text = text or ""
    if len(text) <= MEMO_MAX_CHARS:
        return _render_memoised(text)
    return _render(text)


@lru_cache(maxsize=1024)
def _render_inline(text: str) -> str:
    _parsers.math_budget = MATH_BUDGET
    return _clean(_parser().renderInline(text))


def render_markdown_inline(text: str) -> str:
    """Sanitised HTML for a short text shown inside a line, a table cell or a
    list item (a question or choice in a results table): code, emphasis,
    links and math, without paragraphs; block syntax stays as typed."""
    text = " ".join((text or "").split())
    if len(text) <= MEMO_MAX_CHARS:
        return _render_inline(text)
    return _render_inline.__wrapped__(text)
