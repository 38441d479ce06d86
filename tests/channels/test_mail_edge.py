"""Mail with NUL bytes or undecodable header bytes is filed, cleaned, on both databases.

Before: PostgreSQL refused the NUL, the listener answered 451 on every retry and the request
was never filed. Mail cannot be asked again, so the text is cleaned (NUL removed, a lone
surrogate replaced by U+FFFD) instead of refused.
"""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy import select

from triage.channels.mail_in import Inbox, handle_message
from triage.channels.mailparse import Limits
from triage.desk.models import Ticket, utcnow

SUPPORT = "support@frontline.test"


def raw_mail(body: str, subject: str = "Disk full", **headers: str) -> bytes:
    """A plain-text mail to support."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Ann <ann@example.com>", SUPPORT, subject
    msg["Message-ID"] = f"<{abs(hash((body, subject)))}@example.com>"
    for name, value in headers.items():
        msg[name] = value
    msg.set_content(body)
    return bytes(msg)


def tickets_of(db) -> list[Ticket]:
    """Every ticket."""
    with db.reader() as s:
        return list(s.scalars(select(Ticket)))


def test_nul_in_the_body_is_removed_and_the_mail_filed(db, policy, engine, tmp_path):
    inbox = Inbox(db, policy, engine, tmp_path / "files", Limits(), (SUPPORT,))
    result = handle_message(raw_mail("The disk\x00 is full.\x00\nModule: Storage"), inbox, utcnow())
    assert result.status == "filed", result
    assert result.reply.startswith("250")
    (ticket,) = tickets_of(db)
    assert "\x00" not in ticket.description and "The disk is full." in ticket.description
    assert ticket.module == "Storage"


def test_undecodable_header_bytes_are_filed(db, policy, engine, tmp_path):
    inbox = Inbox(db, policy, engine, tmp_path / "files", Limits(), (SUPPORT,))
    raw = raw_mail("My server does not boot.", subject="PLACEHOLDER")
    raw = raw.replace(b"PLACEHOLDER", b"Server \xff\xfe down\x00")  # raw 8-bit bytes, a NUL
    result = handle_message(raw, inbox, utcnow())
    assert result.status == "filed", result
    (ticket,) = tickets_of(db)
    ticket.description.encode("utf-8")  # storable text: no lone surrogate left
    assert "\x00" not in ticket.description and "down" in ticket.description
