"""The only glue between the knowledge base and mkdocs: every published article becomes a page.

The pages themselves are written by ``triage.kb.site`` (plain Markdown, no mkdocs import), so a
change of site generator replaces this file and the theme overrides, nothing else.
The knowledge base is ``$FRONTLINE_KB_DIR`` when set, else ``KB_DIR`` of the project settings
(``kb/`` beside mkdocs.yml). A knowledge base that fails ``triage kb check`` stops the build.
"""

from __future__ import annotations

import logging
import os
from datetime import date
from pathlib import Path

from jinja2 import pass_context
from markupsafe import Markup
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files, InclusionLevel

from triage import settings
from triage.engine.policy import PolicyError, load_policy
from triage.kb.articles import DEFAULT_LANG, LANGS, Article
from triage.kb.checks import check_and_load, errors_only
from triage.kb.html_scan import scan
from triage.kb.site import (
    LANG_NAMES,
    SECTIONS_MARKER,
    Section,
    counts_by_lang,
    home_uri,
    index_uri,
    sections_list,
    site_pages,
)

log = logging.getLogger("mkdocs.hooks.frontline")
NOT_IN_NAV = InclusionLevel.NOT_IN_NAV
_state: dict = {}  # what on_config learnt, for the later events of the same build


def _paths(config) -> tuple[Path, Path, Path]:
    """The project root, the knowledge-base folder and the policy file."""
    root = Path(config.config_file_path).resolve().parent
    cfg = settings.load(root)
    kb_dir = Path(os.environ.get("FRONTLINE_KB_DIR") or str(cfg["KB_DIR"])).resolve()
    return root, kb_dir, Path(str(cfg["POLICY_FILE"]))


def _check(root: Path, kb_dir: Path, classes) -> list[Article]:
    """Log every problem of ``triage kb check``; stop on any error, else the published articles."""
    problems, articles = check_and_load(kb_dir, classes, date.today())
    for p in problems:
        (log.error if p.severity == "error" else log.info)(p.format(root))
    errors = errors_only(problems)
    if errors:
        raise PluginError(
            f"the knowledge base {kb_dir} fails `triage kb check` with {len(errors)} "
            "error(s), listed above as path:LINE: field: message"
        )
    return [a for a in articles if not a.is_draft]


def _nav(nav: list, sections: list[Section], counts: dict[str, dict[str, int]]) -> list:
    """The configured nav with ``kb:sections`` and ``kb:languages`` filled in."""
    fill = {
        "kb:sections": [
            {s.name(DEFAULT_LANG): index_uri(s.id, DEFAULT_LANG)}
            for s in sections
            if counts.get(DEFAULT_LANG, {}).get(s.id)
        ],
        "kb:languages": [
            {LANG_NAMES[lang]: home_uri(lang)} for lang in LANGS[1:] if lang in counts
        ],
    }
    out = []
    for item in nav or []:
        value = next(iter(item.values())) if isinstance(item, dict) and len(item) == 1 else None
        if isinstance(value, str) and value in fill:
            if not fill[value]:
                continue
            item = {next(iter(item)): fill[value]}
        out.append(item)
    return out


def _fast_search_parser() -> None:
    """Let Material's search plugin split plain page HTML with ``html_scan`` (same events).

    Its parser runs html.parser on every page; fed by the scanner instead, it makes the same
    sections and the same search_index.json. HTML the scanner declines goes to html.parser.
    """
    try:
        from material.plugins.search import plugin as search
    except ImportError:
        return
    base = getattr(search, "Parser", None)
    if base is None or getattr(base, "kb_scanned", False):
        return

    class ScannedParser(base):
        kb_scanned = True

        def feed(self, data: str) -> None:
            if not scan(data, self):
                super().feed(data)

    search.Parser = ScannedParser


def on_config(config):
    """Check and load the knowledge base; fill the nav with its sections and languages."""
    _fast_search_parser()
    root, kb_dir, policy_file = _paths(config)
    if not kb_dir.is_dir():
        raise PluginError(f"{kb_dir}: no such knowledge-base folder (see FRONTLINE_KB_DIR)")
    try:
        policy = load_policy(policy_file)
    except PolicyError as exc:
        raise PluginError(str(exc)) from None
    articles = _check(root, kb_dir, policy.classes)
    sections = [Section(c.id, c.names, c.descriptions) for c in policy.classes.values()]
    counts = counts_by_lang(articles)
    _state.clear()
    _state.update(kb_dir=kb_dir, articles=articles, sections=sections, counts=counts)
    # Languages are switched per article and through the nav, not with material's
    # extra.alternate: its script turns every link into another language's folder into
    # "this page in that language", which breaks search results and translation links.
    config.nav = _nav(config.nav, sections, counts)
    log.info("knowledge base %s: %d published articles", kb_dir, len(articles))
    return config


def on_files(files: Files, config) -> Files:
    """Add a generated page for every article, class index and language home."""
    try:
        pages = site_pages(_state["articles"], _state["sections"])
    except ValueError as exc:
        raise PluginError(str(exc)) from None
    _state["meta"] = {}
    for page in pages:
        if files.get_file_from_path(page.src_uri) is not None:
            raise PluginError(f"docs/{page.src_uri} clashes with a page generated from kb/")
        # The front matter is handed over as data (on_page_markdown), not parsed from YAML;
        # the leading blank line tells mkdocs that the file has no meta-data of its own.
        _state["meta"][page.src_uri] = page.meta
        content = "\n" + page.markdown
        files.append(File.generated(config, page.src_uri, content=content, inclusion=NOT_IN_NAV))
    return files


@event_priority(100)  # first: the tags and search plugins read the meta-data set here
def on_page_markdown(markdown: str, page, config, files) -> str:
    """Give a generated page its front matter; fill a hand-written page's sections marker."""
    meta = _state["meta"].get(page.file.src_uri)
    if meta is not None:
        page.meta = meta
        return markdown
    if SECTIONS_MARKER not in markdown:
        return markdown
    counts = _state["counts"].get(DEFAULT_LANG, {})
    return markdown.replace(SECTIONS_MARKER, sections_list("en", _state["sections"], counts))


class _Outside:
    """A page outside the nav as the nav sees it: only its folder depth (nothing is active)."""

    def __init__(self, depth: int) -> None:
        self.url = "_/" * depth
        self.active = False
        self.meta: dict = {}


def _shared_nav(env):
    """A template global rendering the primary nav once per depth for pages not in the nav.

    The nav is the same on every article page but for its relative links, and Material's nav
    macros are the costliest part of a page's template: rendered once, it is reused verbatim.
    """
    cache: dict[int, Markup] = {}

    @pass_context
    def kb_shared_nav(context) -> Markup:
        page, nav = context["page"], context["nav"]
        if page is None or page in nav.pages:
            return Markup(env.get_template("partials/nav.html").render(context.get_all()))
        depth = page.url.count("/")
        if depth not in cache:
            ctx = {**context.get_all(), "page": _Outside(depth)}
            cache[depth] = Markup(env.get_template("partials/nav.html").render(ctx))
        return cache[depth]

    return kb_shared_nav


def _once():
    """A template global: a block that depends only on the page's folder depth, rendered once.

    ``{{ kb_once("config", super) }}`` in a block of main.html renders Material's block the
    first time a folder depth is seen and reuses the markup for every other page that deep
    (the links in it are relative to the page, so they differ only by depth).
    """
    cache: dict[tuple[str, str], Markup] = {}

    @pass_context
    def kb_once(context, name: str, render) -> Markup:
        key = (name, str(context["base_url"]))
        if key not in cache:
            cache[key] = Markup(render())
        return cache[key]

    return kb_once


class _Titled:
    """A page as the header sees it: its url (for relative links) and a stand-in title."""

    def __init__(self, url: str, title: str) -> None:
        self.url = url
        self.title = title
        self.meta = {"title": title}


def _shared_header(env):
    """A template global rendering Material's header once per depth, then the page's title.

    The header differs between pages only by its relative links and the title it shows; it is
    rendered with a placeholder title and the placeholder replaced.
    """
    cache: dict[str, str] = {}
    placeholder = "\x00kb-page-title\x00"

    @pass_context
    def kb_shared_header(context) -> Markup:
        page = context["page"]
        if page is None:
            return Markup(env.get_template("partials/header.html").render(context.get_all()))
        key = str(context["base_url"])
        if key not in cache:
            ctx = {**context.get_all(), "page": _Titled(page.url, placeholder)}
            cache[key] = env.get_template("partials/header.html").render(ctx)
        title = page.meta.get("title") if page.meta else None
        return Markup(cache[key].replace(placeholder, str(title or page.title)))

    return kb_shared_header


def _translate(env, language: str):
    """Material's t(key) for the site's language, each key looked up once per build."""
    own = env.get_template(f"partials/languages/{language}.html").module
    english = env.get_template("partials/languages/en.html").module
    cache: dict[str, str] = {}

    def kb_translate(key: str) -> str:
        if key not in cache:
            cache[key] = str(own.t(key) or english.t(key) or key)
        return cache[key]

    return kb_translate


def on_env(env, config, files):
    """Give the templates the shared nav, header, blocks and UI strings (fresh every build)."""
    env.globals["kb_shared_nav"] = _shared_nav(env)
    env.globals["kb_shared_header"] = _shared_header(env)
    env.globals["kb_once"] = _once()
    env.globals["kb_translate"] = _translate(env, config.theme["language"])
    env.globals["kb_labels"] = env.get_template("partials/kb-labels.html").module.labels
    return env


def on_serve(server, config, builder):
    """Rebuild when an article changes under ``mkdocs serve``."""
    server.watch(str(_state["kb_dir"]))
    return server
