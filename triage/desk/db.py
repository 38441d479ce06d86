"""The desk database: engine and sessions from a URL, and Alembic upgrades.

SQLite (the default) runs in WAL mode with synchronous=NORMAL and a 5 s busy timeout; the
driver's own transaction handling is switched off and SQLAlchemy emits ``BEGIN`` itself:
``BEGIN IMMEDIATE`` for write sessions, so that read-then-write transactions queue on the lock
instead of failing with 'database is locked'. PostgreSQL (``postgresql+psycopg://``) uses its
default READ COMMITTED; writers lock the rows they change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
BUSY_TIMEOUT_MS = 5000


def _sqlite_hooks(engine: Engine) -> None:
    """WAL pragmas on connect; BEGIN (IMMEDIATE when the connection asks to write) on begin."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        write = conn.get_execution_options().get("write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for a database URL, with the SQLite settings above when it is SQLite."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _sqlite_hooks(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


@dataclass(frozen=True)
class Database:
    """One database: its engine and a session factory for reading and one for writing."""

    engine: Engine
    reader: sessionmaker[Session]
    writer: sessionmaker[Session]
    keyring: Any = None  # triage.desk.tokens.Keyring; None: the settings' (sessions carry it)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; its transaction is rolled back at the end."""
        with self.reader() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction (BEGIN IMMEDIATE on SQLite), committed on success."""
        with self.writer() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_database(url: str, keyring: Any = None) -> Database:
    """Open (not create) the database at ``url``; ``keyring`` seals the secrets it keeps."""
    engine = make_engine(url)
    writing = engine.execution_options(write=True)
    info = {"keyring": keyring}
    return Database(
        engine=engine,
        reader=sessionmaker(engine, expire_on_commit=False, info=info),
        writer=sessionmaker(writing, expire_on_commit=False, info=info),
        keyring=keyring,
    )


def alembic_config(url: str):
    """The Alembic configuration of ``migrations/`` pointed at ``url``."""
    from alembic.config import Config

    cfg = Config(str(MIGRATIONS / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> str | None:
    """Apply migrations up to ``revision``; return the revision now in force."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect().execution_options(write=True) as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def ping(db: Database) -> bool:
    """Whether the database answers."""
    with db.read() as session:
        return session.execute(text("SELECT 1")).scalar() == 1
