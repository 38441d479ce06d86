"""Intake that completes itself, and mail that always links the status page with its token.

Real SMTP both ways: the listener takes the customer's mails, the outbox sends ours to the
test's own aiosmtpd sink.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from tests.channels.conftest import mail_config
from tests.channels.test_mail_in import (
    SMTP,
    SUPPORT,
    answer,
    converse,
    converse_to,
    mail,
    rows,
)
from tests.channels.test_mail_in import listener as listener  # noqa: F401 - a fixture
from tests.channels.test_secrets_at_rest import holders
from triage.channels.mail_out import send_pending
from triage.desk import reminders, tickets, tracking
from triage.desk.intake import Classified, Intake, parse_fields
from triage.desk.models import Ticket, utcnow

MON_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DECIDED = Classified("access", "medium", "L1", 0.9)
FULL = Intake(
    description="I cannot sign in since the update",
    contact="ann@example.com",
    module="Accounts",
    version="2.3",
    steps="1. open the portal 2. sign in",
)


def sent(db, policy, sink, now=None) -> list:
    """Send what the outbox holds to the sink; every message the sink has."""
    handler, port = sink
    send_pending(db, policy, mail_config(port, sender=f"Support <{SUPPORT}>"), now or utcnow())
    return handler.messages


# --- the customer's reply supplies the missing fields -------------------------------------

REPLIES = {
    "ru": ("Не могу войти.\nШаги: открыть портал", "Модуль: Compute / Версия: 5.1"),
    "en": ("I cannot sign in.\nSteps: open the portal", "Module: Compute\nVersion: 5.1"),
    "uk": ("Не можу увійти.\nКроки: відкрити портал", "Модуль: Compute; Версія: 5.1"),
    "de": (
        "Ich kann mich nicht anmelden.\nSchritte: Portal öffnen",
        "Modul: Compute, Version: 5.1",
    ),
}


@pytest.mark.parametrize("lang", list(REPLIES))
def test_a_reply_with_the_missing_fields_fills_them_and_the_ticket_moves_on(
    listener,  # noqa: F811
    db,
    policy,
    sink,
    lang,
):
    _, port = listener
    first, reply = REPLIES[lang]
    converse(port, mail("Login", first, message_id=f"<{lang}-1@example.com>").as_bytes(policy=SMTP))
    [t] = rows(db, Ticket)
    assert t.status == "waiting_customer" and (t.module, t.version) == ("", "")
    assert t.steps  # the steps came with the first mail
    [ours] = sent(db, policy, sink)
    code, _text = converse_to(port, answer(ours, reply, message_id=f"<{lang}-2@example.com>"))
    assert code == 250
    [t] = rows(db, Ticket)
    assert (t.module, t.version) == ("Compute", "5.1")
    assert t.status == "open"
    [filled] = [e for e in t.events if e.kind == "intake"]
    assert filled.public and filled.actor == "customer"
    assert filled.data["fields"] == ["module", "version"]


def test_a_reply_never_overwrites_what_support_already_has(listener, db, policy, sink):  # noqa: F811
    _, port = listener
    body = "Broken.\nModule: Portal\nSteps: open it"
    converse(port, mail("Broken", body, message_id="<o-1@example.com>").as_bytes(policy=SMTP))
    [ours] = sent(db, policy, sink)
    converse_to(port, answer(ours, "Module: Compute / Version: 5.1", message_id="<o-2@ex.com>"))
    [t] = rows(db, Ticket)
    assert (t.module, t.version, t.status) == ("Portal", "5.1", "open")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Модуль: Compute / Версия: 5.1", {"module": "Compute", "version": "5.1"}),
        ("module = Portal\nversion:1.2", {"module": "Portal", "version": "1.2"}),
        ("Schritte: 1. öffnen\n2. klicken\n\nGruß", {"steps": "1. öffnen\n2. klicken"}),
        ("Кроки відтворення: натиснути «Вхід»", {"steps": "натиснути «Вхід»"}),
        ("Submodule: x", {}),
        ("Module:   \nVersion: 2", {"version": "2"}),
    ],
)
def test_parse_fields(text, found):
    assert parse_fields(text) == found


# --- every mail links the status page with the token ---------------------------------------


def test_every_follow_up_mail_links_the_status_page_with_its_token(db, policy, sink):
    filed = tickets.file_ticket(db, policy, FULL, DECIDED, MON_9)
    ref, token, at = filed.ref, filed.token, MON_9
    for step in range(4):
        at += timedelta(hours=1)
        if step == 0:
            tickets.comment(db, policy, ref, "bob", at, "Please clear the cache.", public=True)
        elif step == 1:
            tickets.correct_priority(db, policy, ref, "bob", at, "high", "it blocks you")
        elif step == 2:
            tickets.transition(db, policy, ref, "wait_customer", "bob", at, "logs", "Logs?")
        else:
            reminders.run(db, policy, at + timedelta(days=2))
    messages = sent(db, policy, sink)
    kinds = [m["Subject"] for m in messages]
    assert len(messages) == 5, kinds  # confirmation, reply, priority, info request, reminder
    link = f"https://help.example.com/t/{ref}?token={token}"
    for m in messages:
        body = m.get_content()
        assert link in body, (m["Subject"], body)
        assert not re.search(rf"/t/{ref}(?!\?token=)", body), body  # never the bare 404 link
    assert holders(db, token) == []  # the token is kept sealed, never plain
    with db.read() as s:
        sealed = s.execute(select(Ticket.token_sealed).where(Ticket.ref == ref)).scalar()
    assert sealed and token not in sealed
    assert tracking.find_tracking(db, policy, ref, token, at) is not None


def test_a_ticket_without_a_sealed_token_sends_no_dead_link(db, policy, sink):
    """Tickets filed before the token was kept sealed: no /t/ link at all, never a 404."""
    filed = tickets.file_ticket(db, policy, FULL, DECIDED, MON_9)
    sent(db, policy, sink)
    with db.write() as s:
        s.execute(update(Ticket).values(token_sealed=None))
    tickets.comment(db, policy, filed.ref, "bob", MON_9, "Any news?", public=True)
    reply = sent(db, policy, sink)[-1].get_content()
    assert "Any news?" in reply and "/t/" not in reply


SUSPENDED = {
    "en": ("waiting for a third party", "support clock is paused"),
    "ru": ("ожидает третью сторону", "приостановлен"),
    "uk": ("очікує на третю сторону", "призупинено"),
    "de": ("wartet auf einen Dritten", "Support-Uhr angehalten"),
}


@pytest.mark.parametrize("lang", list(SUSPENDED))
def test_a_suspension_is_told_to_the_customer_in_their_language(db, policy, sink, lang):
    filed = tickets.file_ticket(
        db, policy, Intake(**{**FULL.__dict__, "lang": lang}), DECIDED, MON_9
    )
    for action in ("open", "start"):
        tickets.transition(db, policy, filed.ref, action, "carol", MON_9)
    reason = "vendor case 4711 at Acme"  # staff's own note: not for the customer
    tickets.transition(db, policy, filed.ref, "wait_third_party", "carol", MON_9, reason)
    confirmation, suspension = sent(db, policy, sink)
    subject, body = SUSPENDED[lang]
    # word for word: Python's folding at 78 characters glued "очікує на" into "очікуєна"
    assert subject in suspension["Subject"] and suspension["Content-Language"] == lang
    text = suspension.get_content()
    assert body in text and reason not in text
    assert f"/t/{filed.ref}?token={filed.token}" in text


def test_alerts_need_no_steps(policy):
    from triage.desk.intake import missing_fields

    blank = {"module": "node", "version": "unknown", "description": "disk", "contact": "x"}
    assert missing_fields(blank, policy, "alert") == ()
    assert missing_fields(blank, policy, "email") == ("steps",)
