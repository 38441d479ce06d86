"""Console sign-in sessions and sign-in locks, kept in the database so every app node agrees.

A session is valid while its row exists and is younger than its lifetime: signing out deletes
the row, deactivating the user or changing the password deletes the user's rows. Failed
sign-ins are counted per name, known or not; after ``limit`` of them within ``lock_for`` the
name is locked for ``lock_for``, whatever password comes next.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from triage.desk.access_models import LoginFailures, StaffSession
from triage.desk.db import Database
from triage.desk.models import User
from triage.desk.tokens import hash_token, new_token
from triage.desk.users import Staff, _staff


def start_session(db: Database, name: str, now: datetime, lifetime: timedelta) -> str:
    """Open a console session for an active user; its key (what the cookie carries)."""
    key = new_token()
    with db.write() as s:
        user = s.execute(select(User).where(User.name == name, User.active)).scalar_one()
        stale = (StaffSession.user_id == user.id) & (StaffSession.created_at < now - lifetime)
        s.execute(delete(StaffSession).where(stale))
        s.add(StaffSession(key_hash=hash_token(key), user_id=user.id, created_at=now))
    return key


def session_staff(db: Database, key: str, now: datetime, lifetime: timedelta) -> Staff | None:
    """The active user of a live session key, or None (ended, expired, unknown, deactivated)."""
    query = (
        select(User)
        .join(StaffSession, StaffSession.user_id == User.id)
        .where(StaffSession.key_hash == hash_token(key), User.active.is_(True))
        .where(StaffSession.created_at >= now - lifetime)
    )
    with db.read() as s:
        user = s.execute(query).scalar_one_or_none()
        return _staff(user) if user else None


def end_session(db: Database, key: str) -> None:
    """End one session (signing out); nothing happens when it has already ended."""
    with db.write() as s:
        s.execute(delete(StaffSession).where(StaffSession.key_hash == hash_token(key)))


def _name_key(name: str) -> str:
    return hash_token(name.strip().casefold())


def locked_until(db: Database, name: str, now: datetime) -> datetime | None:
    """When the lock on a name's sign-ins ends, or None when it is not locked."""
    with db.read() as s:
        row = s.get(LoginFailures, _name_key(name))
        return row.locked_until if row and row.locked_until and row.locked_until > now else None


def record_failure(
    db: Database, name: str, now: datetime, limit: int, lock_for: timedelta
) -> datetime | None:
    """Count a failed sign-in of a name; the end of the lock when this failure locks it."""
    for attempt in (1, 2):  # two nodes may insert the first failure of a name at once
        try:
            return _count_failure(db, _name_key(name), now, limit, lock_for)
        except IntegrityError:
            if attempt == 2:
                raise
    return None  # pragma: no cover - the loop returns or raises


def _count_failure(
    db: Database, key: str, now: datetime, limit: int, lock_for: timedelta
) -> datetime | None:
    with db.write() as s:
        row = s.get(LoginFailures, key, with_for_update=True)
        if row is None:
            row = LoginFailures(name_hash=key, failures=0, updated_at=now)
            s.add(row)
        if row.locked_until and row.locked_until > now:
            return row.locked_until
        if row.updated_at < now - lock_for:  # old failures are forgotten
            row.failures = 0
        row.failures, row.updated_at, row.locked_until = row.failures + 1, now, None
        if row.failures >= limit:
            row.failures, row.locked_until = 0, now + lock_for
        return row.locked_until


def clear_failures(db: Database, name: str) -> None:
    """Forget a name's failed sign-ins (after a successful one)."""
    with db.write() as s:
        s.execute(delete(LoginFailures).where(LoginFailures.name_hash == _name_key(name)))
