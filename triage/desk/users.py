"""Staff accounts: roles, API tokens and passwords (both stored hashed), and what roles may do."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from triage.desk.db import Database
from triage.desk.models import ROLES, User
from triage.desk.tokens import hash_password, hash_token, new_token, password_matches

PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset(ROLES),  # queue and ticket details
    "note": frozenset(ROLES),  # internal comments
    "work": frozenset({"l1", "l2", "l3", "admin"}),  # transitions, replies, corrections
    "admin": frozenset({"admin"}),
}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")


class UserError(ValueError):
    """A user that cannot be created as asked."""


@dataclass(frozen=True)
class Staff:
    """An authenticated staff member."""

    name: str
    role: str
    lang: str | None = None  # the console's language chosen by the member; None: the browser's

    def can(self, permission: str) -> bool:
        """Whether this member's role grants a permission."""
        return self.role in PERMISSIONS.get(permission, frozenset())


def _staff(user: User) -> Staff:
    return Staff(user.name, user.role, user.lang)


def add_user(db: Database, name: str, role: str, now: datetime, password: str | None = None) -> str:
    """Create a user and return the API token (shown once; only its hash is stored)."""
    if role not in ROLES:
        raise UserError(f"unknown role {role!r} (one of: {', '.join(ROLES)})")
    if not _NAME.match(name):
        raise UserError("name: letters, digits and . _ @ - only, at most 100 characters")
    if password is not None and len(password) < 8:
        raise UserError("password: at least 8 characters")
    token = new_token()
    user = User(name=name, role=role, token_hash=hash_token(token), created_at=now)
    user.password_hash = hash_password(password) if password else None
    try:
        with db.write() as s:
            s.add(user)
    except IntegrityError:
        raise UserError(f"user {name!r} already exists") from None
    return token


def by_token(db: Database, token: str | None) -> Staff | None:
    """The active user holding an API token, or None."""
    if not token:
        return None
    query = select(User).where(User.token_hash == hash_token(token), User.active.is_(True))
    with db.read() as s:
        user = s.execute(query).scalar_one_or_none()
        return _staff(user) if user else None


def by_password(db: Database, name: str, password: str) -> Staff | None:
    """The active user with this name and password, or None."""
    with db.read() as s:
        user = s.execute(select(User).where(User.name == name)).scalar_one_or_none()
        if user and user.active and password_matches(password, user.password_hash):
            return _staff(user)
    return None


def by_name(db: Database, name: str) -> Staff | None:
    """The active user with this name, or None (what a login session is checked against)."""
    query = select(User).where(User.name == name, User.active.is_(True))
    with db.read() as s:
        user = s.execute(query).scalar_one_or_none()
        return _staff(user) if user else None


def set_lang(db: Database, name: str, lang: str | None, langs: tuple[str, ...]) -> None:
    """Set a user's console language (one of ``langs``; None: follow the browser)."""
    if lang is not None and lang not in langs:
        raise UserError(f"unknown language {lang!r} (one of: {', '.join(langs)})")
    with db.write() as s:
        user = s.execute(select(User).where(User.name == name)).scalar_one_or_none()
        if user is None:
            raise UserError(f"no user {name!r}")
        user.lang = lang


def ensure_admin(db: Database, now: datetime, password: str | None = None) -> str | None:
    """Create user ``admin`` when there is no user at all; its password, or None if none made.

    Without ``password`` a random one is made: the caller shows it once, it is stored hashed.
    A given password that is too short raises UserError.
    """
    with db.read() as s:
        if s.execute(select(User.id).limit(1)).first() is not None:
            return None
    password = password or secrets.token_urlsafe(12)
    try:
        add_user(db, "admin", "admin", now, password=password)
    except UserError as exc:
        if "already exists" in str(exc):
            return None  # another process created it first
        raise
    return password


def list_users(db: Database) -> list[Staff]:
    """Every user, by name."""
    with db.read() as s:
        return [_staff(u) for u in s.execute(select(User).order_by(User.name)).scalars()]
