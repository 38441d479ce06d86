"""Reading an email (pure): sender, subject, text (HTML made plain), attachments, ticket ref.

Problems become ``Refused`` with the SMTP reply the listener gives: 550 for a missing or
malformed sender, 554 for a broken MIME structure or an empty message, 552 for attachments
over the limits. Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import policy as email_policy
from email.errors import (
    MultipartInvariantViolationDefect,
    NoBoundaryInMultipartDefect,
    StartBoundaryNotFoundDefect,
)
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr
from html.parser import HTMLParser
from pathlib import PurePath

from triage.desk.validation import clean_text

BROKEN_MIME = (
    NoBoundaryInMultipartDefect,
    StartBoundaryNotFoundDefect,
    MultipartInvariantViolationDefect,
)


class Refused(ValueError):
    """A mail the listener refuses; ``reply`` is the full SMTP reply line."""

    def __init__(self, reply: str):
        super().__init__(reply)
        self.reply = reply


@dataclass(frozen=True)
class Limits:
    """Size limits of one message."""

    max_bytes: int = 10 * 1024 * 1024
    max_attachments: int = 5
    max_attachment_bytes: int = 5 * 1024 * 1024


@dataclass(frozen=True)
class Part:
    """An attached file."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ParsedMail:
    """What a support mail says."""

    key: str  # sha256 of the Message-ID (of the raw bytes when it has none)
    message_id: str
    sender: str
    subject: str
    text: str
    attachments: tuple[Part, ...]
    automatic: bool  # an auto-reply (RFC 3834) or bulk mail: never answered
    addressed: tuple[str, ...] = ()  # To, Cc and Delivered-To addresses (lower case)
    references: tuple[str, ...] = ()  # message ids of In-Reply-To and References


class _Text(HTMLParser):
    BLOCK = frozenset(
        "p div br tr li h1 h2 h3 h4 h5 h6 table ul ol blockquote pre hr section article "
        "header footer address dd dt".split()
    )
    SKIP = frozenset({"script", "style", "head", "template", "noscript"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs) -> None:
        """Start skipping, or break the line before a block."""
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.out.append("\n- " if tag == "li" else "\n")

    def handle_endtag(self, tag) -> None:
        """Stop skipping, or break the line after a block."""
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data) -> None:
        """Keep text outside skipped elements, whitespace collapsed."""
        if not self.skipping:
            self.out.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Plain text of an HTML body: tags and scripts dropped, block ends as line breaks."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.out).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_QUOTE_HEAD = re.compile(
    r"^(on .+ wrote:|am .+ schrieb .+:|.+ (пишет|написал|написала|пише|написав|написала|"
    r"schrieb)\s*:?|-{2,}\s*(original message|ursprüngliche nachricht|исходное сообщение|"
    r"оригінальне повідомлення)\s*-{2,}|from: .+)$",
    re.IGNORECASE,
)


def strip_quoted(text: str) -> str:
    """A reply without the quoted earlier message (``>`` lines and what follows 'X wrote:')."""
    kept: list[str] = []
    for line in text.splitlines():
        if _QUOTE_HEAD.match(line.strip()):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line.rstrip())
    return "\n".join(kept).strip()


def find_ref(subject: str, prefix: str) -> str | None:
    """The ticket ref in a subject (``[SUP-000123]``), or None."""
    m = re.search(rf"\[\s*({re.escape(prefix)}-\d{{1,12}})\s*\]", subject or "", re.IGNORECASE)
    return m.group(1).upper() if m else None


def reply_address(support: str, ref: str, tag: str) -> str:
    """A ticket's secret reply address: ``support+SUP-000123.<tag>@domain`` (RFC 5233)."""
    local, _, domain = support.partition("@")
    return f"{local.split('+', 1)[0]}+{ref}.{tag}@{domain}"


def thread_id(ref: str, tag: str, domain: str) -> str:
    """A ticket's secret thread id, sent in References so replies carry it back."""
    return f"<{ref}.{tag}@{domain}>"


def base_address(address: str) -> str:
    """An address without its ``+detail`` part, lower case (what the mailbox is)."""
    local, _, domain = address.strip().lower().partition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def _secret_patterns(prefix: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    ref = rf"({re.escape(prefix)}-\d{{1,12}})\.([a-z2-7]{{8,64}})"
    return (
        re.compile(rf"\+{ref}@", re.IGNORECASE),  # in a reply address
        re.compile(rf"<{ref}@[^>\s]+>", re.IGNORECASE),  # in a thread id
    )


def secret_claims(mail: ParsedMail, prefix: str, recipients=()) -> list[tuple[str, str]]:
    """(ref, tag) pairs a mail carries in its recipients and references, in order, once each."""
    address, thread = _secret_patterns(prefix)
    found: list[tuple[str, str]] = []
    for text in (*recipients, *mail.addressed):
        found += [(m.group(1).upper(), m.group(2).lower()) for m in address.finditer(text)]
    for text in mail.references:
        found += [(m.group(1).upper(), m.group(2).lower()) for m in thread.finditer(text)]
    return list(dict.fromkeys(found))


_TRACKING = re.compile(r"([?&]token=)[A-Za-z0-9_-]{16,}")


def redact(text: str, prefix: str) -> str:
    """Text to store from a mail, without the secrets our own mails carry: reply tags and
    tracking tokens that a customer's mail quotes back (pure)."""
    address, thread = _secret_patterns(prefix)
    text = address.sub(lambda m: f"+{m.group(1)}@", text or "")
    text = thread.sub(lambda m: f"<{m.group(1)}@…>", text)
    return _TRACKING.sub(r"\1…", text)


def intake_fields(text: str) -> dict[str, str]:
    """``Module: X`` and ``Version: Y`` of a mail body (any of our languages; see
    ``triage.desk.intake.parse_fields``, which also reads the steps)."""
    from triage.desk.intake import parse_fields

    return {k: v for k, v in parse_fields(text).items() if k in ("module", "version")}


def _sender(msg: EmailMessage, envelope_from: str) -> str:
    header = msg.get("From")
    addresses = getattr(header, "addresses", ()) if header is not None else ()
    if header is not None and (len(addresses) != 1 or header.defects):
        raise Refused("550 5.1.7 The From header is malformed")
    address = addresses[0].addr_spec if addresses else parseaddr(envelope_from)[1]
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address or ""):
        raise Refused("550 5.1.7 No valid sender address")
    return address.lower()


def _safe_name(name: str | None, n: int) -> str:
    name = PurePath((name or "").replace("\\", "/")).name
    name = re.sub(r"[\x00-\x1f\x7f/]", "", clean_text(name)).strip(". ")
    return name[:200] or f"attachment-{n}.bin"


def _attachments(msg: EmailMessage, limits: Limits) -> tuple[Part, ...]:
    parts = []
    for i, part in enumerate(msg.iter_attachments(), 1):
        data = part.get_payload(decode=True)
        data = data if isinstance(data, bytes) else part.as_bytes()
        if len(data) > limits.max_attachment_bytes:
            mib = limits.max_attachment_bytes / 1024 / 1024
            raise Refused(f"552 5.3.4 Attachment {i} is larger than {mib:g} MiB")
        parts.append(Part(_safe_name(part.get_filename(), i), part.get_content_type(), data))
    if len(parts) > limits.max_attachments:
        raise Refused(f"552 5.3.4 More than {limits.max_attachments} attachments")
    return tuple(parts)


def _body_text(msg: EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, UnicodeError, AssertionError) as exc:
        raise Refused(f"554 5.6.0 The message body cannot be decoded ({exc})") from None
    text = html_to_text(content) if body.get_content_type() == "text/html" else content
    return text.replace("\r\n", "\n").strip()


def parse_mail(raw: bytes, limits: Limits = Limits(), envelope_from: str = "") -> ParsedMail:
    """Read a raw message; Refused (with its SMTP reply) when it cannot be taken."""
    if len(raw) > limits.max_bytes:
        raise Refused("552 5.3.4 Message too big")
    msg = BytesParser(policy=email_policy.default).parsebytes(raw)
    if any(isinstance(d, BROKEN_MIME) for d in msg.defects) or not msg.keys():
        raise Refused("554 5.6.0 Malformed message: broken headers or MIME structure")
    sender = clean_text(_sender(msg, envelope_from))  # mail cannot be asked again: cleaned
    subject = clean_text(" ".join(str(msg.get("Subject", "")).split()))[:300]
    text = clean_text(_body_text(msg))
    attachments = _attachments(msg, limits)
    if not (subject or text):
        raise Refused("554 5.6.0 The message has neither subject nor text")
    message_id = clean_text(str(msg.get("Message-ID", ""))).strip()
    key = hashlib.sha256(message_id.encode() if message_id else raw).hexdigest()
    auto = str(msg.get("Auto-Submitted", "no")).strip().lower() != "no"
    auto = auto or str(msg.get("Precedence", "")).strip().lower() in ("bulk", "junk", "list")
    addressed = tuple(
        a.addr_spec.lower()
        for name in ("To", "Cc", "Delivered-To")
        for header in (msg.get_all(name) or [])
        for a in getattr(header, "addresses", ())
    )
    refs = " ".join(str(msg.get(name, "")) for name in ("In-Reply-To", "References"))
    references = tuple(re.findall(r"<[^<>\s]{1,500}>", refs))
    return ParsedMail(
        key, message_id, sender, subject, text, attachments, auto, addressed, references
    )
