"""Outbound mail over real SMTP: the outbox, templates per language, retries, two senders."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.channels.conftest import mail_config
from tests.dbfixtures import fresh_url
from triage.channels.mail_out import send_pending
from triage.desk import reminders, tickets
from triage.desk.channel_models import OutboxMessage
from triage.desk.db import open_database
from triage.desk.intake import Classified, Intake

MON_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin
ARTICLE = {"id": "reset", "title": "Reset a password", "url": "/access/reset-password/"}
DECIDED = Classified("access", "medium", "L1", 0.9, (ARTICLE,))
FULL = Intake(
    description="I cannot sign in since the update",
    contact="ann@example.com",
    module="Accounts",
    version="2.3",
)


def file(db, policy, **kw):
    """File a ticket with the full intake (fields overridden by kw)."""
    intake = Intake(**{**FULL.__dict__, **kw})
    return tickets.file_ticket(db, policy, intake, DECIDED, MON_9)


def outbox(db) -> list[OutboxMessage]:
    """Every outbox row, oldest first."""
    with db.read() as s:
        return list(s.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def test_confirmation_has_ref_link_and_reaction_time(db, policy, sink):
    handler, port = sink
    filed = file(db, policy)
    result = send_pending(db, policy, mail_config(port), MON_9, worker="w1")
    assert (result.sent, result.retried, result.failed) == (1, 0, 0)
    [msg] = handler.messages
    assert msg["To"] == "ann@example.com" and filed.ref in msg["Subject"]
    assert msg["Auto-Submitted"] == "auto-generated" and msg["Content-Language"] == "en"
    body = msg.get_content()
    assert f"https://help.example.com/t/{filed.ref}?token={filed.token}" in body
    assert "within 96 support hours" in body and "Dec 7, 2026" in body  # reaction due, Berlin
    assert "Reset a password: https://help.example.com/access/reset-password/" in body
    [row] = outbox(db)
    assert row.status == "sent" and row.attempts == 1 and row.sent_at == MON_9
    assert "token" not in row.context  # the token is kept only until the mail has gone


@pytest.mark.parametrize(
    ("lang", "subject", "phrases"),
    [
        ("de", "Wir haben Ihre Anfrage erhalten", ["Support-Stunden", "Priorität: mittel"]),
        ("ru", "Мы получили ваше обращение", ["рабочих часов", "Приоритет: средний"]),
        ("uk", "Ми отримали ваше звернення", ["робочих годин", "Пріоритет: середній"]),
    ],
)
def test_confirmation_in_the_ticket_language(db, policy, sink, lang, subject, phrases):
    handler, port = sink
    file(db, policy, lang=lang)
    send_pending(db, policy, mail_config(port), MON_9)
    [msg] = handler.messages
    assert subject in msg["Subject"] and msg["Content-Language"] == lang
    body = msg.get_content()
    assert all(p in body for p in phrases), body
    assert "Hello" not in body


def test_missing_intake_listed_and_no_mail_without_address(db, policy, sink):
    handler, port = sink
    file(db, policy, version="", lang="de")
    file(db, policy, contact="+49 30 1234567")  # a phone number: nothing to send
    send_pending(db, policy, mail_config(port), MON_9)
    [msg] = handler.messages
    assert "Für die Bearbeitung fehlen uns noch: die Produktversion" in msg.get_content()
    assert len(outbox(db)) == 1


def test_retry_after_the_server_refused_once(db, policy, sink):
    handler, port = sink
    handler.refuse = 1
    file(db, policy)
    cfg = mail_config(port)
    first = send_pending(db, policy, cfg, MON_9, worker="w1")
    assert (first.sent, first.retried) == (0, 1) and handler.refused == 1
    [row] = outbox(db)
    assert row.status == "pending" and row.attempts == 1 and "451" in row.last_error
    assert row.next_attempt_at == MON_9 + timedelta(seconds=1)
    assert send_pending(db, policy, cfg, MON_9, worker="w1").sent == 0  # not due yet
    later = send_pending(db, policy, cfg, MON_9 + timedelta(seconds=2), worker="w1")
    assert later.sent == 1 and len(handler.messages) == 1
    [row] = outbox(db)
    assert row.status == "sent" and row.attempts == 2 and row.last_error is None


def test_backoff_doubles_and_a_5xx_is_final(db, policy, sink):
    handler, port = sink
    file(db, policy)
    cfg = mail_config(9, timeout=1.0)  # nothing listens on port 9 (discard): connection refused
    now = MON_9
    for attempt, wait in ((1, 1), (2, 2), (3, 4)):
        assert send_pending(db, policy, cfg, now).retried == 1
        [row] = outbox(db)
        assert row.attempts == attempt and row.next_attempt_at == now + timedelta(seconds=wait)
        now = row.next_attempt_at
    handler.refuse, handler.reply = 1, "550 5.1.1 No such user"
    result = send_pending(db, policy, mail_config(port), now)
    assert (result.failed, result.sent) == (1, 0)
    [row] = outbox(db)
    assert row.status == "failed" and "550" in row.last_error
    assert send_pending(db, policy, mail_config(port), now + timedelta(days=1)).sent == 0


def test_lifecycle_events_send_their_mails(db, policy, sink):
    handler, port = sink
    ref = file(db, policy).ref
    t = MON_9 + timedelta(hours=1)
    tickets.correct_priority(db, policy, ref, "bob", t, "high", "Production is blocked")
    tickets.comment(db, policy, ref, "bob", t, "Internal: check the LDAP sync", public=False)
    tickets.comment(db, policy, ref, "bob", t, "Please try signing in again now.", public=True)
    tickets.transition(db, policy, ref, "open", "bob", t)
    tickets.transition(db, policy, ref, "wait_customer", "bob", t, "Which browser do you use?")
    tickets.transition(db, policy, ref, "resume", "bob", t)
    tickets.transition(db, policy, ref, "resolve", "bob", t, message="The LDAP sync was fixed.")
    send_pending(db, policy, mail_config(port), t)
    bodies = {m["Subject"].split("] ", 1)[1]: m.get_content() for m in handler.messages}
    assert list(bodies) == [
        "We have received your request",
        "The priority of your request has changed",
        "A reply to your request",
        "We need more information",
        "Your request has been resolved",
    ]
    assert "from medium to high" in bodies["The priority of your request has changed"]
    assert "Reason: Production is blocked" in bodies["The priority of your request has changed"]
    assert "within 16 support hours" in bodies["The priority of your request has changed"]
    assert "Which browser do you use?" in bodies["We need more information"]
    resolved = bodies["Your request has been resolved"]
    assert "The LDAP sync was fixed." in resolved and "Reset a password" in resolved
    assert all("Internal" not in b for b in bodies.values())


def test_two_senders_on_postgresql_never_send_twice(request, tmp_path, policy, sink):
    handler, port = sink
    handler.delay = 0.01  # slow deliveries: the two senders' claims overlap
    url = fresh_url("postgresql", request, tmp_path)
    dbs = [open_database(url) for _ in range(3)]
    refs = {file(dbs[0], policy, contact=f"user{i}@example.com").ref for i in range(30)}
    cfg = mail_config(port)

    start = threading.Barrier(2)

    def worker(db, name):
        start.wait(10)
        while send_pending(db, policy, cfg, MON_9, worker=name, limit=3).sent:
            pass

    threads = [threading.Thread(target=worker, args=(dbs[i], f"w{i}")) for i in (1, 2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    subjects = [m["Subject"] for m in handler.messages]
    assert len(subjects) == 30 and len(set(subjects)) == 30
    assert {s.split("]")[0].lstrip("[") for s in subjects} == refs
    rows = outbox(dbs[0])
    assert {r.status for r in rows} == {"sent"} and {r.attempts for r in rows} == {1}
    assert {r.claimed_by for r in rows} == {"w1", "w2"}  # both took part
    for db in dbs:
        db.dispose()


def test_reminder_and_closing_notice(db, policy, sink):
    handler, port = sink
    waiting = Intake(description="Пароль не подходит", contact="ivan@example.com", lang="ru")
    ref = tickets.file_ticket(db, policy, waiting, DECIDED, MON_9).ref
    wed, dec_7 = MON_9 + timedelta(days=2), MON_9 + timedelta(days=14)
    reminders.run(db, policy, wed)
    send_pending(db, policy, mail_config(port), wed)
    reminders.run(db, policy, dec_7)
    send_pending(db, policy, mail_config(port), dec_7)
    subjects = [m["Subject"] for m in handler.messages]
    assert subjects == [
        f"[{ref}] Мы получили ваше обращение",
        f"[{ref}] Напоминание: мы ждём ваших сведений",
        f"[{ref}] Ваше обращение закрыто",
    ]
    reminder, closed = (m.get_content() for m in handler.messages[1:])
    assert "23 ноября 2026" in reminder and "7 декабря 2026" in reminder
    assert "модуль продукта, версия продукта" in reminder
    assert "необходимые сведения не были предоставлены" in closed


def test_reminder_dropped_once_the_customer_answered(db, policy, sink):
    handler, port = sink
    waiting = Intake(description="cannot sign in", contact="ann@example.com")
    ref = tickets.file_ticket(db, policy, waiting, DECIDED, MON_9).ref
    wed = MON_9 + timedelta(days=2)
    send_pending(db, policy, mail_config(port), MON_9)
    assert reminders.run(db, policy, wed).reminded == [ref]
    tickets.transition(db, policy, ref, "open", "customer", wed)  # answered before the send
    result = send_pending(db, policy, mail_config(port), wed)
    assert (result.sent, result.dropped) == (0, 1) and len(handler.messages) == 1
