"""Staff accounts: roles, passwords and API tokens (all stored hashed).

What a role may do is decided in one place, ``triage.web.staff_roles``, for the console and
the staff API alike. A user holds any number of API tokens (``api_tokens``), each revocable on
its own. Deactivating a user revokes every token and ends every console session at once;
changing a password ends the user's other sessions (``triage.desk.sessions``).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage.desk.access_models import ApiToken, StaffSession
from triage.desk.db import Database
from triage.desk.models import ROLES, User
from triage.desk.tokens import hash_password, hash_token, new_token, password_matches

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 200


class UserError(ValueError):
    """A change to the users that cannot be made as asked."""


@dataclass(frozen=True)
class Staff:
    """An authenticated staff member."""

    name: str
    role: str
    lang: str | None = None  # the console's language chosen by the member; None: the browser's


@dataclass(frozen=True)
class Account:
    """A user as the admins list it: no secret, only what exists."""

    name: str
    role: str
    active: bool
    has_password: bool
    created_at: datetime
    tokens: int  # live API tokens
    sessions: int  # open console sessions


@dataclass(frozen=True)
class TokenInfo:
    """One API token as listed: its id and dates (the token itself is never kept)."""

    id: int
    created_at: datetime
    revoked_at: datetime | None


def _staff(user: User) -> Staff:
    return Staff(user.name, user.role, user.lang)


def check_password(password: str) -> None:
    """Refuse a password that is too short or too long (UserError)."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"password: at most {MAX_PASSWORD} characters")


def add_user(db: Database, name: str, role: str, now: datetime, password: str | None = None) -> str:
    """Create a user and return its first API token (shown once; only its hash is stored)."""
    if role not in ROLES:
        raise UserError(f"unknown role {role!r} (one of: {', '.join(ROLES)})")
    if not _NAME.match(name):
        raise UserError("name: letters, digits and . _ @ - only, at most 100 characters")
    if password is not None:
        check_password(password)
    token = new_token()
    user = User(name=name, role=role, created_at=now)
    user.password_hash = hash_password(password) if password else None
    try:
        with db.write() as s:
            s.add(user)
            s.flush()
            s.add(ApiToken(user_id=user.id, token_hash=hash_token(token), created_at=now))
    except IntegrityError:
        raise UserError(f"user {name!r} already exists") from None
    return token


def by_token(db: Database, token: str | None) -> Staff | None:
    """The active user holding a live API token, or None."""
    if not token:
        return None
    query = (
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
        .where(User.active.is_(True))
    )
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
    """The active user with this name, or None."""
    query = select(User).where(User.name == name, User.active.is_(True))
    with db.read() as s:
        user = s.execute(query).scalar_one_or_none()
        return _staff(user) if user else None


def _user(s: Session, name: str) -> User:
    """The user row, locked for the change (UserError when there is none)."""
    user = s.execute(select(User).where(User.name == name).with_for_update()).scalar_one_or_none()
    if user is None:
        raise UserError(f"no user {name!r}")
    return user


def set_lang(db: Database, name: str, lang: str | None, langs: tuple[str, ...]) -> None:
    """Set a user's console language (one of ``langs``; None: follow the browser)."""
    if lang is not None and lang not in langs:
        raise UserError(f"unknown language {lang!r} (one of: {', '.join(langs)})")
    with db.write() as s:
        _user(s, name).lang = lang


def set_password(db: Database, name: str, password: str, keep_session: str | None = None) -> int:
    """Set a user's password and end its other sessions; how many were ended.

    ``keep_session`` is the key of the session that made the change (it stays signed in).
    """
    check_password(password)
    with db.write() as s:
        user = _user(s, name)
        user.password_hash = hash_password(password)
        query = delete(StaffSession).where(StaffSession.user_id == user.id)
        if keep_session:
            query = query.where(StaffSession.key_hash != hash_token(keep_session))
        return s.execute(query).rowcount or 0


def _last_admin(s: Session, user: User) -> bool:
    if user.role != "admin" or not user.active:
        return False
    query = select(func.count()).select_from(User).where(User.role == "admin", User.active)
    return s.execute(query).scalar_one() <= 1


def set_active(db: Database, name: str, active: bool, now: datetime) -> None:
    """Reactivate a user, or deactivate it: every token revoked, every session ended, at once.

    The last active admin cannot be deactivated (nobody could manage the users any more).
    """
    with db.write() as s:
        user = _user(s, name)
        if not active and _last_admin(s, user):
            raise UserError(f"{name!r} is the last active admin: make another admin first")
        user.active = active
        if not active:
            live = (ApiToken.user_id == user.id) & ApiToken.revoked_at.is_(None)
            for token in s.execute(select(ApiToken).where(live)).scalars():
                token.revoked_at = now
            s.execute(delete(StaffSession).where(StaffSession.user_id == user.id))


def list_tokens(db: Database, name: str) -> list[TokenInfo]:
    """A user's API tokens, oldest first, revoked ones included."""
    with db.read() as s:
        user = s.execute(select(User).where(User.name == name)).scalar_one_or_none()
        if user is None:
            raise UserError(f"no user {name!r}")
        rows = s.execute(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
        return [TokenInfo(t.id, t.created_at, t.revoked_at) for t in rows.scalars()]


def issue_token(db: Database, name: str, now: datetime) -> tuple[int, str]:
    """A new API token for an active user: (its id, the token, to be shown once)."""
    token = new_token()
    with db.write() as s:
        user = _user(s, name)
        if not user.active:
            raise UserError(f"user {name!r} is deactivated: reactivate it first")
        row = ApiToken(user_id=user.id, token_hash=hash_token(token), created_at=now)
        s.add(row)
        s.flush()
        return row.id, token


def revoke_token(db: Database, name: str, token_id: int, now: datetime) -> None:
    """Revoke one of a user's API tokens (UserError when it is not theirs or already revoked)."""
    with db.write() as s:
        user = _user(s, name)
        token = s.get(ApiToken, token_id, with_for_update=True)
        if token is None or token.user_id != user.id:
            raise UserError(f"user {name!r} has no API token {token_id}")
        if token.revoked_at is not None:
            raise UserError(f"API token {token_id} was already revoked")
        token.revoked_at = now


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


def accounts(db: Database) -> list[Account]:
    """Every user with its state and how many live tokens and open sessions it has, by name."""
    live = (
        select(func.count())
        .where(ApiToken.user_id == User.id, ApiToken.revoked_at.is_(None))
        .scalar_subquery()
    )
    open_ = select(func.count()).where(StaffSession.user_id == User.id).scalar_subquery()
    query = select(User, live, open_).order_by(User.name)
    with db.read() as s:
        return [
            Account(u.name, u.role, bool(u.active), bool(u.password_hash), u.created_at, t, n)
            for u, t, n in s.execute(query)
        ]
