import pytest

from lms.markdown import render_markdown


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
    assert "javascript:" not in html
    assert "<iframe" not in html
    assert "data:" not in html
    assert "<svg" not in html


def test_japanese_text_survives():
    assert "講義の要約" in render_markdown("**講義の要約**")


def test_the_template_filter_renders_sanitised_markdown():
    from django.template import Context, Template

    rendered = Template("{{ text|markdown }}").render(
        Context({"text": "*hi* <script>x</script>"})
    )
    assert "<em>hi</em>" in rendered
    assert "<script>" not in rendered


def test_a_text_rendered_again_comes_from_the_cache_still_sanitised():
    source = "**again** <img src=x onerror=alert(1)>"
    first = render_markdown(source)
    hits = render_markdown.cache_info().hits
    assert render_markdown(source) == first
    assert render_markdown.cache_info().hits == hits + 1
    assert "onerror" not in first and "<strong>again</strong>" in first


def test_a_text_never_carries_anything_into_the_next_one():
    """The parser is reused between texts: a link reference or raw HTML kept
    from one text must not show up in the next."""
    first = render_markdown.__wrapped__("[site]: https://example.org/a\n\n[x][site]")
    assert 'href="https://example.org/a"' in first
    second = render_markdown.__wrapped__("[y][site]")
    assert "href" not in second and "[y][site]" in second
