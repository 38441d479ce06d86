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


def one_size(n: int, work: Path) -> list[dict]:
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
    return rows + [row]


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
    return notes


def run() -> dict:
    """Time check and build for each KB size; the rows for bench/report."""
    sizes = [int(x) for x in os.environ.get("BENCH_SITE_SIZES", "1000,5000").split(",")]
    load = os.getloadavg()[0]
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        for n in sizes:
            rows += one_size(n, Path(tmp))
    return {"rows": rows, "notes": notes_for(rows, load)}


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
