"""Code-block highlighting for the help site, with Pygments objects made once per language.

``pymdownx.highlight`` builds a new Pygments lexer and HTML formatter for every code block; the
formatter alone costs several times the highlighting of a short block. ``fence`` is a
``pymdownx.superfences`` custom fence for every language (``name: "*"`` in mkdocs.yml): a plain
block (no options such as ``hl_lines`` or ``title``, no attributes or id) is highlighted
with the lexer and formatter pymdownx would make, kept for the next block; any other block goes
to pymdownx's own highlighter. The HTML is the same as pymdownx's either way.
"""

from __future__ import annotations

from functools import cache

from pygments import highlight

_FORMATTER_OPTIONS = {
    "cssclass": "highlight",
    "linenos": False,
    "linenostart": 1,
    "linenostep": 1,
    "linenospecial": 0,
    "noclasses": False,
    "hl_lines": [],
    "wrapcode": True,
    "filename": "",
    "linespans": "",
    "lineanchors": "",
    "anchorlinenos": False,
}


@cache
def _tools(language: str, style: str):
    """The lexer and formatter pymdownx makes for a plain block in a language (shared)."""
    from pymdownx.highlight import BlockHtmlFormatter, Highlight

    lexer, _ = Highlight(None, guess_lang=False).get_lexer("", language, False, True)
    return lexer, BlockHtmlFormatter(style=style, **_FORMATTER_OPTIONS)


# The highlight settings under which a plain block's HTML is exactly the shared formatter's.
_DEFAULTS = {
    "use_pygments": True,
    "guess_lang": False,
    "pygments_lang_class": False,
    "noclasses": False,
    "linenums": None,
    "auto_title": False,
    "line_spans": "",
    "line_anchors": "",
    "default_lang": "",
    "stripnl": True,
    "css_class": "highlight",
    "extend_pygments_lang": [],
}


def _plain(preprocessor, language: str, options, kwargs) -> bool:
    """Whether a block needs nothing but its language, under the default settings."""
    if options or kwargs.get("classes") or kwargs.get("id_value"):
        return False
    if kwargs.get("attrs"):
        return False
    preprocessor.get_hl_settings()
    missing = object()
    return all(getattr(preprocessor, k, missing) == v for k, v in _DEFAULTS.items())


def fence(src: str, language: str, class_name: str, options, md, **kwargs) -> str:
    """Highlight one fenced block (a superfences custom-fence formatter)."""
    preprocessor = md.preprocessors["fenced_code_block"]
    if not _plain(preprocessor, language, options, kwargs):
        return preprocessor.highlight(src=src, language=language, options=options, md=md, **kwargs)
    preprocessor.highlight_ext.pygments_code_block += 1  # as pymdownx counts blocks
    lexer, formatter = _tools(language, preprocessor.pygments_style)
    return highlight(src, lexer, formatter).strip()  # as pymdownx returns it
