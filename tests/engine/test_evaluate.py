"""Evaluation: the metric functions and ``triage eval classify`` against hand-computed figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from triage.cli import main
from triage.engine.evaluate import (
    ABSTAIN,
    accuracy,
    classify_scores,
    macro_f1,
    per_class_f1,
    percentile,
    read_examples,
)
from triage.engine.examples import DataError


def test_metrics_by_hand() -> None:
    gold = ["a", "a", "b", "b", "c"]
    pred = ["a", "b", "b", "b", "a"]
    assert accuracy(gold, pred) == 3 / 5
    # a: tp 1, fp 1, fn 1 -> 1/2; b: tp 2, fp 1, fn 0 -> 4/5; c: tp 0 -> 0
    assert per_class_f1(gold, pred) == {"a": 0.5, "b": 0.8, "c": 0.0}
    assert macro_f1(gold, pred) == pytest.approx((0.5 + 0.8 + 0.0) / 3)
    assert accuracy([], []) is None and macro_f1([], []) is None


def test_classify_scores_with_abstentions_by_hand() -> None:
    gold = ["a", "a", "b", "b", "x", "y"]  # x and y never occur in training
    pred = ["a", ABSTAIN, "b", "a", ABSTAIN, "a"]
    s = classify_scores(gold, pred, known={"a", "b"})
    # answered in-scope rows: (a,a) (b,b) (b,a): accuracy 2/3
    assert s["accuracy"] == pytest.approx(2 / 3)
    # a: tp 1, fp 1, fn 0 -> 2/3; b: tp 1, fp 0, fn 1 -> 2/3
    assert s["per_class_f1"] == pytest.approx({"a": 2 / 3, "b": 2 / 3})
    assert s["macro_f1"] == pytest.approx(2 / 3)
    assert s["in_scope_accuracy"] == 2 / 4  # the abstention on row 2 counts as an error
    assert s["unknown_recall"] == 1 / 2
    assert classify_scores(["a"], ["a"], {"a"})["unknown_recall"] is None


def test_percentile() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([5.0], 99) == 5.0 and percentile([], 50) is None


TRAIN = {
    "billing": ["invoice amount wrong", "refund my payment", "charged twice on my card"],
    "login": ["cannot log in", "password reset fails", "locked out of my account"],
}


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _train_rows() -> list[dict]:
    return [{"text": t, "label": k} for k, texts in TRAIN.items() for t in texts * 3]


def test_eval_classify_cli_by_hand(tmp_path: Path) -> None:
    train = _write(tmp_path / "train.jsonl", _train_rows())
    test = _write(
        tmp_path / "test.jsonl",
        [
            {"text": "refund my payment", "label": "billing"},  # right
            {"text": "charged twice on my card", "label": "billing"},  # right
            {"text": "password reset fails", "label": "login"},  # right
            {"text": "invoice amount wrong", "label": "login"},  # wrong: says billing
            {"text": "qqq zzz xxx", "label": "weather"},  # out of scope: abstains
        ],
    )
    result = CliRunner().invoke(
        main, ["eval", "classify", "--train", str(train), "--test", str(test), "--json"]
    )
    assert result.exit_code == 0, result.output
    got = json.loads(result.output.strip().splitlines()[-1])
    # billing: tp 2, fp 1, fn 0 -> 4/5; login: tp 1, fp 0, fn 1 -> 2/3
    assert got["accuracy"] == 3 / 4 and got["in_scope_accuracy"] == 3 / 4
    assert got["per_class_f1"] == pytest.approx({"billing": 0.8, "login": 2 / 3})
    assert got["macro_f1"] == pytest.approx((0.8 + 2 / 3) / 2)
    assert got["unknown_recall"] == 1.0 and got["test_rows"] == 5
    assert got["threshold"] > 0


def test_eval_classify_reads_csv_and_class_field(tmp_path: Path) -> None:
    csv = tmp_path / "test.csv"
    csv.write_text("text,label\nrefund my payment,billing\ncannot log in,login\n")
    ours = _write(tmp_path / "train.jsonl", [{**r, "class": r.pop("label")} for r in _train_rows()])
    assert read_examples(ours)[0].label == "billing"
    result = CliRunner().invoke(
        main, ["eval", "classify", "--train", str(ours), "--test", str(csv), "--val", str(csv)]
    )
    assert result.exit_code == 0, result.output
    assert "accuracy: 1.0000" in result.output and "unknown_recall: None" in result.output


def test_eval_classify_rejects_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "hello"}\n')
    result = CliRunner().invoke(main, ["eval", "classify", "--train", str(bad), "--test", str(bad)])
    assert result.exit_code != 0 and "bad.jsonl:1: missing or empty 'label'" in result.output
    (tmp_path / "y.jsonl").write_text("{nope\n")
    with pytest.raises(DataError, match="y.jsonl:1: not JSON"):
        read_examples(tmp_path / "y.jsonl")
