"""The desk database: engine and sessions from a URL, and Alembic upgrades.

SQLite (the default) runs in WAL mode with synchronous=NORMAL and a 5 s busy timeout; the
driver's own transaction handling is switched off and SQLAlchemy emits ``BEGIN`` itself:
``BEGIN IMMEDIATE`` for write sessions, so that read-then-write transactions queue on the lock
instead of failing with 'database is locked'. PostgreSQL (``postgresql+psycopg://``) uses its
default READ COMMITTED; writers lock the rows they change.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
BUSY_TIMEOUT_MS = 5000
MIGRATION_LOCK = 0x46524F4E  # PostgreSQL advisory lock key held while migrating ("FRON")


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


class _Slot:
    """One caller's item of grouped write work and its outcome."""

    __slots__ = ("item", "wake", "result", "error", "lead", "finished")

    def __init__(self, item: Any):
        self.item, self.wake = item, threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self.lead = self.finished = False


class GroupCommit:
    """Items from concurrent threads written together: one transaction, one commit.

    ``apply(connection, items)`` writes a list of items (SQLAlchemy Core on the connection
    of one write transaction, BEGIN IMMEDIATE on SQLite) and returns one result per item. A
    thread that finds no commit in flight leads: it takes the items waiting (its own first),
    applies them in one write transaction and commits, then hands the lead to the next
    waiter. Threads arriving meanwhile wait for that next commit, so under load one commit (an
    fsync on PostgreSQL) and one statement per table serve many callers, while a lone caller
    commits alone at once. When the shared transaction fails, each item is applied again in
    a transaction of its own, so one bad item fails only its caller.
    """

    def __init__(
        self, db: Database, apply: Callable[[Connection, list], list], max_batch: int = 64
    ):
        self.db, self.apply, self.max_batch = db, apply, max_batch
        self._writing = db.engine.execution_options(write=True)  # no ORM session: Core only
        self._lock = threading.Lock()
        self._waiting: list[_Slot] = []
        self._leading = False

    def run(self, item: Any) -> Any:
        """Write ``item`` in a transaction shared with concurrent callers; its result."""
        slot = _Slot(item)
        with self._lock:
            self._waiting.append(slot)
            if not self._leading:  # invariant: items wait only while someone leads
                self._leading = slot.lead = True
        while True:
            if slot.lead:
                slot.lead = False
                self._lead()
            if slot.finished:
                break
            slot.wake.wait()
            slot.wake.clear()
        if slot.error is not None:
            raise slot.error
        return slot.result

    def _lead(self) -> None:
        with self._lock:
            batch = self._waiting[: self.max_batch]
            del self._waiting[: self.max_batch]
        try:
            self._commit(batch)
        finally:
            for slot in batch:
                slot.finished = True
                slot.wake.set()
            with self._lock:
                nxt = self._waiting[0] if self._waiting else None
                self._leading = nxt is not None
                if nxt is not None:
                    nxt.lead = True
                    nxt.wake.set()

    def _commit(self, batch: list[_Slot]) -> None:
        try:
            with self._writing.begin() as conn:
                results = self.apply(conn, [slot.item for slot in batch])
        except BaseException as exc:
            if len(batch) == 1:
                batch[0].error = exc
                return
            for slot in batch:  # one of them broke the transaction: each on its own
                try:
                    with self._writing.begin() as conn:
                        slot.result = self.apply(conn, [slot.item])[0]
                except BaseException as single:  # noqa: BLE001 - given to its caller
                    slot.error = single
            return
        for slot, result in zip(batch, results, strict=True):
            slot.result = result


@dataclass(frozen=True)
class Database:
    """One database: its engine and a session factory for reading and one for writing."""

    engine: Engine
    reader: sessionmaker[Session]
    writer: sessionmaker[Session]
    keyring: Any = None  # triage.desk.tokens.Keyring; None: the settings' (sessions carry it)
    groups: dict[str, GroupCommit] = field(default_factory=dict, repr=False, compare=False)

    def grouped(self, name: str, apply: Callable[[Connection, list], list]) -> GroupCommit:
        """The group committer ``name`` of this database (made on first use)."""
        found = self.groups.get(name)
        if found is None:
            found = self.groups.setdefault(name, GroupCommit(self, apply))
        return found

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
            if conn.dialect.name == "postgresql":  # app nodes starting together: one at a time
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
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
