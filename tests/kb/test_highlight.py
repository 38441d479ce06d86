"""Code blocks highlighted through the shared-formatter fence look exactly as pymdownx's own."""

from __future__ import annotations

import markdown
import pytest
from pymdownx.superfences import highlight_validator

from tests.conftest import ROOT
from tests.kb.markdown_setup import EXTENSIONS
from triage.kb import highlight
from triage.kb.articles import load_kb

FENCE = {"name": "*", "class": "highlight", "format": highlight.fence}
FENCES = {"custom_fences": [FENCE | {"validator": highlight_validator}]}


def pymdownx_html(text: str, **hl) -> str:
    """The HTML of pymdownx's own highlighting (Pygments on)."""
    configs = {"pymdownx.highlight": hl}
    return markdown.Markdown(extensions=EXTENSIONS, extension_configs=configs).convert(text)


def fence_html(text: str, **hl) -> str:
    """The HTML with the site's fence for every code block."""
    configs = {"pymdownx.highlight": hl, "pymdownx.superfences": FENCES}
    return markdown.Markdown(extensions=EXTENSIONS, extension_configs=configs).convert(text)


def test_real_articles_render_the_same_and_use_the_shared_formatter():
    bodies = [a.body for a in load_kb(ROOT / "kb") if "```" in a.body]
    assert bodies
    highlight._tools.cache_clear()
    for body in bodies:
        assert fence_html(body) == pymdownx_html(body)
    info = highlight._tools.cache_info()  # the shared formatter is the usual path
    assert info.misses <= 10 and info.hits >= len(bodies)


@pytest.mark.parametrize(
    "text",
    [
        "```sh\nls -l | grep x  # list\n```\n",
        "1. Step\n\n    ```console\n    $ frontline vm show a-1\n    ```\n",
        "```\nno language\n```\n",
        "```nosuchlanguage\nabc <b> & c\n```\n",
        '```python hl_lines="2"\nx = 1\ny = 2\n```\n',
        '```python title="setup.py"\nx = 1\n```\n',
        '```python linenums="3"\nx = 1\n```\n',
        '```{.python #code-id .extra data-x="1"}\nx = 1\n```\n',
        "```sh\nfirst\n```\n\ntext\n\n```yaml\nkey: value\n```\n",
    ],
)
def test_every_kind_of_block_renders_the_same(text):
    assert fence_html(text) == pymdownx_html(text)


@pytest.mark.parametrize(
    "settings",
    [
        {"pygments_lang_class": True},
        {"linenums": True},
        {"use_pygments": False},
        {"stripnl": False},
    ],
)
def test_other_highlight_settings_are_honoured(settings):
    text = "```sh\n\nls -l\n```\n"
    assert fence_html(text, **settings) == pymdownx_html(text, **settings)
