"""Outbound email: render what the outbox holds and deliver it through the configured SMTP server.

Configuration (``triage.settings``: instance/config.py or ``TRIAGE_*``): MAIL_HOST, MAIL_PORT,
MAIL_SECURITY (none, starttls, tls), MAIL_USERNAME, MAIL_PASSWORD, MAIL_FROM, PUBLIC_URL, and
MAIL_CA_FILE (a CA bundle to trust besides the system's). A pass claims due messages, sends them
on one connection and records each outcome: a 5xx reply to a message fails it for good; anything
else (4xx, network, TLS or sign-in trouble) retries with exponential backoff.

Each mail carries its ticket's secret reply address, ``Reply-To: support+SUP-000123.<tag>@...``,
and the same ``<SUP-000123.<tag>@...>`` in References (the tag is an HMAC of the ref under the
desk's key, never stored): only a reply that carries it is taken as the customer's reply.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from triage.channels.mailparse import reply_address, thread_id
from triage.channels.render import Rendered, TemplateError, render
from triage.desk import outbox
from triage.desk.db import Database
from triage.desk.outbox import OutboxItem
from triage.desk.tokens import Keyring, default_keyring, keyring_of
from triage.engine.policy import Policy

SECURITY = ("none", "starttls", "tls")
# Python's folding at 78 characters drops the space between two encoded words of a non-ASCII
# subject ("очікує на" arrives as "очікуєна"); unfolded headers (RFC 5322 allows 998) keep it.
HEADERS = email_policy.SMTP.clone(max_line_length=998)


class MailConfigError(ValueError):
    """A mail setting that cannot be used; the message names it."""


@dataclass(frozen=True)
class MailConfig:
    """Where and how to send."""

    host: str = "localhost"
    port: int = 25
    security: str = "none"
    username: str = ""
    password: str = field(default="", repr=False)
    sender: str = "support@localhost"
    public_url: str = "http://127.0.0.1:8000"
    timeout: float = 30.0
    max_attempts: int = 8
    backoff_base: float = 60.0
    ca_file: str = ""
    lease: float = 300.0  # seconds a sender holds a claimed message (renewed before each one)

    @classmethod
    def from_config(cls, cfg: Mapping[str, object]) -> MailConfig:
        """Read MAIL_* settings (strings from the environment are converted and checked)."""
        d = cls()
        try:
            conf = cls(
                host=str(cfg.get("MAIL_HOST", d.host)),
                port=int(cfg.get("MAIL_PORT", d.port)),  # type: ignore[arg-type]
                security=str(cfg.get("MAIL_SECURITY", d.security)).lower(),
                username=str(cfg.get("MAIL_USERNAME", "") or ""),
                password=str(cfg.get("MAIL_PASSWORD", "") or ""),
                sender=str(cfg.get("MAIL_FROM", d.sender)),
                public_url=str(cfg.get("PUBLIC_URL", d.public_url)),
                timeout=float(cfg.get("MAIL_TIMEOUT", d.timeout)),  # type: ignore[arg-type]
                max_attempts=int(cfg.get("MAIL_MAX_ATTEMPTS", d.max_attempts)),  # type: ignore[arg-type]
                backoff_base=float(cfg.get("MAIL_BACKOFF_SECONDS", d.backoff_base)),  # type: ignore[arg-type]
                ca_file=str(cfg.get("MAIL_CA_FILE", "") or ""),
                lease=float(cfg.get("MAIL_LEASE_SECONDS", d.lease)),  # type: ignore[arg-type]
            )
        except (TypeError, ValueError) as exc:
            raise MailConfigError(f"MAIL_* setting is not a number: {exc}") from None
        if conf.security not in SECURITY:
            raise MailConfigError(f"MAIL_SECURITY must be one of {', '.join(SECURITY)}")
        if "@" not in parseaddr(conf.sender)[1]:
            raise MailConfigError(f"MAIL_FROM is not an email address: {conf.sender!r}")
        return conf


def build_message(
    item: OutboxItem, rendered: Rendered, cfg: MailConfig, ring: Keyring | None = None
) -> EmailMessage:
    """The email for one outbox item, threaded per ticket, marked as automatic (RFC 3834),
    with the ticket's secret reply address (Reply-To) and thread id (References)."""
    address = parseaddr(cfg.sender)[1]
    domain = address.rpartition("@")[2]
    tag = (ring or default_keyring()).reply_tag(item.ref)
    msg = EmailMessage(policy=HEADERS)
    msg["From"], msg["To"], msg["Subject"] = cfg.sender, item.to_addr, rendered.subject
    msg["Reply-To"] = reply_address(address, item.ref, tag)
    msg["Date"] = format_datetime(datetime.now().astimezone())
    msg["Message-ID"] = make_msgid(f"{item.kind}.{item.id}", domain=domain)  # stored: no tag
    msg["References"] = thread_id(item.ref, tag, domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(rendered.body)  # clears Content-* headers: the language goes after it
    msg["Content-Language"] = item.lang
    return msg


def connect(cfg: MailConfig) -> smtplib.SMTP:
    """An open, authenticated SMTP connection as the configuration says."""
    tls = ssl.create_default_context(cafile=cfg.ca_file or None)
    if cfg.security == "tls":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=tls)
    else:
        smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        if cfg.security == "starttls":
            smtp.starttls(context=tls)
    if cfg.username:
        smtp.login(cfg.username, cfg.password)
    return smtp


def is_permanent(exc: Exception) -> bool:
    """Whether a send error is final: a 5xx SMTP reply (4xx and network errors are retried)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and code >= 500


@dataclass
class SendResult:
    """What one pass did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0
    errors: list[str] = field(default_factory=list)


def still_applies(item: OutboxItem) -> bool:
    """A reminder is only sent while its ticket still waits on the customer."""
    return item.kind != "reminder" or item.ticket_status == "waiting_customer"


def _fail(db, item, worker, now, exc, cfg, result: SendResult, final: bool | None = None) -> None:
    text = f"{type(exc).__name__}: {exc}"
    status = outbox.mark_failed(
        db, item, worker, now, text, permanent=is_permanent(exc) if final is None else final,
        max_attempts=cfg.max_attempts, base=cfg.backoff_base,
    )  # fmt: skip
    result.errors.append(f"{item.ref} {item.kind}: {text}")
    if status == "failed":
        result.failed += 1
    else:
        result.retried += 1


class SealError(ValueError):
    """A message's sealed secret cannot be opened with the configured keys (DATA_KEYS)."""

    smtp_code = 550  # it never gets better: given up, and its sealed value erased


def _deliver(db, policy, cfg, smtp, item, worker, now, result: SendResult, ring, clock) -> None:
    try:
        if not item.sealed_ok:
            raise SealError("the sealed secret cannot be opened with the configured DATA_KEYS")
        rendered = render(item.kind, item.lang, item.context, policy, cfg.public_url)
    except (TemplateError, KeyError, ValueError) as exc:
        exc.smtp_code = 550  # type: ignore[attr-defined] - a broken message never gets better
        _fail(db, item, worker, now, exc, cfg, result)
        return
    msg = build_message(item, rendered, cfg, ring)
    if not outbox.renew(db, item, worker, clock, cfg.lease):  # another sender took it over
        result.errors.append(f"{item.ref} {item.kind}: lease lost, left to the other sender")
        return
    try:
        smtp.send_message(msg)
    except (smtplib.SMTPException, OSError) as exc:
        _fail(db, item, worker, now, exc, cfg, result)
        return
    outbox.mark_sent(db, item, worker, now, msg["Message-ID"])
    result.sent += 1


def send_pending(
    db: Database, policy: Policy, cfg: MailConfig, now: datetime, worker: str | None = None,
    limit: int = 50,
) -> SendResult:  # fmt: skip
    """Claim due outbox messages and deliver them on one connection; the counts.

    ``now`` is the pass's clock; each lease renewal adds the time the pass has taken so far.
    """
    worker = worker or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    result = SendResult()
    ring = keyring_of(db)
    started = time.monotonic()
    items = outbox.claim(db, now, worker, limit, cfg.lease)
    live = [i for i in items if still_applies(i)]
    for item in items:
        if item not in live:
            outbox.drop(db, item, worker, "no longer applies")
            result.dropped += 1
    if not live:
        return result
    try:
        smtp = connect(cfg)
    except (smtplib.SMTPException, OSError) as exc:  # the server, not the message: retry
        for item in live:
            _fail(db, item, worker, now, exc, cfg, result, final=False)
        return result
    with smtp:
        for item in live:
            clock = now + timedelta(seconds=time.monotonic() - started)  # for the lease only
            _deliver(db, policy, cfg, smtp, item, worker, now, result, ring, clock)
    return result
