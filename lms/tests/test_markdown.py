import time

import pytest

from bench.markdown_corpus import HOSTILE, plain_paragraph
from lms import markdown as markdown_module
from lms.markdown import MEMO_MAX_CHARS, render_markdown


def test_it_renders_headings_lists_tables_and_code():
    html = render_markdown(
        "# Title\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "```python\nprint('hi')\n```\n"
    )
    assert "<h1>Title</h1>" in html
    assert "<li>one</li>" in html
    assert "<table>" in html and "<td>1</td>" in html
    assert "<pre><code" in html and "print(" in html


def test_links_get_rel_noopener_noreferrer_nofollow():
    html = render_markdown("[site](https://example.com)")
    assert 'href="https://example.com"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        '<iframe src="https://evil.example"></iframe>',
        "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '<div onclick="alert(1)">hi</div>',
        "<svg onload=alert(1)>",
        '<a href="JaVaScRiPt:alert(1)">x</a>',
    ],
)
def test_hostile_markup_comes_out_inert(source):
    html = render_markdown(source).lower()
    assert "<script" not in html
    assert "onerror" not in html and "onclick" not in html and "onload" not in html
    # A refused link stays visible as text; no attribute may carry it.
    assert '="javascript:' not in html and '="data:' not in html
    assert "<iframe" not in html
    assert "<svg" not in html


def test_japanese_text_survives():
    assert "講義の要約" in render_markdown("**講義の要約**")


@pytest.mark.parametrize(
    ("source", "bold"),
    [
        ("自己注意は**「クエリ」**と呼ぶ", "「クエリ」"),
        ("これは**重要。**です", "重要。"),
        ("**クエリ**と**キー**", "キー"),
    ],
)
def test_japanese_bold_around_punctuation_without_spaces_is_bold(source, bold):
    """CommonMark's strict rule leaves `**「注意」**は` as asterisks, which
    python-markdown rendered bold; Japanese has no spaces to add."""
    assert f"<strong>{bold}</strong>" in render_markdown(source)


def test_latin_emphasis_keeps_commonmark_rules():
    assert render_markdown('a*"foo"*bar') == '<p>a*"foo"*bar</p>\n'
    assert "<em>" not in render_markdown("snake_case_name")


def test_the_template_filter_renders_sanitised_markdown():
    from django.template import Context, Template

    rendered = Template("{{ text|markdown }}").render(
        Context({"text": "*hi* <script>x</script>"})
    )
    assert "<em>hi</em>" in rendered
    assert "<script>" not in rendered


def test_a_text_rendered_again_comes_from_the_cache_still_sanitised():
    memo = markdown_module._render_memoised
    source = "**again** <img src=x onerror=alert(1)>"
    first = render_markdown(source)
    hits = memo.cache_info().hits
    assert render_markdown(source) == first
    assert memo.cache_info().hits == hits + 1
    assert "onerror" not in first and "<strong>again</strong>" in first


def test_a_large_text_is_rendered_but_never_kept_in_the_memo():
    """A summary preview is new text each time: keeping large ones cost
    megabytes per worker."""
    memo = markdown_module._render_memoised
    source = "*big* " * (MEMO_MAX_CHARS // 5)
    size = memo.cache_info().currsize
    assert "<em>big</em>" in render_markdown(source)
    assert memo.cache_info().currsize == size


def test_a_text_never_carries_anything_into_the_next_one():
    """The parser is reused between texts: a link reference or raw HTML kept
    from one text must not show up in the next."""
    first = markdown_module._render("[site]: https://example.org/a\n\n[x][site]")
    assert 'href="https://example.org/a"' in first
    second = markdown_module._render("[y][site]")
    assert "href" not in second and "[y][site]" in second


def test_tex_is_typeset_as_mathml_and_prices_stay_text():
    html = render_markdown(
        "Scale by $\\frac{1}{\\sqrt{d_k}}$, loss $-\\sum_i y_i * \\log p_i$; "
        "it costs $5 and $10"
    )
    assert html.count('<math display="inline">') == 2
    assert "<msqrt><mrow><msub><mi>d</mi><mi>k</mi></msub></mrow></msqrt>" in html
    assert "<mfrac>" in html and "<mo>∑</mo>" in html
    assert "<em>" not in html
    assert "$5 and $10" in html
    assert "$\\" not in html
    block = render_markdown("$$\nx^2 < y\n$$")
    assert '<math display="block">' in block and "<mo>&lt;</mo>" in block


def test_tex_that_cannot_be_typeset_is_shown_as_written():
    html = render_markdown(
        "broken $\\frac{1}{$ and deep $" + "{" * 40 + "x" + "}" * 40 + "$"
    )
    assert "<math" not in html
    assert '<code class="tex">$\\frac{1}{$</code>' in html
    assert html.count('<code class="tex">') == 2


@pytest.mark.parametrize(
    "tex",
    [
        "$\\text{<img src=x onerror=alert(1)>}$",
        "$<script>alert(1)</script>$",
        "$$\n\\text{</math><img src=x onerror=alert(1)>}\n$$",
        "$\\href{javascript:alert(1)}{x}$",
    ],
)
def test_tex_cannot_smuggle_html_or_scripts(tex):
    html = render_markdown(tex)
    assert "<img" not in html and "<script" not in html
    assert "onerror" not in html.replace("<mi>o</mi><mi>n</mi>", "")
    assert "javascript:" not in html


def test_a_text_typesets_a_bounded_amount_of_tex():
    """latex2mathml costs tens of microseconds per character: a hostile
    preview full of formulas gets a budget, and the rest shows as TeX."""
    many = "$x_{1}^{2} + y$ " * 150
    html = markdown_module._render(many)
    typeset = html.count("<math")
    per_formula = len("x_{1}^{2} + y") + markdown_module.MATH_CHARGE_PER_FORMULA
    assert typeset == markdown_module.MATH_BUDGET // per_formula
    assert html.count('<code class="tex">') == 150 - typeset
    # The budget is per text: the next one typesets again.
    assert "<math" in markdown_module._render("$x$")


def test_table_alignment_is_an_attribute_not_a_style_the_csp_would_block():
    html = render_markdown("| a | b |\n|--:|:-:|\n| 1 | 2 |")
    assert '<td align="right">1</td>' in html and "style" not in html


def test_a_newline_is_a_line_break_and_list_numbers_are_kept():
    assert "<br>" in render_markdown("one\ntwo")
    assert '<ol start="3">' in render_markdown("3. three\n4. four")


def _best_seconds(text: str, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        markdown_module._render(text)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.timing
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_markdown_costs_grow_linearly_with_its_length(name):
    """The summary preview attack: python-markdown took 0.9 s on 2,000 `[`
    and 14 s on 6,000 (quadratic). Eight times the text must cost about eight
    times the work, not sixty-four; the factor is generous for a busy CI
    machine, and the small size is large enough that fixed costs do not hide
    a quadratic term."""
    make = HOSTILE[name]
    small, large = make(2000), make(16000)
    floor = _best_seconds(plain_paragraph(16000))
    # Below a millisecond, timer noise would decide: a quadratic text still
    # costs 64 ms at the large size if it cost 1 ms at the small one.
    ratio = _best_seconds(large) / max(_best_seconds(small), floor / 8, 1e-3)
    assert ratio < 24, f"{name}: 8x the text cost {ratio:.1f}x the time"


@pytest.mark.timing
def test_a_hostile_tex_preview_costs_less_than_the_worst_hostile_markdown():
    """A learner's 2,000-character preview of nested or huge TeX: typesetting
    is budgeted, so no TeX text costs more than the worst text the renderer
    already had to bear (runs of `[`, measured in the same run)."""
    worst_markdown = max(
        _best_seconds(HOSTILE[name](2000))
        for name in ("brackets [", "image brackets ![")
    )
    for name in [name for name in HOSTILE if name.startswith("TeX")]:
        took = _best_seconds(HOSTILE[name](2000))
        assert took < 2 * worst_markdown, f"{name}: {took * 1000:.1f} ms"
