"""Article suggestions: our engine vs the help site's own search (mkdocs-material + lunr).

Rows: the project's held-out questions that name an article (KB + training questions indexed,
as ``triage index`` does), through ``suggest`` and through ``decide`` (predicted class as the
boost); ``../shared/eval/wixqa``; and the same queries against Material's search index searched
with lunr under Node. Then the self-service rule, cross-validated on the training rows.
Targets: wixqa recall@3 >= 0.90 and above lunr; held-out top-3 >= 0.95; decide() p99 < 15 ms.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path

from bench import lunr
from triage import settings
from triage.engine.decide import SELF_SERVICE_SHARE, Engine, top_share
from triage.engine.evaluate_search import (
    choose_share_threshold,
    evaluate_suggest,
    load_queries,
    percentile,
    run_queries,
    score_rankings,
)
from triage.engine.search import SearchIndex, build_index
from triage.kb.articles import load_kb, load_loose

WIXQA = Path(settings.project_root()).parent / "shared" / "eval" / "wixqa"
FOLDS, PRECISION = 5, 0.9


def _row(data: str, system: str, m: dict) -> dict:
    keys = ["recall@1", "recall@3", "recall@5", "mrr", "latency_ms_p50", "latency_ms_p99"]
    return {"data": data, "system": system, **{k: m[k] for k in keys if k in m}} | {
        "queries": m.get("queries", ""),
        "articles": m.get("articles", ""),
    }


def _lunr_row(data: str, index: Path, rows: list[dict], by_url: dict[str, str]) -> dict:
    pages, latency, build_ms = lunr.lunr_rank(index, [r["query"] for r in rows])
    m = score_rankings([lunr.page_to_id(p, by_url) for p in pages], rows)
    m |= {"latency_ms_p50": percentile(latency, 50), "latency_ms_p99": percentile(latency, 99)}
    m |= {"queries": len(rows), "articles": len(set(by_url.values()))}
    return _row(data, f"mkdocs-material lunr (index {build_ms:.0f} ms)", m)


def wixqa_rows() -> list[dict]:
    """Our engine and Material's lunr on the WixQA sample."""
    articles = load_loose(WIXQA / "kb")
    rows = load_queries(WIXQA / "queries.jsonl")
    ours = _row("wixqa", "triage suggest() (BM25F)", evaluate_suggest(articles, rows))
    with tempfile.TemporaryDirectory() as tmp:
        index = lunr.material_index(articles, Path(tmp))
        theirs = _lunr_row("wixqa", index, rows, {f"{a.id}/": a.id for a in articles})
    return [ours, theirs]


def _own_data(cfg: dict) -> tuple[list, list[tuple[str, str, str]], list[dict]]:
    articles = load_kb(Path(cfg["KB_DIR"]))
    data = Path(cfg["DATA_DIR"])
    train = [json.loads(x) for x in (data / "train.jsonl").read_text().splitlines() if x.strip()]
    questions = [(r["article"], r.get("lang", "en"), r["text"]) for r in train if r.get("article")]
    held = [json.loads(x) for x in (data / "heldout.jsonl").read_text().splitlines() if x.strip()]
    rows = [{"query": r["text"], "article": r.get("article"), "lang": r.get("lang")} for r in held]
    return articles, questions, [r for r in rows if r["article"]]


def _decide_row(cfg: dict, index: SearchIndex, rows: list[dict]) -> dict | None:
    from triage.engine.classifier import Classifier, ModelError
    from triage.engine.policy import load_policy

    try:
        model = Classifier.load(Path(cfg["MODEL_DIR"]))
    except ModelError:  # none yet, or of an older format: train one as `triage train` does
        from bench.classify import _kb_questions
        from triage.engine.classifier import train
        from triage.engine.examples import read_examples

        model = train(read_examples(Path(cfg["DATA_DIR"]) / "train.jsonl") + _kb_questions())
    engine = Engine(load_policy(Path(cfg["POLICY_FILE"])), model, index)
    engine.decide("warm up")

    def search(text: str, row: dict) -> list[str]:
        return [s.id for s in engine.decide(text, row.get("lang")).suggestions]

    rankings, latency = run_queries(search, rows)
    m = score_rankings(rankings, rows) | {"queries": len(rows)}
    m |= {"latency_ms_p50": percentile(latency, 50), "latency_ms_p99": percentile(latency, 99)}
    return _row("own held-out", "triage decide() (class boost)", m)


def own_rows(cfg: dict) -> list[dict]:
    """Held-out questions with an article: suggest, decide and lunr over the project's site."""
    articles, questions, rows = _own_data(cfg)
    if not rows:
        return []
    by_url = {a.url: a.id for a in articles}
    with tempfile.TemporaryDirectory() as tmp:
        build_index(articles, Path(tmp) / "index", questions)
        index = SearchIndex.open(Path(tmp) / "index")
        index.suggest("warm up")

        def search(text: str, row: dict) -> list[str]:
            return [s.id for s in index.suggest(text, row.get("lang"))]

        rankings, latency = run_queries(search, rows)
        m = score_rankings(rankings, rows) | {
            "queries": len(rows),
            "articles": len(set(by_url.values())),
        }
        m |= {"latency_ms_p50": percentile(latency, 50), "latency_ms_p99": percentile(latency, 99)}
        out = [_row("own held-out", "triage suggest()", m), _decide_row(cfg, index, rows)]
        site = lunr.site_index(Path(cfg["SITE_DIR"]), Path(tmp))
        out.append(_lunr_row("own held-out", site, rows, by_url))
    return [r for r in out if r]


def self_service_rows(cfg: dict) -> tuple[list[dict], str]:
    """Cross-validated (top share, top right?) pairs on training rows; the rule's figures."""
    articles, questions, _ = _own_data(cfg)
    order = list(range(len(questions)))
    random.Random(0).shuffle(order)
    pairs: list[tuple[float, bool]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(FOLDS):
            test = {i for n, i in enumerate(order) if n % FOLDS == k}
            train = [q for i, q in enumerate(questions) if i not in test]
            build_index(articles, Path(tmp) / f"f{k}", train)
            index = SearchIndex.open(Path(tmp) / f"f{k}")
            for i in sorted(test):
                found = index.suggest(questions[i][2], questions[i][1])
                pairs.append((top_share(found), bool(found) and found[0].id == questions[i][0]))
    chosen = choose_share_threshold(pairs, PRECISION)
    rows = [_share_row(t, pairs) for t in sorted({SELF_SERVICE_SHARE, chosen})]
    return rows, f"self-service: smallest share with precision >= {PRECISION} is {chosen:.2f}"


def _share_row(t: float, pairs: list[tuple[float, bool]]) -> dict:
    kept = [ok for share, ok in pairs if share >= t]
    precision = sum(kept) / len(kept) if kept else 0.0
    return {"data": f"own train, {FOLDS}-fold CV", "system": f"self-service share >= {t:.2f}"} | {
        "precision": precision,
        "coverage": len(kept) / len(pairs) if pairs else 0.0,
        "queries": len(pairs),
    }


def run() -> dict:
    """All rows and notes of the suggest section."""
    cfg = settings.load()
    start = time.perf_counter()
    rows = own_rows(cfg) + wixqa_rows()
    ss_rows, note = self_service_rows(cfg)
    notes = [
        "recall@k: a right article among the first k; latency per query in-process "
        "(lunr: in Node, index built once)",
        "own held-out rows: only rows naming an article; index = KB + training questions",
        note,
        f"section took {time.perf_counter() - start:.0f} s",
    ]
    if not rows or rows[0]["data"] != "own held-out":
        notes.insert(0, "no held-out rows with an article in DATA_DIR/heldout.jsonl")
    return {"rows": rows + ss_rows, "notes": notes}
