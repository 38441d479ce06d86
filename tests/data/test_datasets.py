"""The labelled data in data/: valid rows, a real held-out split, and no leaks between them."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from triage.engine.policy import Policy
from triage.kb.articles import LANGS, load_kb

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
LABELLED = ("train.jsonl", "heldout.jsonl")
FIELDS = {"text", "class", "priority", "lang", "article"}
MIN_CHARS = 25  # a shared word 5-gram at least this long marks a near duplicate


def read(name: str) -> list[dict]:
    """The rows of one data file."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def words(text: str) -> list[str]:
    """The lower-cased words of a text (letters and digits, any script)."""
    return re.findall(r"\w+", text.lower())


def long_grams(text: str, n: int = 5) -> set[str]:
    """The word n-grams of a text that are at least MIN_CHARS long."""
    w = words(text)
    grams = (" ".join(w[i : i + n]) for i in range(len(w) - n + 1))
    return {g for g in grams if len(g) >= MIN_CHARS}


@pytest.fixture(scope="module")
def train() -> list[dict]:
    """data/train.jsonl."""
    return read("train.jsonl")


@pytest.fixture(scope="module")
def heldout() -> list[dict]:
    """data/heldout.jsonl."""
    return read("heldout.jsonl")


@pytest.mark.parametrize("name", LABELLED)
def test_every_labelled_row_is_valid(name: str, policy: Policy) -> None:
    rows = read(name)
    assert rows, f"{name} is empty"
    for i, row in enumerate(rows, 1):
        where = f"{name}:{i}"
        assert set(row) <= FIELDS and {"text", "class", "priority", "lang"} <= set(row), where
        assert isinstance(row["text"], str) and row["text"].strip(), where
        assert row["class"] in policy.classes, f"{where}: unknown class {row['class']}"
        assert row["priority"] in policy.priorities, f"{where}: priority {row['priority']}"
        assert row["lang"] in LANGS, f"{where}: language {row['lang']}"


def test_article_ids_exist_in_the_knowledge_base(train: list[dict], heldout: list[dict]) -> None:
    ids = {a.id for a in load_kb(ROOT / "kb")}
    missing = sorted({r["article"] for r in train + heldout if "article" in r} - ids)
    assert not missing, f"article ids not in kb/: {missing}"


def test_heldout_is_at_least_a_fifth(train: list[dict], heldout: list[dict]) -> None:
    assert len(heldout) >= 0.2 * (len(train) + len(heldout))


def test_half_of_heldout_rows_name_an_article(heldout: list[dict]) -> None:
    assert sum("article" in r for r in heldout) >= len(heldout) / 2


def test_no_heldout_text_duplicates_a_training_text(train: list[dict], heldout: list[dict]) -> None:
    seen = {" ".join(words(r["text"])) for r in train}
    grams: set[str] = set().union(*(long_grams(r["text"]) for r in train))
    for row in heldout:
        assert " ".join(words(row["text"])) not in seen, f"exact duplicate: {row['text']!r}"
        shared = long_grams(row["text"]) & grams
        assert not shared, f"near duplicate of a training text: {row['text']!r} {shared}"


@pytest.mark.parametrize("name", LABELLED)
def test_no_duplicates_within_a_file(name: str) -> None:
    texts = Counter(" ".join(words(r["text"])) for r in read(name))
    assert [t for t, n in texts.items() if n > 1] == []


def test_every_class_has_enough_rows_and_two_priorities(
    train: list[dict], heldout: list[dict], policy: Policy
) -> None:
    rows = train + heldout
    for klass in policy.classes:
        sub = [r for r in rows if r["class"] == klass]
        assert len(sub) >= 80, f"{klass}: {len(sub)} rows"
        assert len({r["priority"] for r in sub}) >= 2, f"{klass}: one priority only"
        assert any(r["class"] == klass for r in train), f"{klass}: not in train"
        assert any(r["class"] == klass for r in heldout), f"{klass}: not in held-out"


@pytest.mark.parametrize("name", LABELLED)
def test_every_language_is_present(name: str) -> None:
    langs = Counter(r["lang"] for r in read(name))
    assert set(langs) == set(LANGS)


def test_oos_rows_are_valid_and_never_labelled(train: list[dict], heldout: list[dict]) -> None:
    rows = read("oos.jsonl")
    assert len(rows) >= 40
    assert all(set(r) == {"text", "lang"} and r["lang"] in LANGS for r in rows)
    labelled = {" ".join(words(r["text"])) for r in train + heldout}
    assert not [r["text"] for r in rows if " ".join(words(r["text"])) in labelled]
