"""``triage serve``: migrate the database, then run the app under gunicorn (threaded workers)."""

from __future__ import annotations

import importlib.util
import os
import sys
from datetime import UTC, datetime

import click

from triage import settings
from triage.cli import common
from triage.cli.desk import safe_url

ADMIN_PASSWORD_ENV = "FRONTLINE_ADMIN_PASSWORD"


def first_admin(url: str) -> str | None:
    """Create user ``admin`` on a desk without users; the line to print, or None if none made.

    The password comes from $FRONTLINE_ADMIN_PASSWORD, else a random one is printed once.
    """
    from triage.desk import db as desk_db
    from triage.desk.users import UserError, ensure_admin

    given = os.environ.get(ADMIN_PASSWORD_ENV) or None
    db = desk_db.open_database(url)
    try:
        made = ensure_admin(db, datetime.now(UTC), password=given)
    except UserError as exc:
        raise click.ClickException(f"{ADMIN_PASSWORD_ENV}: {exc}") from None
    finally:
        db.dispose()
    if made is None:
        return None
    if given:
        return f"created staff user 'admin' with the password from ${ADMIN_PASSWORD_ENV}"
    return f"created staff user 'admin' with password {made} (shown once: note it now)"


# BLAS and OpenMP pools: each would start a thread per core in every worker, and on a machine
# whose cores the workers already share, threads waiting for each other cost more than they
# compute (measured: POST /api/triage p99 54 ms with them, see bench/api.py).
THREAD_LIMITS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def gunicorn_argv(
    host: str, port: int, workers: int, timeout: int = 30, threads: int = 1
) -> list[str]:
    """The gunicorn command line serving the application factory (threaded workers when
    ``threads`` > 1: requests of one worker then share database commits, see GroupCommit)."""
    kind = ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else [
        "--worker-class", "sync"
    ]  # fmt: skip
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        *kind,
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        "10",
        "triage.web:create_app()",
    ]


def public_url(cfg: dict, host: str, port: int) -> str:
    """The configured public URL, or the address the server listens on when none is set."""
    if cfg["PUBLIC_URL"] != settings.defaults()["PUBLIC_URL"]:
        return str(cfg["PUBLIC_URL"])
    return f"http://{host}:{port}"


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Gunicorn workers."
)
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Threads per worker (1: sync workers). While one request waits for the database, "
    "another runs; concurrent filings share one commit.",
)
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the help site at / and the API at /api/ with gunicorn (migrates the database first)."""
    from triage.desk import db as desk_db

    cfg = common.config()
    common.policy(cfg)  # refuse to start on a broken policy, with the key named
    url = str(cfg["DATABASE_URL"])
    try:
        revision = desk_db.upgrade(url)
    except Exception as exc:  # any driver error: say which database, then stop
        raise click.ClickException(f"cannot migrate {safe_url(url)}: {exc}") from None
    if importlib.util.find_spec("gunicorn") is None:
        raise click.ClickException("gunicorn is not installed: pip install gunicorn")
    click.echo(f"database {safe_url(url)} at revision {revision}")
    admin = first_admin(url)
    if admin:
        click.echo(admin)
    click.echo(
        f"serving http://{host}:{port}/ with {workers} gunicorn worker(s) x {threads} "
        "thread(s); Ctrl-C stops"
    )
    click.echo(f"staff console: http://{host}:{port}/staff/")
    sys.stdout.flush()
    os.environ["TRIAGE_PUBLIC_URL"] = public_url(cfg, host, port)
    for name in THREAD_LIMITS:  # one thread of numeric work per worker: workers are the parallelism
        os.environ.setdefault(name, "1")
    argv = gunicorn_argv(host, port, workers, threads=threads)
    os.execv(argv[0], argv)
