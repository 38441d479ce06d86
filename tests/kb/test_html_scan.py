"""The fast HTML scanner reports what html.parser reports, or declines."""

from __future__ import annotations

from html.parser import HTMLParser

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from tests.kb.markdown_setup import EXTENSIONS
from triage.kb.articles import load_kb
from triage.kb.html_scan import events, scan

CONFIGS = {"toc": {"permalink": True}, "pymdownx.highlight": {"use_pygments": True}}


class Recorder(HTMLParser):
    """html.parser's events as a list (comments and declarations too)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        self.seen.append(("start", tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.seen.append(("startend", tag, attrs))

    def handle_endtag(self, tag):
        self.seen.append(("end", tag))

    def handle_data(self, data):
        self.seen.append(("data", data))

    def handle_comment(self, data):
        self.seen.append(("comment", data))

    def handle_decl(self, decl):
        self.seen.append(("decl", decl))


def stdlib(text: str) -> list[tuple]:
    """What html.parser reports for text, fed whole and closed."""
    parser = Recorder()
    parser.feed(text)
    parser.close()
    return parser.seen


def render(body: str) -> str:
    """Markdown as the site renders it (its extensions, pygments on for the most markup)."""
    return markdown.Markdown(extensions=EXTENSIONS, extension_configs=CONFIGS).convert(body)


def test_same_events_as_html_parser_on_every_real_article():
    pages = [render(a.body) for a in load_kb(ROOT / "kb")]
    assert pages
    plain = [p for p in pages if events(p) is not None]
    assert len(plain) >= len(pages) * 0.9  # the fast path is the usual one
    for page in plain:
        assert events(page) == stdlib(page)


@pytest.mark.parametrize(
    "html",
    [
        "<p>a &amp; b &lt;c&gt; &quot;d&quot; &#1071; &eacute;</p>\n<hr />",
        '<h2 id="x-1">Title<a class="headerlink" href="#x-1" title="Link">&para;</a></h2>',
        '<div class="admonition warning"><p class="admonition-title">Warning</p></div>',
        '<IMG SRC="a.png" ALT="A &amp; B" hidden><br/><input disabled value="">',
        "<table>\n<thead>\n<tr>\n<th>a</th>\n</tr>\n</thead>\n</table>\ntail text &amp",
        "<pre><code>  x = 1\n\n  y &lt; 2\n</code></pre>",
        "plain text only, no tags at all",
        "",
    ],
)
def test_same_events_on_plain_html(html):
    assert events(html) == stdlib(html)


@pytest.mark.parametrize(
    "html",
    [
        "<p>a</p><!-- a comment -->",
        "<!DOCTYPE html><p>a</p>",
        "<script>if (a < b) {}</script>",
        "<style>p > a {}</style>",
        "<p>1 < 2</p>",
        "<a href='single'>x</a>",
        "<a href=unquoted>x</a>",
        '<a b="x"c="y">x</a>',
        "</p class>",
        "<?php echo 1 ?>",
    ],
)
def test_declines_what_is_not_plain(html):
    parser = Recorder()
    assert events(html) is None
    assert scan(html, parser) is False
    assert parser.seen == []  # nothing reported: the caller feeds html.parser itself


def test_scan_calls_the_parsers_handlers():
    parser = Recorder()
    html = render("# Title\n\nSome *text* and `code`.\n\n```sh\nls -l\n```\n")
    assert scan(html, parser) is True
    assert parser.seen == stdlib(html)


TOKENS = st.sampled_from(
    [
        "<p>",
        "</p>",
        '<a href="/x?a=1&amp;b=2">',
        "</a>",
        '<span class="k">',
        "</span>",
        "<br />",
        "<hr>",
        "<code>",
        "</code>",
        "text",
        " ",
        "\n",
        "&amp;",
        "&lt;",
        "&#x41;",
        "é ü я",
        "&",
        ">",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(TOKENS, max_size=30))
def test_same_events_on_random_plain_html(tokens):
    html = "".join(tokens)
    assert events(html) == stdlib(html)
