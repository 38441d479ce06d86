"""``triage index`` and ``triage eval suggest``: build the article index, measure suggestions."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from tqdm import tqdm

from triage.cli import common
from triage.cli.evaluation import eval_group
from triage.engine.examples import DataError, read_examples
from triage.engine.language import detect_language
from triage.kb.articles import ArticleError, load_kb, load_loose

DIR = click.Path(exists=True, file_okay=False, path_type=Path)
FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def labelled_questions(path: Path | None) -> list[tuple[str, str, str]]:
    """(article id, language, text) of every row of a labelled file that names an article."""
    if path is None:
        return []
    try:
        rows = read_examples(path)
    except DataError as exc:
        raise click.ClickException(str(exc)) from None
    return [
        (a, e.lang or detect_language(e.text), e.text)
        for e in rows
        if e.article
        for a in e.article.split(",")
    ]


@click.command("index")
@click.option("--kb", "kb_dir", type=DIR, help="Articles to index (default: KB_DIR).")
@click.option(
    "--data", type=FILE, help="Labelled questions naming articles (default: DATA_DIR/train.jsonl)."
)
@click.option("--no-data", is_flag=True, help="Index the articles' own questions only.")
def index_command(kb_dir: Path | None, data: Path | None, no_data: bool) -> None:
    """Rebuild the search index from the published articles (drafts left out).

    The labelled training questions that name an article are indexed with it, so that users
    writing in any language find it. The new index is built beside the live one and switched
    to atomically: a running service picks it up without a restart.
    """
    from triage.engine.search import build_index

    cfg = common.config()
    root = kb_dir or Path(str(cfg["KB_DIR"]))
    default = Path(str(cfg["DATA_DIR"])) / "train.jsonl"
    data = None if no_data else data or (default if default.is_file() else None)
    try:
        articles = load_kb(root)
    except ArticleError as exc:
        raise click.ClickException(f"{exc} (run `triage kb check`)") from None
    if not articles:
        raise click.ClickException(f"{root}: no published articles to index")
    questions = labelled_questions(data)
    start = time.perf_counter()
    with (
        tqdm(total=len(articles), unit="article", desc="indexing", leave=False) as bar,
        tqdm(unit="vector", desc="embedding new or changed articles", leave=False) as vec,
    ):
        version = build_index(
            articles, Path(str(cfg["INDEX_DIR"])), questions, lambda _: bar.update(), vec.update
        )
    langs = sorted({a.lang for a in articles})
    click.echo(
        f"indexed {len({a.id for a in articles})} articles ({len(articles)} files; "
        f"{', '.join(langs)}) and {len(questions)} labelled questions into {version} "
        f"in {time.perf_counter() - start:.1f} s"
    )


@eval_group.command("suggest")
@click.option("--kb", "kb_dir", type=DIR, required=True, help="Folder of Markdown articles.")
@click.option("--queries", type=FILE, required=True, help="JSONL rows with query and article.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def eval_suggest(kb_dir: Path, queries: Path, as_json: bool) -> None:
    """Index the articles below --kb afresh and measure suggestions for --queries.

    Articles need only ``id`` and ``title`` in their front matter (file name and first
    heading stand in). Reports recall@1/3/5, MRR and per-query latency (p50, p99).
    """
    from triage.engine.evaluate_search import QueryFileError, evaluate_suggest, load_queries

    try:
        rows = load_queries(queries)
    except QueryFileError as exc:
        raise click.ClickException(str(exc)) from None
    articles = load_loose(kb_dir)
    if not articles or not rows:
        raise click.ClickException("need at least one article and one query")
    with tqdm(total=len(rows), unit="query", leave=False) as bar:
        result = evaluate_suggest(articles, rows, progress=bar.update)
    if as_json:
        click.echo(json.dumps(result))
        return
    for key, value in result.items():
        click.echo(f"{key:16} {value:.3f}" if isinstance(value, float) else f"{key:16} {value}")
    click.echo(
        f"{result['queries']} queries over {result['articles']} articles: "
        f"recall@3 {result['recall@3']:.3f}, MRR {result['mrr']:.3f}"
    )
