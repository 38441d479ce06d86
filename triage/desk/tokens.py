"""Secrets of the desk: tracking and API tokens (random, stored as SHA-256) and passwords (scrypt).

Tokens carry 256 random bits, so one SHA-256 suffices to store them safely; passwords are
low-entropy and get a salted, slow hash (werkzeug's scrypt).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from werkzeug.security import check_password_hash, generate_password_hash


def new_token() -> str:
    """A fresh unguessable token (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of a token: hex SHA-256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str | None, stored_hash: str) -> bool:
    """Whether ``token`` hashes to ``stored_hash`` (constant-time compare)."""
    if not token:
        return False
    return hmac.compare_digest(hash_token(token), stored_hash)


def hash_password(password: str) -> str:
    """A salted scrypt hash of a password."""
    return generate_password_hash(password, method="scrypt")


def password_matches(password: str, stored_hash: str | None) -> bool:
    """Whether a password matches its stored hash."""
    return bool(stored_hash) and check_password_hash(stored_hash or "", password)
