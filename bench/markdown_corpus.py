"""Hostile Markdown: texts built to make a parser backtrack or recurse.

Each entry makes a text of about `size` characters. python-markdown took
0.9 s on 2,000 `[` and 14 s on 6,000; a linear-time parser takes a few times
what a plain paragraph of the same length takes. Shared by
`bench/bench_markdown.py` (the figures) and `lms/tests/test_markdown.py` (the
regression test: work must grow linearly with the size).
"""

from collections.abc import Callable


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda size: (unit * (size // len(unit) + 1))[:size]


def _lines(make_line: Callable[[int], str]) -> Callable[[int], str]:
    def build(size: int) -> str:
        parts, total, i = [], 0, 0
        while total < size:
            line = make_line(i)
            parts.append(line)
            total += len(line)
            i += 1
        return "".join(parts)[:size]

    return build


def _table(size: int) -> str:
    head = "|a|b|c|\n|-|:-:|--:|\n"
    return head + _repeat("|x|*y*|`z`|\n")(size - len(head))


def _wide_table(size: int) -> str:
    columns = max(1, size // 5)
    return ("|" + "a|" * columns + "\n|" + "-|" * columns + "\n")[:size]


PLAIN_WORDS = "講義の要約 attention is all you need. "

HOSTILE: dict[str, Callable[[int], str]] = {
    "brackets [": _repeat("["),
    "image brackets ![": _repeat("!["),
    "unclosed links [a](": _repeat("[a]("),
    "nested links [a…]": lambda size: "[a" * (size // 3) + "]" * (size // 3),
    "link titles": _repeat('[a](b "'),
    "link destination parens": lambda size: "[a](" + "(" * (size - 4),
    "reference definitions": _lines(lambda i: f"[r{i}]: /u{i}\n"),
    "reference uses": lambda size: "[r]: /u\n" + _repeat("[r][r]")(size - 8),
    "backticks": _repeat("`"),
    "backtick runs of growing length": _lines(lambda i: "`" * (i % 300 + 1) + "a"),
    "emphasis *a": _repeat("*a"),
    "emphasis _a": _repeat("_a"),
    "emphasis *_ mixed": _repeat("*_"),
    "strong **a": _repeat("**a"),
    "emphasis openers then closers": lambda size: (
        "*a " * (size // 6) + "a* " * (size // 6)
    ),
    "Japanese emphasis around punctuation": _repeat("**「注意」は*"),
    "list markers": _repeat("- "),
    "nested lists": _lines(lambda i: "  " * (i % 60) + "- a\n"),
    "nested blockquotes": _repeat(">"),
    "blockquote and list nesting": _repeat("> - "),
    "less-than <": _repeat("<"),
    "HTML-ish tags <a ": _repeat("<a "),
    "HTML comments <!--": _repeat("<!--"),
    "autolinks <http://": _repeat("<http://"),
    "entities &#": _repeat("&#"),
    "backslashes": _repeat("\\"),
    "math dollars $": _repeat("$"),
    "math pairs $a": _repeat("$a"),
    "math blocks $$": _repeat("$$\n"),
    # TeX typeset as MathML: latex2mathml costs tens of microseconds per
    # character and recurses once per nesting level.
    "TeX, many tiny formulas": _repeat("$a$ "),
    "TeX, long formulas": _repeat("$" + "x_{1}^{2} + " * 30 + "x$\n\n"),
    "TeX, nested braces": lambda size: (
        "$" + "{" * (size // 2 - 1) + "}" * (size // 2 - 1) + "$"
    ),
    "TeX, nested fractions": _repeat("$" + "\\frac{1}{" * 30 + "x" + "}" * 30 + "$ "),
    "TeX, square roots": _repeat("$" + "\\sqrt" * 60 + "x$ "),
    "TeX, unclosed environments": _repeat("$\\begin{matrix}a&b\\\\$ "),
    "headings #": _repeat("#"),
    "setext underlines": _repeat("a\n=\n"),
    "fences ```": _repeat("```\n"),
    "one long line": _repeat("a "),
    "one long word": _repeat("a"),
    "table, many rows": _table,
    "table, many columns": _wide_table,
    "tildes ~": _repeat("~"),
}


def plain_paragraph(size: int) -> str:
    """The floor: ordinary prose of the same length."""
    return _repeat(PLAIN_WORDS)(size)
