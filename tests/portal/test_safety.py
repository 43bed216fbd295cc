"""The escaping step on its own: each context keeps text inert and readable."""

from __future__ import annotations

import markdown
import pytest
from hypothesis import given
from hypothesis import strategies as st

from featurecat.portal import safety

EXTENSIONS = ["admonition", "attr_list", "tables", "toc"]


def render(text: str) -> str:
    return markdown.markdown(text, extensions=EXTENSIONS)


def test_text_shows_markup_literally() -> None:
    hostile = "<b>x</b> *y* _z_ [l](javascript:1) `c` {: #id } | a | ~~s~~ === # h"
    html = render(safety.text(hostile))
    assert "<b>" not in html and "<em>" not in html and "<a " not in html and "<code>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=60))
def test_text_never_produces_tags(value: str) -> None:
    html = render(safety.text(value))
    assert html.count("<") == html.count("<p>") + html.count("</p>")


@pytest.mark.parametrize(
    ("target", "allowed"),
    [
        ("https://example.com/a?b=1&c=2", "https://example.com/a?b=1&c=2"),
        ("HTTP://example.com", "HTTP://example.com"),
        ("mailto:team@example.com", "mailto:team@example.com"),
        ("../other/index.md", "../other/index.md"),
        ("#section", "#section"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        (" javascript:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("data:text/html;base64,xx", None),
        ("vbscript:x", None),
        ("//evil.example/x", None),
        ("https:", None),
        ("&#106;avascript:alert(1)", "%26#106%3Bavascript%3Aalert%281%29"),
    ],
)
def test_url_policy(target: str, allowed: str | None) -> None:
    assert safety.url(target) == allowed


def test_block_keeps_a_small_markdown_subset() -> None:
    description = (
        "First line with `code` and [docs](https://example.com/docs).\n\n"
        "- one\n- two\n\nSee https://example.com/x. <b>not bold</b>"
    )
    html = render(safety.block(description))
    assert "<code>code</code>" in html
    assert '<a href="https://example.com/docs">docs</a>' in html
    assert "<ul>\n<li>one</li>" in html
    assert '<a href="https://example.com/x">https://example.com/x</a>.' in html
    assert "&lt;b&gt;not bold&lt;/b&gt;" in html


def test_block_turns_unsafe_links_into_text() -> None:
    html = render(safety.block("[x](javascript:alert(1)) ![i](data:x) <javascript:y>"))
    assert "<a" not in html and "<img" not in html


def test_mermaid_labels_cannot_break_out() -> None:
    label = safety.mermaid_label('a"] --> b[<img src=x onerror=alert(1)>] %% #x')
    assert label.count('"') == 2 and "<" not in label and ">" not in label


def test_front_matter_is_safe_dumped() -> None:
    from mkdocs.utils.meta import get_data

    meta = {"title": "x\n---\nsearch: {exclude: true}\n...\n", "tags": ["a", "---"]}
    body, read = get_data(safety.front_matter(meta) + "# body\n")
    assert read == meta
    assert body == "# body\n"


def test_shell_and_python_contexts_quote() -> None:
    assert safety.escape("my catalog; rm -rf /", "shell") == "'my catalog; rm -rf /'"
    assert safety.escape('a"b', "python") == '"a\\"b"'
    assert "`" not in safety.escape("```mermaid\nx", "literal")


def test_control_characters_are_dropped() -> None:
    assert safety.text("a\x02klzzwxh:0\x03b\u202e") == "aklzzwxh:0b"
