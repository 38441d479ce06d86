"""Measure article suggestions on anyone's data: recall@k, MRR and per-query latency."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from triage.engine.search import SearchIndex, build_index
from triage.kb.articles import Article

KS = (1, 3, 5)


class QueryFileError(Exception):
    """A queries file that cannot be read; the message names the line."""


def load_queries(path: Path) -> list[dict]:
    """Read JSONL rows with ``query`` and ``article`` (an id or a list of ids)."""
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QueryFileError(f"{path}:{n}: not JSON: {exc.msg}") from None
        if not isinstance(row, dict) or not row.get("query") or not row.get("article"):
            raise QueryFileError(f"{path}:{n}: needs 'query' and 'article'")
        rows.append(row)
    return rows


def expected_ids(row: dict) -> set[str]:
    """The ids of which any counts as a hit for one query row."""
    want = row["article"]
    return {str(x) for x in want} if isinstance(want, list) else {str(want)}


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks."""
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def score_rankings(rankings: list[list[str]], queries: list[dict]) -> dict:
    """recall@1/3/5 and MRR (first right id; 0 when none in the ranking) for each query."""
    n = len(queries)
    hits = {k: 0 for k in KS}
    rr = 0.0
    for ids, row in zip(rankings, queries, strict=True):
        want = expected_ids(row)
        rank = next((i for i, x in enumerate(ids, 1) if x in want), None)
        if rank:
            rr += 1 / rank
            for k in KS:
                hits[k] += rank <= k
    out = {f"recall@{k}": hits[k] / n if n else 0.0 for k in KS}
    out["mrr"] = rr / n if n else 0.0
    return out


def run_queries(
    search: Callable[[str, dict], list[str]], queries: list[dict], progress=None
) -> tuple[list[list[str]], list[float]]:
    """Rankings and per-query latency in milliseconds of a search function."""
    rankings, latency = [], []
    for row in queries:
        start = time.perf_counter()
        ids = search(row["query"], row)
        latency.append((time.perf_counter() - start) * 1000)
        rankings.append(ids)
        if progress:
            progress(1)
    return rankings, latency


def evaluate_suggest(
    articles: Iterable[Article], queries: list[dict], limit: int = 10, progress=None
) -> dict:
    """Build a fresh index in a temp dir from articles and score the queries against it."""
    articles = list(articles)
    with tempfile.TemporaryDirectory(prefix="triage-eval-") as tmp:
        build_index(articles, Path(tmp))
        index = SearchIndex.open(Path(tmp))
        index.suggest("warm up the searcher")

        def search(text: str, row: dict) -> list[str]:
            return [s.id for s in index.suggest(text, lang=row.get("lang"), limit=limit)]

        rankings, latency = run_queries(search, queries, progress)
        index.close()
    result = score_rankings(rankings, queries)
    result["latency_ms_p50"] = percentile(latency, 50)
    result["latency_ms_p99"] = percentile(latency, 99)
    result["queries"] = len(queries)
    result["articles"] = len({a.id for a in articles})
    return result


def choose_share_threshold(
    pairs: list[tuple[float, bool]], precision: float = 0.9, grid: int = 50
) -> float:
    """The smallest score threshold whose kept pairs (score >= t) are right often enough.

    ``pairs`` are (score, top suggestion right?); 1.0 when no threshold reaches `precision`.
    """
    for step in range(grid + 1):
        t = 0.5 + 0.5 * step / grid
        kept = [ok for score, ok in pairs if score >= t]
        if kept and sum(kept) / len(kept) >= precision:
            return t
    return 1.0
