"""No stored XSS through the knowledge base (issue 11, section 6).

Before: a ticket whose description held ``<script>`` and ``<img onerror>`` became a draft with
that HTML verbatim; with the TODOs filled in, ``triage kb check`` passed it and the built site
served the script. Now the draft escapes the customer's text and the check refuses raw HTML
outside a short allow-list, naming file, line and field.
"""

from __future__ import annotations

from datetime import date

import markdown
import pytest

from tests.conftest import line_of, write_article
from tests.kb.test_drafts import check, complete
from triage.kb.drafts import Incident, write_draft
from triage.kb.raw_html import escape_markdown, raw_html, tag_in_text

TODAY = date(2026, 11, 23)
EVIL = (
    '<script>alert("xss")</script> the portal shows 500\n'
    '<img src=x onerror="alert(1)"> and [click](javascript:alert(2)) `code` *bold*'
)
INC = Incident(
    ref="SUP-000666",
    request_class="component",
    lang="ru",
    module='Portal<script>alert("m")</script>',
    version="4.2",
    description=EVIL,
    steps="<iframe src=//evil.test></iframe>",
    resolution="Fixed <b onmouseover=alert(3)>it</b>.",
)


def rendered(path) -> str:
    """The draft's body as the site renders it (Python-Markdown, as mkdocs does)."""
    body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    return markdown.markdown(body)


def test_a_draft_from_a_hostile_ticket_is_inert(tmp_path):
    root = tmp_path / "kb"
    write_article(root, "component", "lb-basics")
    path = write_draft(root, INC, "olga", TODAY)
    html = rendered(path)
    for raw in ("<script", "<img", "<iframe", "<b ", 'href="javascript'):
        assert raw not in html, raw
    assert "&lt;script&gt;" in html  # the customer's words are still there, as text
    assert "*bold*" in html and "`code`" in html
    path.write_text(complete(path), encoding="utf-8")
    code, out = check(root)
    assert code == 0, out  # the escaped text is fine once completed
    text = path.read_text(encoding="utf-8")
    head = text.split("\n---\n", 1)[0]
    assert "<" not in head and ">" not in head  # title, questions, module: plain text


def test_check_refuses_raw_html_in_a_completed_draft(tmp_path):
    root = tmp_path / "kb"
    write_article(root, "component", "lb-basics")
    path = write_draft(root, INC, "olga", TODAY)
    text = complete(path).replace("## Причина", '## Причина\n\n<img src=x onerror="alert(1)">')
    text = text.replace("## Решение", "## Решение\n\n<script>alert(1)</script>")
    path.write_text(text, encoding="utf-8")
    code, out = check(root)
    assert code == 1
    rel = f"component/{path.name}"
    assert f"{rel}:{line_of(path, '<img')}: body: raw HTML <img>" in out
    assert f"{rel}:{line_of(path, '<script>')}: body: raw HTML <script>" in out


@pytest.mark.parametrize(
    "body",
    [
        "text <span style='x'>a</span> more",
        '<div onclick="x()">block</div>',
        "<kbd class='k'>Ctrl</kbd>",
        "a <a href='javascript:alert(1)'>link</a>",
        "<!DOCTYPE html>",
        "<style>body{}</style>",
    ],
)
def test_raw_html_refused(body):
    assert raw_html(f"# T\n\nline\n\n{body}\n")[0].offset == 4


@pytest.mark.parametrize(
    "body",
    [
        "Press <kbd>Ctrl</kbd>+<kbd>C</kbd>, H<sub>2</sub>O, x<sup>2</sup>, a<br>b<br/>c<br />",
        "<details>\n<summary>More</summary>\n\nHidden text.\n\n</details>",
        "<!-- a writer's note -->",
        "`/proc/<pid>/fd` and\n\n```\ncat </dev/null <script>\n```\n\n    <indented code>",
        "a < b and c > d, <https://example.com> and <ann@example.com>",
    ],
)
def test_allowed_html_code_and_autolinks_pass(body):
    assert raw_html(body) == []


def test_check_refuses_tags_in_front_matter_texts(tmp_path):
    root = tmp_path / "kb"
    path = write_article(
        root, "access", "xss", title="Reset <img src=x onerror=alert(1)>", tags=["<b>t</b>"]
    )
    code, out = check(root, strict=False)
    assert code == 1
    assert f"access/xss.en.md:{line_of(path, 'title:')}: title: must not hold HTML tags" in out
    assert f"access/xss.en.md:{line_of(path, 'tags:')}: tags: must not hold HTML tags" in out


def test_escape_markdown_round_trips_as_text():
    text = "<b>x</b> & [a](javascript:1) `c` *e* _u_ \\ |"
    html = markdown.markdown(escape_markdown(text))
    assert html == "<p>&lt;b&gt;x&lt;/b&gt; &amp; [a](javascript:1) `c` *e* _u_ \\ |</p>"
    assert not tag_in_text(escape_markdown(text))
