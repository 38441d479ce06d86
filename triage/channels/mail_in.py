"""Inbound email: an SMTP listener (aiosmtpd) for the support address.

A new mail files a ticket (triaged by the engine like a web question; contact = the sender); a
mail whose subject carries a ticket ref and comes from that ticket's contact is the customer's
reply to it; anything else with a ref opens a new ticket and leaves the other alone. Each
Message-ID is handled once. ``handle_message`` does the work and returns the SMTP reply; the
aiosmtpd handler only calls it on a worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from triage.channels.mailparse import (
    Limits,
    ParsedMail,
    Part,
    Refused,
    find_ref,
    intake_fields,
    parse_mail,
    strip_quoted,
)
from triage.desk import receipts, tickets
from triage.desk.db import Database
from triage.desk.intake import LIMITS, Classified, Intake, InvalidField
from triage.desk.lifecycle import FINAL, IllegalTransition
from triage.desk.models import utcnow
from triage.desk.receipts import StoredFile
from triage.engine.language import detect_language
from triage.engine.policy import Policy

log = logging.getLogger(__name__)
QUESTION_CHARS = 2000  # what the engine reads of a mail: subject and the start of the text


@dataclass(frozen=True)
class Inbox:
    """Everything a mail needs to become a ticket."""

    db: Database
    policy: Policy
    engine: Any  # has .decide(question, lang) -> Decision
    attachments_dir: Path
    limits: Limits = Limits()
    addresses: tuple[str, ...] = ()  # recipients accepted (lower case); empty: any


@dataclass(frozen=True)
class MailResult:
    """How a mail was handled and the SMTP reply given for it."""

    status: str  # filed, reply, duplicate, ignored, refused, failed
    reply: str
    ref: str | None = None


def save_files(parts: tuple[Part, ...], folder: Path) -> list[StoredFile]:
    """Write attachment bytes under their SHA-256 (content-addressed, so rewriting is harmless)."""
    stored = []
    for p in parts:
        digest = hashlib.sha256(p.data).hexdigest()
        path = folder / digest[:2] / digest
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            tmp.write_bytes(p.data)
            tmp.replace(path)
        stored.append(StoredFile(p.filename, p.content_type[:127], len(p.data), digest))
    return stored


def _reply(inbox: Inbox, mail: ParsedMail, known: receipts.TicketContact, now: datetime) -> None:
    """Add the mail to its ticket as the customer's reply; wake a ticket waiting on them."""
    text = strip_quoted(mail.text) or mail.subject
    if mail.attachments:
        text += "\n\nAttachments: " + ", ".join(p.filename for p in mail.attachments)
    db, policy, ref = inbox.db, inbox.policy, known.ref
    tickets.comment(db, policy, ref, "customer", now, text[: LIMITS["description"]], True)
    try:
        if known.status == "waiting_customer":
            tickets.transition(db, policy, ref, "open", "customer", now, None, "Customer replied.")
        elif known.status == "resolved":
            reason = "The customer replied after the resolution."
            tickets.transition(db, policy, ref, "reopen", "customer", now, reason)
    except IllegalTransition:  # staff moved it meanwhile: the reply is logged all the same
        log.info("reply to %s: status changed meanwhile", ref)


def _file(inbox: Inbox, mail: ParsedMail, now: datetime, refers_to: str | None) -> str:
    """File a new ticket from a mail, triaged by the engine; its ref."""
    policy = inbox.policy
    description = f"{mail.subject}\n\n{mail.text}".strip()[: LIMITS["description"]]
    lang = detect_language(description, policy.default_language)
    try:
        decided = Classified.of(inbox.engine.decide(description[:QUESTION_CHARS], lang))
    except Exception:  # a request is never lost because the model or index is broken
        log.exception("engine failed; filing the mail as %s", policy.unknown_class.id)
        u = policy.unknown_class
        decided = Classified(u.id, u.default_priority, u.line)
    extra: dict[str, Any] = {"subject": mail.subject}
    if refers_to:
        extra["refers_to"] = refers_to
    if mail.attachments:
        extra["attachments"] = [p.filename for p in mail.attachments]
    fields = intake_fields(mail.text)
    intake = Intake(
        description=description,
        contact=mail.sender,
        module=fields.get("module", ""),
        version=fields.get("version", ""),
        lang=lang if lang in policy.languages else policy.default_language,
        channel="email",
        extra=extra,
    )
    return tickets.file_ticket(inbox.db, policy, intake, decided, now).ref


def route(inbox: Inbox, mail: ParsedMail, now: datetime) -> tuple[str, str]:
    """Reply to the ticket named in the subject when the sender owns it, else file a new one."""
    ref = find_ref(mail.subject, inbox.policy.ref_prefix)
    known = receipts.ticket_contact(inbox.db, ref) if ref else None
    owner = known is not None and known.contact.strip().lower() == mail.sender
    if known is not None and owner and known.status not in FINAL:
        _reply(inbox, mail, known, now)
        return "reply", known.ref
    return "filed", _file(inbox, mail, now, ref if known else None)


def handle_message(raw: bytes, inbox: Inbox, now: datetime, envelope_from: str = "") -> MailResult:
    """Handle one received message end to end; the result carries the SMTP reply to give."""
    try:
        mail = parse_mail(raw, inbox.limits, envelope_from)
    except Refused as exc:
        return MailResult("refused", exc.reply)
    if mail.automatic:
        return MailResult("ignored", "250 2.0.0 Automatic message accepted and ignored")
    db = inbox.db
    if not receipts.claim_mail(db, mail.key, mail.message_id, mail.sender, mail.subject, now):
        seen = receipts.mail_status(db, mail.key)
        return MailResult("duplicate", "250 2.0.0 Already received", seen[1] if seen else None)
    try:
        files = save_files(mail.attachments, inbox.attachments_dir)
        status, ref = route(inbox, mail, now)
    except InvalidField as exc:
        receipts.release_mail(db, mail.key)
        return MailResult("refused", f"554 5.6.0 {exc}")
    except Exception:
        log.exception("mail %s could not be handled", mail.message_id)
        receipts.release_mail(db, mail.key)
        return MailResult("failed", "451 4.3.0 Temporary failure, please try again later")
    receipts.finish_mail(db, mail.key, status, ref, files)
    return MailResult(status, f"250 2.0.0 Accepted as {ref}", ref)


class SupportHandler:
    """The aiosmtpd handler: accepts the support addresses and hands DATA to handle_message."""

    def __init__(self, inbox: Inbox, clock: Callable[[], datetime] = utcnow):
        self.inbox, self.clock = inbox, clock

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options):  # noqa: N802
        """Accept only the support addresses (any when none are configured)."""
        if self.inbox.addresses and address.lower() not in self.inbox.addresses:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        """File or thread the message on a worker thread; reply with its outcome."""
        raw = envelope.original_content or envelope.content
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(
            None, handle_message, raw, self.inbox, self.clock(), envelope.mail_from or ""
        )
        log.info("mail from %s: %s", envelope.mail_from, result.reply)
        return result.reply


def inbox_from_config(
    cfg: Mapping[str, object], db: Database, policy: Policy, engine: Any
) -> Inbox:
    """An Inbox from settings: MAIL_INBOX (addresses, comma-separated; default MAIL_FROM),
    MAIL_MAX_BYTES, MAIL_MAX_ATTACHMENTS, MAIL_MAX_ATTACHMENT_BYTES, ATTACHMENTS_DIR."""
    d = Limits()
    limits = Limits(
        int(cfg.get("MAIL_MAX_BYTES", d.max_bytes)),  # type: ignore[arg-type]
        int(cfg.get("MAIL_MAX_ATTACHMENTS", d.max_attachments)),  # type: ignore[arg-type]
        int(cfg.get("MAIL_MAX_ATTACHMENT_BYTES", d.max_attachment_bytes)),  # type: ignore[arg-type]
    )
    listed = str(cfg.get("MAIL_INBOX") or parseaddr(str(cfg.get("MAIL_FROM") or ""))[1])
    addresses = tuple(a.strip().lower() for a in listed.split(",") if a.strip())
    folder = cfg.get("ATTACHMENTS_DIR") or Path(str(cfg["INSTANCE_DIR"])) / "attachments"
    return Inbox(db, policy, engine, Path(str(folder)), limits, addresses)


def start_listener(
    inbox: Inbox, host: str = "127.0.0.1", port: int = 8025, clock: Callable[[], datetime] = utcnow
) -> Controller:
    """Start the SMTP listener on a background thread; call ``.stop()`` to end it."""
    controller = Controller(
        SupportHandler(inbox, clock),
        hostname=host,
        port=port,
        data_size_limit=inbox.limits.max_bytes,
        ident="Frontline support",
        enable_SMTPUTF8=True,
    )
    controller.start()
    return controller
