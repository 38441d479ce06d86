"""Print the counts per class, language and priority of the labelled data files.

Run from the project root: ``python data/stats.py`` (or pass other JSONL files).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = ("train.jsonl", "heldout.jsonl", "oos.jsonl")
LANGS = ("en", "ru", "uk", "de")
PRIORITIES = ("critical", "high", "medium", "low")


def read_rows(path: Path) -> list[dict]:
    """The JSON objects of a JSONL file, one per non-blank line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def share(n: int, total: int) -> str:
    """A count with its percentage of total, e.g. ``12 (4.0%)``."""
    return f"{n} ({100 * n / total:.1f}%)" if total else "0"


def class_table(rows: list[dict]) -> list[str]:
    """One line per class: rows per language and per priority."""
    head = f"  {'class':<18}{'rows':>6}" + "".join(f"{x:>6}" for x in LANGS)
    head += "".join(f"{p[:4]:>6}" for p in PRIORITIES) + f"{'art':>6}"
    out = [head]
    for klass in sorted({r["class"] for r in rows}):
        sub = [r for r in rows if r["class"] == klass]
        langs = Counter(r["lang"] for r in sub)
        pris = Counter(r["priority"] for r in sub)
        line = f"  {klass:<18}{len(sub):>6}" + "".join(f"{langs[x]:>6}" for x in LANGS)
        line += "".join(f"{pris[p]:>6}" for p in PRIORITIES)
        out.append(line + f"{sum('article' in r for r in sub):>6}")
    return out


def summary(name: str, rows: list[dict]) -> list[str]:
    """The report of one file: totals per language, priority and class."""
    n = len(rows)
    langs = Counter(r.get("lang") for r in rows)
    out = [f"{name}: {n} rows"]
    out.append("  languages: " + ", ".join(f"{x} {share(langs[x], n)}" for x in LANGS))
    if rows and "class" in rows[0]:
        pris = Counter(r["priority"] for r in rows)
        out.append("  priorities: " + ", ".join(f"{p} {share(pris[p], n)}" for p in PRIORITIES))
        out.append(f"  with article: {share(sum('article' in r for r in rows), n)}")
        out += class_table(rows)
    return out


def main(paths: list[str]) -> int:
    """Print the statistics of each file; 1 when a file is missing or unreadable."""
    files = [Path(p) for p in paths] or [HERE / f for f in FILES]
    sizes: dict[str, int] = {}
    for path in files:
        try:
            rows = read_rows(path)
        except (OSError, ValueError) as exc:
            print(f"error: {path}: {exc}", file=sys.stderr)
            return 1
        sizes[path.name] = len(rows)
        print("\n".join(summary(path.name, rows)) + "\n")
    train, held = sizes.get("train.jsonl", 0), sizes.get("heldout.jsonl", 0)
    if train + held:
        print(f"held-out share: {share(held, train + held)} of {train + held} labelled rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
