"""Labelled questions: the ``Example`` value and readers for JSONL and CSV files (pure, no ML).

A row needs ``text`` and a label, named ``label`` (the public evaluation format) or ``class``
(our own ``data/*.jsonl``); ``priority``, ``lang`` and ``article`` are optional.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class DataError(Exception):
    """A data file that cannot be read as labelled questions, located by file and line."""

    def __init__(self, path: Path | str, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = str(path), line, message


@dataclass(frozen=True)
class Example:
    """One labelled question: its text, class, priority (may be empty) and language."""

    text: str
    label: str
    priority: str = ""
    lang: str = ""
    article: str = ""


def example_from(
    row: dict, path: Path | str = "<row>", line: int = 1, default_label: str | None = None
) -> Example:
    """An Example from one row dict (``label`` or ``class``), or a DataError naming the line."""
    text = row.get("text")
    label = row.get("label", row.get("class")) or default_label
    if not isinstance(text, str) or not text.strip():
        raise DataError(path, line, "missing or empty 'text'")
    if not isinstance(label, str) or not label.strip():
        raise DataError(path, line, "missing or empty 'label' (or 'class')")
    article = row.get("article") or ""
    return Example(
        text=text,
        label=label.strip(),
        priority=str(row.get("priority") or "").strip(),
        lang=str(row.get("lang") or "").strip(),
        article=article if isinstance(article, str) else ",".join(map(str, article)),
    )


def read_examples(path: Path, default_label: str | None = None) -> list[Example]:
    """The rows of a JSONL or CSV file (chosen by suffix) as Examples; DataError when bad.

    default_label: the label of rows without one (e.g. "oos" for out-of-scope texts).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(path, 0, "no such file")
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        rows: Iterable[tuple[int, dict]] = enumerate(csv.DictReader(text.splitlines()), 2)
    else:
        rows = _jsonl_rows(text, path)
    examples = [example_from(row, path, line, default_label) for line, row in rows]
    if not examples:
        raise DataError(path, 0, "no rows")
    return examples


def _jsonl_rows(text: str, path: Path) -> Iterable[tuple[int, dict]]:
    for line, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise DataError(path, line, f"not JSON: {exc.msg}") from None
        if not isinstance(row, dict):
            raise DataError(path, line, "a line must be a JSON object")
        yield line, row


def data_hash(examples: Iterable[Example]) -> str:
    """A SHA-256 over the texts, labels and priorities, in order: names the training data."""
    digest = hashlib.sha256()
    for ex in examples:
        digest.update(json.dumps([ex.text, ex.label, ex.priority], ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()
