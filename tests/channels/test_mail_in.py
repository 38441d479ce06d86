"""Inbound mail over real SMTP: smtplib talks to the listener on a loopback port."""

from __future__ import annotations

import smtplib
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.channels.conftest import mail_config
from triage.channels.mail_in import Inbox, start_listener
from triage.channels.mail_out import send_pending
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
    body = (
        "I forgot my password and cannot sign in.\nModule: Accounts\nVersion: 2.3\n"
        "Steps: open the portal, type the old password\n"
    )
    code, text = converse(port, mail(body=body).as_bytes(policy=SMTP))
    assert (code, text) == (250, "2.0.0 Accepted as SUP-000001")
    [t] = rows(db, Ticket)
    assert (t.channel, t.contact, t.module, t.version, t.lang) == (
        "email", "ann@example.com", "Accounts", "2.3", "en",
    )  # fmt: skip
    assert t.steps == "open the portal, type the old password"
    assert t.description.startswith("Cannot sign in\n\nI forgot my password")
    assert t.subject == "Cannot sign in"  # the mail's Subject header is the ticket's subject
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


def our_mail(db, policy, sink) -> EmailMessage:
    """The last mail the desk sent (through the outbox, to the sink)."""
    handler, port = sink
    send_pending(db, policy, mail_config(port, sender=f"Support <{SUPPORT}>"), utcnow())
    return handler.messages[-1]


def answer(ours: EmailMessage, body: str, **kw) -> EmailMessage:
    """A customer's reply to one of our mails, as a mail client writes it (To = Reply-To)."""
    msg = mail("Re: " + ours["Subject"], body, **kw)
    msg.replace_header("To", ours["Reply-To"])
    msg["In-Reply-To"] = ours["Message-ID"]
    msg["References"] = f"{ours['References']} {ours['Message-ID']}"
    return msg


def converse_to(port: int, msg: EmailMessage, sender: str = "ann@example.com"):
    """MAIL, RCPT to the mail's To address, DATA; the server's reply."""
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.ehlo()
        assert smtp.mail(sender)[0] == 250
        assert smtp.rcpt(str(msg["To"]))[0] == 250
        code, text = smtp.data(msg.as_bytes(policy=SMTP))
        return code, text.decode()


def test_reply_threads_onto_the_ticket_and_wakes_it(listener, db, policy, sink):
    _, port = listener
    converse(port, mail(message_id="<first@example.com>").as_bytes(policy=SMTP))
    tickets.transition(db, policy, "SUP-000001", "open", "bob", utcnow())
    tickets.transition(db, policy, "SUP-000001", "wait_customer", "bob", utcnow(), "Browser?")
    ours = our_mail(db, policy, sink)  # "We need more information", with the reply address
    assert ours["Reply-To"].startswith("support+SUP-000001.") and "Browser?" in ours.get_content()
    quoted = "Firefox 128 on Linux.\n\nOn Mon, Support <support@x> wrote:\n> Which browser?\n"
    reply = answer(ours, quoted, sender="ANN@example.com", message_id="<second@example.com>")
    assert converse_to(port, reply) == (250, "2.0.0 Accepted as SUP-000001")
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


def resolved_ticket_of_carol(port, db, policy) -> str:
    """Carol's ticket, filed by mail and resolved; its ref."""
    first = mail(sender="carol@example.com", message_id="<carol-1@example.com>")
    converse(port, first.as_bytes(policy=SMTP), "carol@example.com")
    [t] = rows(db, Ticket)
    for action in ("open", "resolve"):
        tickets.transition(db, policy, t.ref, action, "bob", utcnow())
    return t.ref


def test_forged_from_does_not_reopen_carols_ticket(listener, db, policy):
    """From: carol with MAIL FROM mallory and the ref in the subject: a new ticket, noted."""
    _, port = listener
    ref = resolved_ticket_of_carol(port, db, policy)
    forged = mail(f"Re: [{ref}] Cannot sign in", "Please reopen, it broke again.",
                  sender="carol@example.com", message_id="<forged@evil.test>")  # fmt: skip
    code, text = converse(port, forged.as_bytes(policy=SMTP), "mallory@evil.test")
    assert (code, text) == (250, "2.0.0 Accepted as SUP-000002")
    carol, new = rows(db, Ticket)
    assert carol.status == "resolved" and [e.actor for e in carol.events].count("customer") == 1
    assert new.events[1].data["refers_to"] == ref
    [note] = [e for e in new.events if e.kind == "comment"]
    assert not note.public and f"claims to be a reply to {ref}" in note.message
    assert "reply address" in note.message


def test_a_wrong_or_foreign_secret_is_no_reply(listener, db, policy, sink):
    """A made-up tag, or the secret of another ticket, does not thread onto Carol's ticket."""
    _, port = listener
    ref = resolved_ticket_of_carol(port, db, policy)
    guessed = mail(f"Re: [{ref}] again", "It broke again.", sender="carol@example.com",
                   message_id="<guess@evil.test>")  # fmt: skip
    guessed.replace_header("To", f"support+{ref}.aaaaaaaaaaaaaaaa@frontline.test")
    guessed["References"] = f"<{ref}.bbbbbbbbbbbbbbbb@frontline.test>"
    assert converse_to(port, guessed, "mallory@evil.test")[1].endswith("SUP-000002")
    converse(port, mail("Other", "My own problem.", sender="mallory@evil.test",
                                message_id="<m@evil.test>").as_bytes(policy=SMTP))  # fmt: skip
    mallorys = our_mail(db, policy, sink)  # the confirmation of Mallory's own ticket SUP-000003
    assert mallorys["To"] == "mallory@evil.test" and "SUP-000003" in mallorys["Reply-To"]
    swapped = answer(mallorys, "reopen", sender="carol@example.com", message_id="<sw@evil.test>")
    swapped.replace_header("Subject", f"Re: [{ref}] again")
    # Mallory's secret, Carol's From: neither Carol's ticket nor (not the contact) Mallory's
    assert converse_to(port, swapped, "mallory@evil.test")[1].endswith("SUP-000004")
    carol, _, _, last = rows(db, Ticket)
    assert carol.status == "resolved" and last.events[1].data["refers_to"] == "SUP-000003"


def test_a_real_reply_reopens_a_resolved_ticket(listener, db, policy, sink):
    _, port = listener
    ref = resolved_ticket_of_carol(port, db, policy)
    ours = our_mail(db, policy, sink)
    assert "resolved" in ours["Subject"]
    reply = answer(ours, "It broke again.", sender="carol@example.com", message_id="<c2@ex.com>")
    assert converse_to(port, reply, "carol@example.com") == (250, f"2.0.0 Accepted as {ref}")
    [carol] = rows(db, Ticket)
    assert carol.status == "in_progress" and carol.events[-1].data["action"] == "reopen"


def test_quoted_secrets_are_not_stored(listener, db, policy, sink):
    """A new mail quoting our link and reply address: the ticket keeps neither secret."""
    _, port = listener
    converse(port, mail(message_id="<q1@example.com>").as_bytes(policy=SMTP))
    ours = our_mail(db, policy, sink)
    body = ours.get_content()
    link = next(w for w in body.split() if "token=" in w)
    quoting = mail("Fwd: my old request", f"See {link} and write to {ours['Reply-To']}",
                   sender="dave@example.com", message_id="<q2@example.com>")  # fmt: skip
    assert converse(port, quoting.as_bytes(policy=SMTP), "dave@example.com")[0] == 250
    token, tag = link.split("token=")[1], str(ours["Reply-To"]).split(".")[1].split("@")[0]
    second = rows(db, Ticket)[1]
    assert token not in second.description and tag not in second.description
    assert "/t/SUP-000001?token=" in second.description
