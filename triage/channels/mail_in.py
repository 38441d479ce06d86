"""Inbound email: an SMTP listener (aiosmtpd) for the support address.

A new mail files a ticket (triaged by the engine like a web question; contact = the sender). A
mail is the customer's reply to a ticket only when it carries that ticket's secret reply address
(``support+SUP-000123.<tag>@...``, which our mails give as Reply-To) or thread id (in
References), comes from the ticket's contact and the ticket is not closed: a ``[SUP-000123]`` in
the subject and a From header prove nothing, since anyone can write them. Anything else naming
a ticket opens a new ticket with a note that it claims to answer the other, for a person to
merge; the other is left alone. Each Message-ID is handled once, recorded in the transaction
that files it. ``handle_message`` does the work and returns the SMTP reply; the aiosmtpd
handler only calls it on a worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
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
    base_address,
    find_ref,
    parse_mail,
    redact,
    secret_claims,
    strip_quoted,
)
from triage.desk import receipts, tickets
from triage.desk.db import Database
from triage.desk.intake import LIMITS, Classified, Intake, InvalidField, parse_fields
from triage.desk.lifecycle import FINAL, IllegalTransition
from triage.desk.models import utcnow
from triage.desk.receipts import StoredFile
from triage.desk.tokens import keyring_of
from triage.desk.unit import Joined, one_transaction
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


class _Duplicate(Exception):
    """The mail's key is already recorded: it was handled before."""


@dataclass(frozen=True)
class Route:
    """Where a mail goes: ``reply`` to ``ref``, or ``filed`` as a new ticket claiming ``claims``."""

    action: str
    ref: str | None = None
    claims: str | None = None  # the ticket a new one says it answers (for a person to merge)
    why: str = ""


def plan_route(
    inbox: Inbox, mail: ParsedMail, recipients: Sequence[str] = (), session: Any = None
) -> Route:
    """A reply joins its ticket only when it carries that ticket's secret reply address or
    thread id (an HMAC of the ref), comes from the ticket's contact, and the ticket is not
    closed; any other mail naming a ticket becomes a new ticket that names the one it claims."""
    prefix = inbox.policy.ref_prefix
    ring = keyring_of(session if session is not None else inbox.db)
    claims = secret_claims(mail, prefix, recipients)
    proven = [ref for ref, tag in claims if ring.tag_matches(ref, tag)]
    subject_ref = find_ref(mail.subject, prefix)
    named = subject_ref or (claims[0][0] if claims else None)
    db = Joined(session) if session is not None else inbox.db
    if proven:
        ref = subject_ref if subject_ref in proven else proven[0]
        known = receipts.ticket_contact(db, ref)
        if known is None:
            return Route("filed")
        if known.contact.strip().lower() != mail.sender:
            return Route("filed", claims=ref, why="it carries the reply address of that ticket "
                         "but comes from another sender than the ticket's contact")  # fmt: skip
        if known.status in FINAL:
            return Route("filed", claims=ref, why=f"that ticket is {known.status}")
        return Route("reply", ref)
    if named and receipts.ticket_contact(db, named) is not None:
        return Route("filed", claims=named, why="it does not carry that ticket's reply address")
    return Route("filed")


def _reply(unit: Joined, inbox: Inbox, mail: ParsedMail, ref: str, now: datetime) -> None:
    """Add the mail to its ticket as the customer's reply; wake a ticket waiting on them.

    IllegalTransition when the ticket was closed meanwhile (the caller files it instead).
    """
    prefix = inbox.policy.ref_prefix
    text = redact(strip_quoted(mail.text) or mail.subject, prefix)
    if mail.attachments:
        text += "\n\nAttachments: " + ", ".join(p.filename for p in mail.attachments)
    policy = inbox.policy
    view = tickets.comment(unit, policy, ref, "customer", now, text[: LIMITS["description"]], True)
    supplied = parse_fields(strip_quoted(mail.text))  # "Модуль: Compute / Версия: 5.1"
    if supplied:
        view, _filled = tickets.fill_intake(unit, policy, ref, "customer", now, supplied)
    try:
        if view.status == "waiting_customer":
            tickets.transition(
                unit, policy, ref, "open", "customer", now, None, "Customer replied."
            )
        elif view.status == "resolved":
            reason = "The customer replied after the resolution."
            tickets.transition(unit, policy, ref, "reopen", "customer", now, reason)
    except IllegalTransition:  # not a move this status allows: the reply is logged all the same
        log.info("reply to %s: no status change from %s", ref, view.status)


def decide(inbox: Inbox, mail: ParsedMail) -> tuple[Classified, str, str]:
    """The engine's decision on a mail (outside any transaction): (decision, description, lang)."""
    policy = inbox.policy
    description = redact(f"{mail.subject}\n\n{mail.text}".strip(), policy.ref_prefix)
    description = description[: LIMITS["description"]]
    lang = detect_language(description, policy.default_language)
    try:
        decided = Classified.of(inbox.engine.decide(description[:QUESTION_CHARS], lang))
    except Exception:  # a request is never lost because the model or index is broken
        log.exception("engine failed; filing the mail as %s", policy.unknown_class.id)
        u = policy.unknown_class
        decided = Classified(u.id, u.default_priority, u.line)
    return decided, description, lang


def _file(
    unit: Joined, inbox: Inbox, mail: ParsedMail, now: datetime, route: Route,
    decision: tuple[Classified, str, str],
) -> str:  # fmt: skip
    """File a new ticket from a mail, triaged by the engine; its ref."""
    policy = inbox.policy
    decided, description, lang = decision
    extra: dict[str, Any] = {"subject": redact(mail.subject, policy.ref_prefix)}
    if route.claims:
        extra["refers_to"] = route.claims
    if mail.attachments:
        extra["attachments"] = [p.filename for p in mail.attachments]
    fields = parse_fields(mail.text)
    intake = Intake(
        description=description,
        subject=extra["subject"][:200],
        contact=mail.sender,
        module=fields.get("module", ""),
        version=fields.get("version", ""),
        steps=fields.get("steps", ""),
        lang=lang if lang in policy.languages else policy.default_language,
        channel="email",
        extra=extra,
    )
    ref = tickets.file_ticket(unit, policy, intake, decided, now).ref
    if route.claims:
        note = (
            f"This mail claims to be a reply to {route.claims}, but {route.why}; it was filed "
            f"as a new ticket. If it is that customer's reply, merge it into {route.claims}."
        )
        tickets.comment(unit, policy, ref, "system", now, note, public=False)
    return ref


def route(
    inbox: Inbox, mail: ParsedMail, now: datetime, recipients: Sequence[str] = ()
) -> tuple[str, str]:
    """Thread a proven reply onto its ticket, else file a new ticket (one transaction)."""
    with one_transaction(inbox.db) as unit:
        return _apply(unit, inbox, mail, now, recipients, None)


def _apply(unit, inbox, mail, now, recipients, decision) -> tuple[str, str]:
    plan = plan_route(inbox, mail, recipients, unit.session)
    if plan.action == "reply" and plan.ref:
        try:
            with unit.session.begin_nested():
                _reply(unit, inbox, mail, plan.ref, now)
            return "reply", plan.ref
        except IllegalTransition:  # closed since: a new ticket that names it
            plan = Route("filed", claims=plan.ref, why="that ticket was closed")
    decision = decision or decide(inbox, mail)
    return "filed", _file(unit, inbox, mail, now, plan, decision)


def handle_message(
    raw: bytes, inbox: Inbox, now: datetime, envelope_from: str = "",
    recipients: Sequence[str] = (),
) -> MailResult:  # fmt: skip
    """Handle one received message end to end; the result carries the SMTP reply to give.

    The mail's key and the ticket (or reply) it makes are written in one transaction: a mail
    that was acknowledged is filed, exactly once; one cut short by a crash left nothing, and
    the sender's retry files it.
    """
    try:
        mail = parse_mail(raw, inbox.limits, envelope_from)
    except Refused as exc:
        return MailResult("refused", exc.reply)
    if mail.automatic:
        return MailResult("ignored", "250 2.0.0 Automatic message accepted and ignored")
    db = inbox.db
    seen = receipts.mail_status(db, mail.key)
    if seen and seen[0] != "claimed":
        return MailResult("duplicate", "250 2.0.0 Already received", seen[1])
    try:
        files = save_files(mail.attachments, inbox.attachments_dir)  # by hash: harmless twice
        plan = plan_route(inbox, mail, recipients)
        decision = decide(inbox, mail) if plan.action == "filed" else None  # no lock held
        subject = redact(mail.subject, inbox.policy.ref_prefix)
        with one_transaction(db) as unit:
            row = receipts.take_mail(unit.session, mail.key, mail.message_id, mail.sender,
                                     subject, now)  # fmt: skip
            if row is None:
                raise _Duplicate
            status, ref = _apply(unit, inbox, mail, now, recipients, decision)
            receipts.finish_mail(unit.session, row, status, ref, files)
    except _Duplicate:
        seen = receipts.mail_status(db, mail.key)
        return MailResult("duplicate", "250 2.0.0 Already received", seen[1] if seen else None)
    except InvalidField as exc:
        return MailResult("refused", f"554 5.6.0 {exc}")
    except Exception:
        log.exception("mail %s could not be handled", mail.message_id)
        return MailResult("failed", "451 4.3.0 Temporary failure, please try again later")
    return MailResult(status, f"250 2.0.0 Accepted as {ref}", ref)


class SupportHandler:
    """The aiosmtpd handler: accepts the support addresses and hands DATA to handle_message."""

    def __init__(self, inbox: Inbox, clock: Callable[[], datetime] = utcnow):
        self.inbox, self.clock = inbox, clock

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options):  # noqa: N802
        """Accept only the support addresses, with any ``+detail`` (any when none are set)."""
        if self.inbox.addresses and base_address(address) not in self.inbox.addresses:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        """File or thread the message on a worker thread; reply with its outcome."""
        raw = envelope.original_content or envelope.content
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(
            None,
            handle_message,
            raw,
            self.inbox,
            self.clock(),
            envelope.mail_from or "",
            tuple(envelope.rcpt_tos),
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
