"""The help site's own search for comparison: mkdocs-material's search_index.json + lunr (Node).

``material_index(articles)`` builds a throwaway mkdocs project (Material theme, search plugin)
with one page per article; ``site_index()`` uses the project's built site (or builds it); and
``lunr_rank(index, queries)`` runs ``bench/lunr_search.js`` over the index, returning the pages
in the order Material's search worker would list them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from triage.kb.articles import Article

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
NODE_DIR = HERE / "node"
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def lunr_dir() -> Path:
    """Material's copies of the lunr-languages files (the ones its worker loads)."""
    import material

    return Path(material.__file__).parent / "templates/assets/javascripts/lunr/min"


def ensure_lunr() -> None:
    """Install the lunr npm package into bench/node when missing."""
    if not (NODE_DIR / "node_modules" / "lunr").is_dir():
        subprocess.run(
            ["npm", "install", "--silent", "--prefix", str(NODE_DIR), "lunr"], check=True
        )


def material_index(articles: list[Article], work: Path) -> Path:
    """Build a Material site with a page per article; its search_index.json (page = id)."""
    docs = work / "docs"
    docs.mkdir(parents=True)
    for a in articles:
        front = yaml.safe_dump({"title": a.title}, allow_unicode=True)
        (docs / f"{a.id}.md").write_text(f"---\n{front}---\n\n{a.body}", encoding="utf-8")
    config = {"site_name": "bench", "theme": {"name": "material"}, "plugins": ["search"]}
    (work / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    _mkdocs(work / "mkdocs.yml", work / "site")
    return work / "site" / "search" / "search_index.json"


def site_index(site_dir: Path, work: Path) -> Path:
    """The project's site search index: SITE_DIR's if built, else a fresh build in work."""
    built = site_dir / "search" / "search_index.json"
    if built.is_file():
        return built
    _mkdocs(ROOT / "mkdocs.yml", work / "site")
    return work / "site" / "search" / "search_index.json"


def _mkdocs(config: Path, site: Path) -> None:
    cmd = [str(BIN / "mkdocs"), "build", "-q", "-f", str(config), "-d", str(site)]
    subprocess.run(cmd, cwd=config.parent, env=ENV, check=True, capture_output=True)


def lunr_rank(index: Path, queries: list[str]) -> tuple[list[list[str]], list[float], float]:
    """Pages per query (best first), per-query latency (ms), index build time (ms) in Node."""
    ensure_lunr()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(queries, fh)
    try:
        cmd = ["node", str(HERE / "lunr_search.js"), str(index), fh.name, str(lunr_dir())]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(fh.name)
    data = json.loads(out)
    return data["results"], data["latency_ms"], data["build_ms"]


def page_to_id(pages: list[str], by_url: dict[str, str]) -> list[str]:
    """Map page locations (``ru/access/x/``) to article ids, keeping the order, no repeats."""
    ids: list[str] = []
    for page in pages:
        url = page.split("#")[0]
        found = by_url.get(url) or url.strip("/").rsplit("/", 1)[-1]
        if found and found not in ids:
            ids.append(found)
    return ids
