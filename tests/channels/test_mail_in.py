"""Inbound mail over real SMTP: smtplib talks to the listener on a loopback port."""

from __future__ import annotations

import smtplib
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select

from triage.channels.mail_in import Inbox, start_listener
from triage.channels.mailparse import Limits
from triage.desk import receipts, tickets
from triage.desk.channel_models import InboundMail, OutboxMessage
from triage.desk.models import Event, Ticket, utcnow
from triage.desk.pgtemp import free_port

SUPPORT = "support@frontline.test"
SMTP = email_policy.SMTP  # CRLF line ends, as on the wire
LIMITS = Limits(max_bytes=60_000, max_attachments=2, max_attachment_bytes=20_000)


@pytest.fixture
def listener(db, policy, engine, tmp_path):
    """The SMTP listener on a free loopback port over a fresh desk: (inbox, port)."""
    inbox = Inbox(db, policy, engine, tmp_path / "attachments", LIMITS, (SUPPORT,))
    port = free_port()
    controller = start_listener(inbox, "127.0.0.1", port)
    yield inbox, port
    controller.stop()


def mail(subject="Cannot sign in", body="I forgot my password and cannot sign in.", **kw):
    """A plain-text mail to support (From ann unless given)."""
    msg = EmailMessage()
    msg["From"] = kw.pop("sender", "Ann Example <ann@example.com>")
    msg["To"], msg["Subject"] = SUPPORT, subject
    msg["Message-ID"] = kw.pop("message_id", f"<{abs(hash((subject, body)))}@example.com>")
    msg.set_content(body)
    return msg


def converse(port: int, raw: bytes, sender: str = "ann@example.com") -> tuple[int, str]:
    """MAIL, RCPT, DATA without a SIZE hint; the server's reply to DATA."""
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.ehlo()
        assert smtp.mail(sender)[0] == 250
        assert smtp.rcpt(SUPPORT)[0] == 250
        code, text = smtp.data(raw)
        return code, text.decode()


def rows(db, model) -> list:
    """Every row of a table, oldest first."""
    with db.read() as s:
        return list(s.execute(select(model).order_by(model.id)).scalars())


def count(db, model) -> int:
    """How many rows a table has."""
    with db.read() as s:
        return s.execute(select(func.count()).select_from(model)).scalar()


def test_new_mail_files_a_triaged_ticket(listener, db):
    _, port = listener
    body = "I forgot my password and cannot sign in.\nModule: Accounts\nVersion: 2.3\n"
    code, text = converse(port, mail(body=body).as_bytes(policy=SMTP))
    assert (code, text) == (250, "2.0.0 Accepted as SUP-000001")
    [t] = rows(db, Ticket)
    assert (t.channel, t.contact, t.module, t.version, t.lang) == (
        "email", "ann@example.com", "Accounts", "2.3", "en",
    )  # fmt: skip
    assert t.description.startswith("Cannot sign in\n\nI forgot my password")
    assert t.predicted_class == "access" and t.status == "new"
    triaged = t.events[1].data
    assert triaged["subject"] == "Cannot sign in" and triaged["suggestions"][0]["id"]
    [out] = rows(db, OutboxMessage)
    assert out.kind == "confirmation" and out.to_addr == "ann@example.com"


def test_russian_mail_and_sendmail_client(listener, db):
    _, port = listener
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        refused = smtp.send_message(mail("Консоль", "Сайт полностью не работает, консоль лежит"))
    assert refused == {}
    [t] = rows(db, Ticket)
    assert t.lang == "ru" and t.predicted_class == "outage" and t.line == "L3"
    assert t.status == "waiting_customer"  # module and version are missing: asked for


def test_reply_threads_onto_the_ticket_and_wakes_it(listener, db, policy):
    _, port = listener
    converse(port, mail(message_id="<first@example.com>").as_bytes(policy=SMTP))
    tickets.transition(db, policy, "SUP-000001", "open", "bob", utcnow())
    tickets.transition(db, policy, "SUP-000001", "wait_customer", "bob", utcnow(), "Browser?")
    quoted = "Firefox 128 on Linux.\n\nOn Mon, Support <support@x> wrote:\n> Which browser?\n"
    reply = mail("Re: [SUP-000001] Cannot sign in", quoted, sender="ANN@example.com",
                 message_id="<second@example.com>")  # fmt: skip
    assert converse(port, reply.as_bytes(policy=SMTP)) == (250, "2.0.0 Accepted as SUP-000001")
    [t] = rows(db, Ticket)
    assert t.status == "open"
    said = [(e.actor, e.kind, e.message) for e in t.events if e.actor == "customer"]
    assert said[-2:] == [
        ("customer", "comment", "Firefox 128 on Linux."),
        ("customer", "status", "Customer replied."),
    ]
    assert [r.status for r in rows(db, InboundMail)] == ["filed", "reply"]


def test_same_message_id_is_processed_once(listener, db):
    _, port = listener
    raw = mail(message_id="<once@example.com>").as_bytes(policy=SMTP)
    assert converse(port, raw)[0] == 250
    assert converse(port, raw) == (250, "2.0.0 Already received")
    assert count(db, Ticket) == 1 and count(db, InboundMail) == 1


def test_spoofed_ref_opens_a_new_ticket_and_leaves_the_other(listener, db):
    _, port = listener
    converse(port, mail(message_id="<ann@example.com>").as_bytes(policy=SMTP))
    [original] = rows(db, Ticket)
    before = [(e.id, e.kind) for e in original.events]
    spoof = mail("Re: [SUP-000001] please close", "Close it, thanks.",
                 sender="eve@evil.example", message_id="<eve@evil.example>")  # fmt: skip
    assert converse(port, spoof.as_bytes(policy=SMTP), "eve@evil.example")[1].endswith("SUP-000002")
    first, second = rows(db, Ticket)
    assert [(e.id, e.kind) for e in first.events] == before and first.status == original.status
    assert count(db, Event) == len(before) + len(second.events)
    assert second.contact == "eve@evil.example" and second.events[1].data["refers_to"] == (
        "SUP-000001"
    )


def test_html_only_mail_becomes_text(listener, db):
    _, port = listener
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "ann@example.com", SUPPORT, "Portal"
    msg.set_content(
        "<html><body><p>The portal is <b>down</b>.</p><script>steal()</script>"
        "<p>Error&nbsp;502<br>since 9:00</p></body></html>",
        subtype="html",
    )
    assert converse(port, msg.as_bytes(policy=SMTP))[0] == 250
    [t] = rows(db, Ticket)
    assert t.description == "Portal\n\nThe portal is down.\n\nError 502\nsince 9:00"


def test_attachments_stored_within_limits(listener, db):
    inbox, port = listener
    msg = mail(message_id="<att@example.com>")
    msg.add_attachment(b"line 1\nline 2\n", maintype="text", subtype="plain", filename="app.log")
    msg.add_attachment(b"\x89PNG" + b"0" * 1000, maintype="image", subtype="png",
                       filename="../../screen.png")  # fmt: skip
    assert converse(port, msg.as_bytes(policy=SMTP))[0] == 250
    files = receipts.attachments_of(db, "SUP-000001")
    assert [(f.filename, f.size) for f in files] == [("app.log", 14), ("screen.png", 1004)]
    stored = Path(inbox.attachments_dir) / files[0].sha256[:2] / files[0].sha256
    assert stored.read_bytes() == b"line 1\nline 2\n"


@pytest.mark.parametrize(("n", "size"), [(3, 10), (1, 25_000)])
def test_attachments_over_the_limits_are_refused(listener, db, n, size):
    _, port = listener
    msg = mail()
    for i in range(n):
        msg.add_attachment(b"x" * size, maintype="application", subtype="octet-stream",
                           filename=f"f{i}.bin")  # fmt: skip
    code, text = converse(port, msg.as_bytes(policy=SMTP))
    assert code == 552 and text.startswith("5.3.4")
    assert count(db, Ticket) == 0 and count(db, InboundMail) == 0


def test_oversize_message_refused_with_552(listener, db):
    _, port = listener
    big = mail(body="x" * 70_000 + "\n").as_bytes(policy=SMTP)
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:  # the client sends SIZE=...
        with pytest.raises(smtplib.SMTPSenderRefused) as err:
            smtp.sendmail("ann@example.com", [SUPPORT], big)
        assert err.value.smtp_code == 552
    assert converse(port, big)[0] == 552  # no SIZE hint: refused after DATA
    assert count(db, Ticket) == 0


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"From: =?utf-8?q?broken\r\nSubject: x\r\n\r\nbody\r\n", 550),
        (b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\nnone\r\n", 554),
    ],
)
def test_malformed_refused(listener, db, raw, code):
    _, port = listener
    assert converse(port, raw)[0] == code
    assert count(db, Ticket) == 0 and count(db, InboundMail) == 0


def test_other_recipients_and_auto_replies(listener, db):
    _, port = listener
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.sendmail("ann@example.com", ["ceo@frontline.test"], mail().as_bytes(policy=SMTP))
    auto = mail()
    auto["Auto-Submitted"] = "auto-replied"
    assert converse(port, auto.as_bytes(policy=SMTP))[0] == 250
    assert count(db, Ticket) == 0
