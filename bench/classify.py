"""Benchmark the classifier: our held-out split and CLINC150, with abstention and latency.

Our split: train on data/train.jsonl plus every article's questions, title and summary (as
``triage train`` does), test on data/heldout.jsonl plus data/oos.jsonl (out of scope, label
``oos``); the threshold is chosen by cross-validation on the training rows. CLINC150: train on
train.jsonl, threshold on val.jsonl, test on test.jsonl. Nothing is trained or tuned on a test file.
"""

from __future__ import annotations

import time
from pathlib import Path

from triage.cli.model import kb_examples
from triage.engine.classifier import Classifier, Example, train
from triage.engine.evaluate import accuracy, classify_scores, macro_f1, percentile
from triage.engine.examples import read_examples
from triage.engine.policy import load_policy

ROOT = Path(__file__).resolve().parent.parent
CLINC = ROOT.parent / "shared" / "eval" / "clinc150"
LATENCY_QUERIES = 500


def _kb_questions() -> list[Example]:
    """The articles' questions, titles and summaries, as ``triage train`` adds them."""
    policy = load_policy(ROOT / "policy.yml")
    return kb_examples(ROOT / "kb", {k: c.default_priority for k, c in policy.classes.items()})


def _latency(model: Classifier, texts: list[str]) -> tuple[float, float]:
    """p50 and p99 in ms of single-question predict() after a short warm-up."""
    for text in texts[:20]:
        model.predict(text)
    times = []
    for text in texts[:LATENCY_QUERIES]:
        start = time.perf_counter()
        model.predict(text)
        times.append(1000 * (time.perf_counter() - start))
    return percentile(times, 50) or 0.0, percentile(times, 99) or 0.0


def measure(name: str, rows: list[Example], test: list[Example], val=None, **kw) -> dict:
    """Train, predict the test rows, and report the figures of one dataset."""
    start = time.perf_counter()
    model = train(rows, val, **kw)
    fit = time.perf_counter() - start
    preds = model.predict_many([r.text for r in test])
    gold, known = [r.label for r in test], set(model.classes)
    scores = classify_scores(gold, [p.request_class for p in preds], known)
    top = [max(p.probabilities, key=p.probabilities.__getitem__) for p in preds]
    inside = [(g, t) for g, t in zip(gold, top, strict=True) if g in known]
    p50, p99 = _latency(model, [r.text for r in test])
    return {
        "data": name,
        "train": len(rows),
        "test": len(test),
        "closed_acc": accuracy(*zip(*inside, strict=True)),
        "closed_macro_f1": macro_f1(*zip(*inside, strict=True)),
        "accuracy": scores["accuracy"],
        "macro_f1": scores["macro_f1"],
        "in_scope_acc": scores["in_scope_accuracy"],
        "abstained_in_scope": 1 - scores["answered_rows"] / max(scores["in_scope_rows"], 1),
        "unknown_recall": scores["unknown_recall"],
        "threshold": round(model.threshold, 4),
        "fit_s": round(fit, 1),
        "predict_p50_ms": round(p50, 2),
        "predict_p99_ms": round(p99, 2),
    }, model


def _priority_accuracy(model: Classifier, test: list[Example]) -> float | None:
    rows = [r for r in test if r.priority]
    preds = model.predict_many([r.text for r in rows])
    return accuracy([r.priority for r in rows], [p.priority for p in preds])


def run() -> dict:
    """The classify section of ``make bench``."""
    data = ROOT / "data"
    rows = read_examples(data / "train.jsonl") + _kb_questions()
    held = read_examples(data / "heldout.jsonl")
    test = held + read_examples(data / "oos.jsonl", default_label="oos")
    policy = load_policy(ROOT / "policy.yml")
    defaults = {k: c.default_priority for k, c in policy.classes.items()}
    own, model = measure("own held-out + oos", rows, test, default_priorities=defaults)
    own["priority_acc"] = _priority_accuracy(model, held)
    result_rows, notes = [own], []
    if (CLINC / "train.jsonl").is_file():
        clinc = [read_examples(CLINC / f"{n}.jsonl") for n in ("train", "val", "test")]
        result_rows.append(measure("clinc150 (val threshold)", clinc[0], clinc[2], clinc[1])[0])
    else:
        notes.append(f"{CLINC} not found: clinc150 skipped")
    notes += [
        "closed_acc/closed_macro_f1: top class on in-scope test rows, no abstention",
        "accuracy/macro_f1: in-scope rows the model answered (abstentions left out); "
        "in_scope_acc: abstentions counted as errors; unknown_recall: out-of-scope rows abstained",
        "targets: own macro-F1 >= 0.90; clinc150 closed_acc >= 0.93, unknown_recall >= 0.85 with "
        "in_scope_acc >= 0.88; predict p99 well under 15 ms",
    ]
    return {"rows": result_rows, "notes": notes}
