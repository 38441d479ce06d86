"""Where things live: one set of defaults shared by the CLI and the web application.

Layers, lowest first: these defaults, ``instance/config.py``, then ``TRIAGE_*`` environment
variables (``TRIAGE_KB_DIR=...``); ``DATABASE_URL`` names the database when set.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The project folder: ``$FRONTLINE_ROOT`` or the current directory."""
    return Path(os.environ.get("FRONTLINE_ROOT") or os.getcwd()).resolve()


def database_url(instance: Path) -> str:
    """``$DATABASE_URL`` (``postgres://`` accepted) or SQLite in the instance folder."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url or f"sqlite:///{instance / 'frontline.db'}"


#: Staff access limits (README, "Configuration").
ACCESS: dict[str, object] = {
    "RATELIMIT_AUTH_FAILURES": "20 per minute",  # wrong API tokens / alert secrets per address
    "LOGIN_LOCK_FAILURES": 5,  # failed console sign-ins of one name that lock it ...
    "LOGIN_LOCK_MINUTES": 15,  # ... for this long (failures older than this are forgotten)
    "STAFF_SESSION_HOURS": 12,  # a console sign-in ends after this long at the latest
}


def defaults(root: Path | None = None) -> dict[str, object]:
    """The default configuration, every path absolute."""
    root = (root or project_root()).resolve()
    instance = root / "instance"
    return {
        "ROOT": str(root),
        "KB_DIR": str(root / "kb"),
        "POLICY_FILE": str(root / "policy.yml"),
        "DATA_DIR": str(root / "data"),
        "INSTANCE_DIR": str(instance),
        "INDEX_DIR": str(instance / "index"),
        "MODEL_DIR": str(instance / "model"),
        "SITE_DIR": str(root / "site"),
        "DATABASE_URL": database_url(instance),
        "PUBLIC_URL": "http://127.0.0.1:8000",
        **ACCESS,
    }


def load(root: Path | None = None) -> dict[str, object]:
    """Defaults, overlaid with ``instance/config.py`` and ``TRIAGE_*`` environment variables."""
    cfg = defaults(root)
    py = Path(str(cfg["INSTANCE_DIR"])) / "config.py"
    if py.is_file():
        scope: dict[str, object] = {}
        exec(compile(py.read_text(), str(py), "exec"), scope)  # noqa: S102 - the admin's own file
        cfg.update({k: v for k, v in scope.items() if k.isupper()})
    for key, value in os.environ.items():
        if key.startswith("TRIAGE_"):
            cfg[key[len("TRIAGE_") :]] = value
    return cfg
