"""Run every benchmark section, print a table per section, write bench/report.{json,md}.

Each section is a module ``bench/<name>.py`` with ``run() -> dict`` whose result holds a
``rows`` list of dicts (one table) and optional ``notes``. Sections are listed here in order.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

SECTIONS = ["site", "classify", "suggest", "api", "pages", "channels", "filing", "gaps", "loop"]
HERE = Path(__file__).resolve().parent


def table(rows: list[dict]) -> str:
    """A Markdown table of rows (the union of their keys, in first-seen order)."""
    if not rows:
        return "(no rows)"
    cols: list[str] = []
    for r in rows:
        cols += [k for k in r if k not in cols]
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        out.append("| " + " | ".join(_fmt(r.get(c, "")) for c in cols) + " |")
    return "\n".join(out)


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 100 else f"{v:.1f}"
    return str(v)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sections (all by default) and write the report."""
    ap = argparse.ArgumentParser(prog="make bench", description=__doc__)
    ap.add_argument("sections", nargs="*", default=SECTIONS, help=f"any of {SECTIONS}")
    args = ap.parse_args(argv)
    report: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpu": platform.processor()},
        "sections": {},
    }
    failed = []
    for name in args.sections:
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        try:
            result = importlib.import_module(f"bench.{name}").run()
        except Exception as exc:  # a failed section is reported, the others still run
            failed.append(name)
            result = {"error": f"{type(exc).__name__}: {exc}", "rows": []}
        result["seconds"] = round(time.perf_counter() - start, 1)
        report["sections"][name] = result
        print(table(result.get("rows", [])), flush=True)
        for note in result.get("notes", []):
            print(f"- {note}")
        if "error" in result:
            print(f"!! {name} failed: {result['error']}", file=sys.stderr)
    _write(report)
    print(f"wrote bench/report.json and bench/report.md; failed sections: {failed or 'none'}")
    return 1 if failed else 0


def _write(report: dict) -> None:
    old = HERE / "report.json"
    if old.is_file():  # keep sections not run this time
        prev = json.loads(old.read_text())
        report["sections"] = {**prev.get("sections", {}), **report["sections"]}
    old.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    md = [f"# Benchmark report\n\n{report['date']}, Python {report['machine']['python']}\n"]
    for name, sec in report["sections"].items():
        md.append(f"## {name}\n\n{table(sec.get('rows', []))}\n")
        md += [f"- {n}" for n in sec.get("notes", [])]
        if "error" in sec:
            md.append(f"\n**failed:** {sec['error']}\n")
    (HERE / "report.md").write_text("\n".join(md) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
