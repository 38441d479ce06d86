"""``triage eval suggest``: figures on a tiny foreign KB equal the ones computed by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from triage.cli import main
from triage.engine.evaluate_search import (
    QueryFileError,
    evaluate_suggest,
    load_queries,
    percentile,
    score_rankings,
)
from triage.kb.articles import load_loose

# Ranks by construction: apple -> a (1); kiwi -> a (1) then b (2); cherry -> c only;
# durian -> d only; zzz -> nothing.
QUERIES = [
    {"query": "apple", "article": "a"},  # rank 1
    {"query": "kiwi", "article": "b"},  # rank 2
    {"query": "cherry", "article": ["x", "c"]},  # rank 1 (any listed id counts)
    {"query": "durian", "article": "a"},  # not found
    {"query": "zzz", "article": "b"},  # no results
]
HAND = {"recall@1": 2 / 5, "recall@3": 3 / 5, "recall@5": 3 / 5, "mrr": (1 + 0.5 + 1) / 5}


@pytest.fixture
def foreign_kb(tmp_path: Path) -> Path:
    """Four loose articles: only id/title, nested folders, with and without language suffix."""
    root = tmp_path / "foreign"
    files = {
        "a.md": "---\nid: a\ntitle: Apple\n---\nkiwi kiwi kiwi kiwi mango apple\n",
        "sub/b.en.md": "---\nid: b\n---\n# Berry\nkiwi mango mango mango pear pear\n",
        "sub/deeper/c.md": "---\ntitle: Cherry\n---\ncherry pie recipe\n",
        "d.md": "durian smell\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def queries_file(tmp_path: Path) -> Path:
    """The QUERIES as a JSONL file."""
    path = tmp_path / "queries.jsonl"
    path.write_text("\n".join(json.dumps(q) for q in QUERIES) + "\n", encoding="utf-8")
    return path


def test_figures_equal_hand_computed(foreign_kb: Path) -> None:
    result = evaluate_suggest(load_loose(foreign_kb), QUERIES)
    for key, value in HAND.items():
        assert result[key] == pytest.approx(value), key
    assert result["queries"] == 5 and result["articles"] == 4
    assert 0 < result["latency_ms_p50"] <= result["latency_ms_p99"]


def test_score_rankings_by_hand() -> None:
    rows = [{"query": "q", "article": "a"}, {"query": "q", "article": ["b", "z"]}]
    got = score_rankings([["x", "y", "z", "a"], ["b"]], rows)
    # row 1: "a" at rank 4; row 2: "b" (one of the listed ids) at rank 1
    assert got == {"recall@1": 0.5, "recall@3": 0.5, "recall@5": 1.0, "mrr": (1 / 4 + 1) / 2}


def test_percentile_interpolates() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([5.0, 1.0], 100) == 5.0
    assert percentile([], 99) == 0.0


def test_cli_json_prints_the_same_figures(foreign_kb: Path, queries_file: Path) -> None:
    args = ["eval", "suggest", "--kb", str(foreign_kb), "--queries", str(queries_file), "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output.strip().splitlines()[-1])
    assert {k: pytest.approx(v) for k, v in HAND.items()} == {k: out[k] for k in HAND}
    assert set(out) == {*HAND, "latency_ms_p50", "latency_ms_p99", "queries", "articles"}


def test_cli_table_ends_with_a_summary(foreign_kb: Path, queries_file: Path) -> None:
    args = ["eval", "suggest", "--kb", str(foreign_kb), "--queries", str(queries_file)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "5 queries over 4 articles: recall@3 0.600, MRR 0.500" in result.output


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "not JSON"),
        ('{"query": "q"}', "needs 'query' and 'article'"),
        ("[1]", "needs"),
    ],
)
def test_bad_query_files_name_the_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"query": "a", "article": "a"}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(QueryFileError, match=rf"q.jsonl:3: {message}"):
        load_queries(path)


def test_cli_refuses_bad_queries(foreign_kb: Path, tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text("{oops\n", encoding="utf-8")
    args = ["eval", "suggest", "--kb", str(foreign_kb), "--queries", str(path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0 and "q.jsonl:1: not JSON" in result.output
