"""Markdown becomes safe HTML: the markup editors use survives, nothing executable does."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liveblog.render import post_label, post_text, render_body, render_markdown
from tests.harmless import assert_harmless, executable_parts

ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "<svg onload=alert(1)>",
    "[x](JaVaScRiPt:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<iframe src=https://example.org></iframe>",
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    "<style>body{display:none}</style>",
    "![x](javascript:alert(1))",
    "<a href=javascript:alert(1)>x</a>",
    '[x](https://example.org "a\\" onmouseover=\\"alert(1)")',
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_attacks_render_harmlessly(attack: str) -> None:
    assert_harmless(render_markdown(attack))


def test_editors_markup_survives() -> None:
    html = render_markdown(
        "A **bold** and *italic* claim, [a link](https://example.org/a).\n\n"
        "- one\n- two\n\n1. first"
    )
    assert "<strong>bold</strong>" in html
    assert "<em>italic</em>" in html
    assert 'href="https://example.org/a"' in html
    assert "rel=" in html and "noopener" in html
    assert "<ul>" in html and "<ol>" in html


def test_image_and_quote_fields_are_escaped() -> None:
    html = render_body(
        [
            {
                "type": "image",
                "caption": "<svg onload=alert(1)>",
                "credit": "<b>x</b>",
                "alt": '" onerror="alert(1)',
                "file": None,
            },
            {"type": "quote", "text": "<script>alert(1)</script>", "attribution": "<i>y</i>"},
            {"type": "embed", "url": 'https://example.org/"><script>alert(1)</script>'},
        ]
    )
    assert_harmless(html)
    assert "&lt;svg onload=alert(1)&gt;" in html
    assert "<figcaption>" in html and "Photograph: &lt;b&gt;x&lt;/b&gt;" in html


def test_figure_with_file_has_alt() -> None:
    html = render_body(
        [{"type": "image", "caption": "Cap", "credit": "A/B", "alt": "Alt text", "file": "pic.png"}]
    )
    assert '<img src="/media/pic.png" alt="Alt text"' in html


def test_label_is_headline_or_first_sentence() -> None:
    assert post_label("Headline", []) == "Headline"
    text = [{"type": "text", "markdown": "The **first** sentence. The second."}]
    assert post_label(None, text) == "The first sentence."
    assert len(post_label(None, [{"type": "text", "markdown": "word " * 200}])) <= 160


def test_plain_text_keeps_quotes_and_captions() -> None:
    text = post_text(
        [
            {"type": "text", "markdown": "Some *news*."},
            {"type": "quote", "text": "We are ready", "attribution": "A"},
            {"type": "image", "caption": "A harbour", "credit": None, "alt": None, "file": None},
        ]
    )
    assert text == "Some news.\n\n“We are ready”\n\nA harbour"


@given(st.text(max_size=300))
def test_any_text_renders_without_executable_markup(text: str) -> None:
    assert executable_parts(render_markdown(text)) == []


def test_the_check_itself_catches_executable_markup() -> None:
    assert executable_parts('<p onclick="x()">a</p><a href=" JavaScript:x">b</a><svg></svg>') == [
        "p[onclick]",
        "a[href= JavaScript:x]",
        "<svg>",
    ]
