"""Versioned index folders with an atomically switched ``CURRENT`` pointer (no search library).

Layout: ``<root>/v<time>-<pid>/`` holds one complete index; ``<root>/CURRENT`` names the live
one. A build writes a new version, then replaces ``CURRENT`` with ``os.replace``, so a reader
sees either the old or the new version, never a half-built one. Old versions are removed
later, keeping a few so that a reader that has just read the pointer can still open its version.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

POINTER = "CURRENT"
KEEP_OLD = 2
STALE_BUILD_SECONDS = 3600.0


class IndexMissing(Exception):
    """No complete index exists in the folder yet."""


def new_version(root: Path) -> Path:
    """Create and return an empty, not yet live, version folder below root."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"v{time.time_ns():020d}-{os.getpid()}"
    path.mkdir()
    return path


def switch(root: Path, version: Path) -> None:
    """Make version the live index atomically (write a temp pointer, fsync, replace)."""
    tmp = root / f".{POINTER}.{os.getpid()}.{time.time_ns()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(version.name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / POINTER)


def stamp(root: Path) -> tuple[int, int]:
    """A cheap token that changes whenever the pointer is replaced: (inode, mtime_ns)."""
    try:
        st = os.stat(root / POINTER)
    except FileNotFoundError:
        raise IndexMissing(f"no search index in {root}: run `triage index`") from None
    return st.st_ino, st.st_mtime_ns


def current(root: Path) -> Path:
    """The folder of the live version; IndexMissing when there is none."""
    try:
        name = (root / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexMissing(f"no search index in {root}: run `triage index`") from None
    path = root / name
    if not name or not path.is_dir():
        raise IndexMissing(f"{root / POINTER} names a missing version {name!r}")
    return path


def cleanup(root: Path, keep: int = KEEP_OLD) -> list[Path]:
    """Remove versions older than the live one and the `keep` before it; return them."""
    live = current(root).name
    versions = sorted(p for p in root.glob("v*-*") if p.is_dir())
    older = [p for p in versions if p.name < live]
    unfinished = [p for p in versions if p.name > live and _age(p) > STALE_BUILD_SECONDS]
    doomed = older[: max(len(older) - keep, 0)] + unfinished
    for path in doomed:
        shutil.rmtree(path, ignore_errors=True)
    for tmp in root.glob(f".{POINTER}.*"):
        if _age(tmp) > STALE_BUILD_SECONDS:
            tmp.unlink(missing_ok=True)
    return doomed


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return 0.0
