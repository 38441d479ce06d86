"""Help-site scale: ``triage kb check`` and ``mkdocs build`` on generated KBs of 1,000 and 5,000.

Each command runs as its own process; wall seconds come from ``time.perf_counter``, CPU seconds
(user + system, robust to a busy machine) and peak RSS from that process's rusage
(``os.wait4``). Target: 5,000 articles built in under 40 s with a site under 200 MB.
``BENCH_SITE_SIZES=100,1000`` picks other sizes.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.kbgen import generate
from triage.engine.policy import load_policy
from triage.kb.articles import load_kb
from triage.kb.site import Section, site_pages

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TARGET_SECONDS, TARGET_MB, TARGET_AT = 40.0, 200.0, 5000


def measure(cmd: list[str], env: dict[str, str]) -> dict:
    """Run cmd; its wall and CPU (user + system) seconds, peak RSS (MiB) and exit code."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        if code != 0:
            err.seek(0)
            print(err.read().decode(errors="replace")[-2000:], file=sys.stderr)
    rss = round(usage.ru_maxrss / 1024, 1)
    cpu = round(usage.ru_utime + usage.ru_stime, 2)
    return {"wall_s": round(wall, 2), "cpu_s": cpu, "peak_rss_mib": rss, "exit": code}


def tree_mb(path: Path) -> float:
    """The size of every file below path, in MB (10^6 bytes)."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


PLAIN_YML = """site_name: plain
theme: {name: material}
plugins: [search, tags]
markdown_extensions: [admonition, tables, toc, pymdownx.highlight, pymdownx.superfences]
validation: {nav: {omitted_files: ignore}, links: {not_found: ignore}}
nav:
  - Home: index.md
  - Topics:
"""


def plain_build(kb: Path, work: Path, env: dict[str, str]) -> dict:
    """The baseline: plain mkdocs-material on the same pages written as files (no hook)."""
    docs = work / "plain" / "docs"
    policy = load_policy(ROOT / "policy.yml")
    sections = [Section(c.id, c.names, c.descriptions) for c in policy.classes.values()]
    for page in site_pages(load_kb(kb), sections):
        (docs / page.src_uri).parent.mkdir(parents=True, exist_ok=True)
        (docs / page.src_uri).write_text(page.content, encoding="utf-8")
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    nav = "".join(f"    - {s.id}: {s.id}/index.md\n" for s in sections)
    (work / "plain" / "mkdocs.yml").write_text(PLAIN_YML + nav, encoding="utf-8")
    cmd = [str(BIN / "mkdocs"), "build", "-q", "-f", str(work / "plain" / "mkdocs.yml")]
    result = measure([*cmd, "-d", str(work / "plain" / "site")], env)
    shutil.rmtree(work / "plain", ignore_errors=True)
    return result


def one_size(n: int, work: Path, baseline: bool = False) -> list[dict]:
    """Generate a KB of n articles, check it, build it; one row per step."""
    kb, site = work / f"kb{n}", work / f"site{n}"
    t0 = time.perf_counter()
    generate(kb, n)
    print(f"  {n}: generated in {time.perf_counter() - t0:.1f} s; checking", flush=True)
    env = {**os.environ, "FRONTLINE_KB_DIR": str(kb), "NO_MKDOCS_2_WARNING": "1"}
    cli = measure([str(BIN / "triage"), "--help"], env)
    check = measure([str(BIN / "triage"), "kb", "check", str(kb)], env)
    print(f"  {n}: check {check['wall_s']} s; building the site", flush=True)
    build = measure(
        [str(BIN / "mkdocs"), "build", "--strict", "-q", "-f", "mkdocs.yml", "-d", str(site)], env
    )
    print(f"  {n}: build {build['wall_s']} s", flush=True)
    rows = [
        {"articles": n, "step": "triage --help (CLI start-up only)", **cli},
        {"articles": n, "step": "triage kb check", **check},
    ]
    row = {"articles": n, "step": "mkdocs build --strict", **build}
    index = site / "search" / "search_index.json"
    if build["exit"] == 0 and index.is_file():
        raw = index.read_bytes()
        row |= {
            "site_mb": round(tree_mb(site), 1),
            "search_index_mb": round(len(raw) / 1e6, 2),
            "search_index_gzip_mb": round(len(gzip.compress(raw, 6)) / 1e6, 2),
        }
    shutil.rmtree(site, ignore_errors=True)
    rows.append(row)
    if baseline:
        print(f"  {n}: baseline build (plain mkdocs-material, same pages)", flush=True)
        plain = plain_build(kb, work, env)
        rows.append({"articles": n, "step": "baseline: plain material, same pages", **plain})
    return rows


def notes_for(rows: list[dict], load: float) -> list[str]:
    """The verdict on the target, and the conditions of the run."""
    notes = [f"load average before the run: {load:.2f} on {os.cpu_count()} CPUs (shared machine)"]
    for r in rows:
        if r["step"].startswith("mkdocs") and r["articles"] == TARGET_AT:
            ok = r["exit"] == 0 and r["wall_s"] < TARGET_SECONDS
            ok = ok and r.get("site_mb", 1e9) < TARGET_MB
            notes.append(
                f"target {TARGET_AT} articles < {TARGET_SECONDS:.0f} s and < {TARGET_MB:.0f} MB: "
                f"{'met' if ok else 'MISSED'} ({r['wall_s']} s, {r.get('site_mb', '?')} MB)"
            )
    notes.append("build = hook (check + load + generate pages) + mkdocs-material with section nav")
    ours = [r for r in rows if r["step"].startswith("mkdocs")]
    base = [r for r in rows if r["step"].startswith("baseline")]
    if ours and base and base[0]["cpu_s"]:
        ratio = ours[0]["cpu_s"] / base[0]["cpu_s"]
        notes.append(
            f"at {base[0]['articles']} articles the site costs {ratio:.2f}x the CPU of plain "
            "mkdocs-material on the same pages (same machine load; the load-robust figure)"
        )
    return notes


def run() -> dict:
    """Time check and build for each KB size; the rows for bench/report."""
    sizes = [int(x) for x in os.environ.get("BENCH_SITE_SIZES", "1000,5000").split(",")]
    load = os.getloadavg()[0]
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        for i, n in enumerate(sizes):
            rows += one_size(n, Path(tmp), baseline=i == 0)
    return {"rows": rows, "notes": notes_for(rows, load)}


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
