"""Secrets of the desk: tracking and API tokens (random, stored as SHA-256) and passwords (scrypt).

Tokens carry 256 random bits, so one SHA-256 suffices to store them safely; passwords are
low-entropy and get a salted, slow hash (werkzeug's scrypt). What must be *used* later (the
token a confirmation mail carries) is sealed with a key from the settings (``Keyring``), and a
ticket's reply address carries an HMAC of its ref; neither a plain secret nor a tag is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

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


SEAL_INFO, REPLY_INFO = b"frontline: secrets kept to send later", b"frontline: reply addresses"
TAG_CHARS = 16  # base32 characters of a reply tag: 80 bits


class Keyring:
    """The keys of what the desk must keep secret but use later, from one or more key texts.

    ``seal``/``unseal`` encrypt what a mail must carry later (a tracking token) with Fernet;
    ``reply_tag`` is the HMAC that makes a ticket's reply address unguessable. The first key
    seals and signs; every key is tried when opening or checking (so keys can be rotated).
    """

    def __init__(self, materials: list[str]):
        from cryptography.fernet import Fernet, MultiFernet

        if not materials or not all(m.strip() for m in materials):
            raise ValueError("a keyring needs at least one non-empty key")
        raw = [m.strip().encode("utf-8") for m in materials]
        self._fernet = MultiFernet(
            [Fernet(base64.urlsafe_b64encode(_derive(m, SEAL_INFO))) for m in raw]
        )
        self._reply = [_derive(m, REPLY_INFO) for m in raw]

    def seal(self, value: str) -> str:
        """The encrypted form of a secret (authenticated, time-stamped)."""
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def unseal(self, sealed: str) -> str | None:
        """The secret again, or None when no key of the ring opens it."""
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError, ValueError):
            return None

    def _tag(self, key: bytes, ref: str) -> str:
        digest = hmac.new(key, ref.upper().encode("utf-8"), hashlib.sha256).digest()
        return base64.b32encode(digest).decode("ascii").lower()[:TAG_CHARS]

    def reply_tag(self, ref: str) -> str:
        """The secret tag of a ticket's reply address (lower-case base32, never stored)."""
        return self._tag(self._reply[0], ref)

    def tag_matches(self, ref: str, tag: str) -> bool:
        """Whether ``tag`` is the reply tag of ``ref`` under any key (constant-time compare)."""
        given = (tag or "").lower().encode("ascii", "replace")
        return any(
            hmac.compare_digest(self._tag(k, ref).encode("ascii"), given) for k in self._reply
        )


def _derive(material: bytes, info: bytes) -> bytes:
    """A 32-byte key for one purpose from a key text (HKDF-SHA256)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(material)


def instance_secret(instance: Path) -> str:
    """The secret key kept in the instance folder (``secret_key``), created on first use."""
    path = instance / "secret_key"
    if not path.is_file():
        instance.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".secret_key.{secrets.token_hex(4)}")
        tmp.write_text(secrets.token_hex(32))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # never replace a key another process has just written
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def keyring_from_config(cfg: Mapping[str, object]) -> Keyring:
    """The keyring of the settings: ``DATA_KEYS`` (comma-separated, newest first), else
    ``SECRET_KEY``, else the instance folder's ``secret_key`` (the web app's own default)."""
    listed = str(cfg.get("DATA_KEYS") or "")
    materials = [k for k in (p.strip() for p in listed.split(",")) if k]
    if not materials:
        secret = str(cfg.get("SECRET_KEY") or "").strip()
        materials = [secret or instance_secret(Path(str(cfg["INSTANCE_DIR"])))]
    return Keyring(materials)


@lru_cache(maxsize=1)
def default_keyring() -> Keyring:
    """The keyring the settings give this process (for a database opened without one)."""
    from triage import settings

    return keyring_from_config(settings.load())


def keyring_of(holder: Any) -> Keyring:
    """The keyring a database (or one of its sessions) was opened with, else the settings'."""
    ring = getattr(holder, "keyring", None)
    if ring is None and isinstance(getattr(holder, "info", None), dict):
        ring = holder.info.get("keyring")
    return ring if ring is not None else default_keyring()
