"""What ``make test`` needs beyond Python packages, said in one line before the tests start.

The browser tests drive Debian's Chromium, the desk tests start their own PostgreSQL server,
and the multi-node test starts its own Redis. ``.ci/run`` installs all three with apt-get.
Exit status 0 when everything is there, 1 (and one line naming what is missing) otherwise.
"""

from __future__ import annotations

import glob
import shutil
import sys

NEEDS = {  # what -> (found?, Debian package)
    "Chromium at /usr/bin/chromium": (lambda: shutil.which("/usr/bin/chromium"), "chromium"),
    "a PostgreSQL server (initdb)": (
        lambda: glob.glob("/usr/lib/postgresql/*/bin/initdb") or shutil.which("initdb"),
        "postgresql",
    ),
    "redis-server": (lambda: shutil.which("redis-server"), "redis-server"),
}


def missing() -> list[tuple[str, str]]:
    """The components not found on this machine, with the package that brings each."""
    return [(what, pkg) for what, (found, pkg) in NEEDS.items() if not found()]


def main() -> int:
    lacking = missing()
    if not lacking:
        return 0
    names = ", ".join(what for what, _ in lacking)
    pkgs = " ".join(pkg for _, pkg in lacking)
    print(f"make test needs {names}: apt-get install {pkgs} (.ci/run installs them)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
