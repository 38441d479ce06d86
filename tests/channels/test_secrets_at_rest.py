"""No plain tracking token in the database: sealed until the mail goes, erased afterwards."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import MetaData, select

from tests.channels.conftest import mail_config
from triage.channels.mail_out import send_pending
from triage.desk import tickets
from triage.desk.channel_models import OutboxMessage
from triage.desk.db import open_database
from triage.desk.intake import Classified, Intake
from triage.desk.tokens import Keyring

MON_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DECIDED = Classified("access", "medium", "L1", 0.9)
INTAKE = Intake(description="cannot sign in", contact="ann@example.com", module="A", version="1")


def holders(db, secret: str) -> list[str]:
    """Every table.column of the database whose text contains ``secret``."""
    meta = MetaData()
    meta.reflect(db.engine)
    found = []
    with db.engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                for column, value in row._mapping.items():
                    if value is not None and secret in str(value):
                        found.append(f"{table.name}.{column}")
    return found


def outbox_rows(db) -> list[OutboxMessage]:
    with db.read() as s:
        return list(s.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def test_after_filing_no_table_holds_the_plain_token(db, policy, sink):
    handler, port = sink
    filed = tickets.file_ticket(db, policy, INTAKE, DECIDED, MON_9)
    assert holders(db, filed.token) == []
    [row] = outbox_rows(db)
    assert "token" not in row.context and row.context["sealed"]
    assert send_pending(db, policy, mail_config(port), MON_9).sent == 1
    body = handler.messages[0].get_content()  # the mail still carries the working link
    assert f"https://help.example.com/t/{filed.ref}?token={filed.token}" in body
    [row] = outbox_rows(db)
    assert "sealed" not in row.context and holders(db, filed.token) == []


def test_a_given_up_delivery_erases_the_sealed_secret(db, policy, sink):
    handler, port = sink
    filed = tickets.file_ticket(db, policy, INTAKE, DECIDED, MON_9)
    handler.refuse, handler.reply = 1, "550 5.1.1 No such user"
    assert send_pending(db, policy, mail_config(port), MON_9).failed == 1
    [row] = outbox_rows(db)
    assert row.status == "failed" and "sealed" not in row.context and "token" not in row.context
    assert holders(db, filed.token) == []


def test_retries_exhausted_erase_it_too_and_a_retry_keeps_it(db, policy):
    tickets.file_ticket(db, policy, INTAKE, DECIDED, MON_9)
    cfg = mail_config(9, timeout=1.0, max_attempts=2)  # nothing listens on port 9
    assert send_pending(db, policy, cfg, MON_9).retried == 1
    assert outbox_rows(db)[0].context.get("sealed")  # still owed: kept, sealed
    assert send_pending(db, policy, cfg, datetime(2026, 11, 24, tzinfo=UTC)).failed == 1
    assert "sealed" not in outbox_rows(db)[0].context


def test_a_desk_with_its_own_key(db_url, policy, sink):
    """The seal is the configured key's: another key cannot open it (the mail is given up)."""
    handler, port = sink
    ours = open_database(db_url, Keyring(["key one"]))
    other = open_database(db_url, Keyring(["key two"]))
    rotated = open_database(db_url, Keyring(["key three", "key one"]))
    try:
        filed = tickets.file_ticket(ours, policy, INTAKE, DECIDED, MON_9)
        tickets.file_ticket(ours, policy, INTAKE, DECIDED, MON_9)
        assert send_pending(rotated, policy, mail_config(port), MON_9, limit=1).sent == 1
        assert filed.token in handler.messages[0].get_content()  # an older key still opens it
        result = send_pending(other, policy, mail_config(port), MON_9)
        assert result.failed == 1 and "DATA_KEYS" in result.errors[0]
        assert all("sealed" not in r.context for r in outbox_rows(ours))
    finally:
        for d in (ours, other, rotated):
            d.dispose()


def test_keyring_from_settings(tmp_path):
    from triage.desk.tokens import keyring_from_config

    folder = {"INSTANCE_DIR": str(tmp_path / "inst")}
    made = keyring_from_config(folder)  # no key set: one is kept in the instance folder
    assert (tmp_path / "inst" / "secret_key").is_file()
    again = keyring_from_config(folder)
    assert again.unseal(made.seal("x")) == "x" and again.reply_tag("SUP-1") == made.reply_tag(
        "SUP-1"
    )
    by_secret = keyring_from_config({"SECRET_KEY": "abc", **folder})
    assert by_secret.unseal(made.seal("x")) is None
    keys = keyring_from_config({"DATA_KEYS": "new, abc", "SECRET_KEY": "zzz", **folder})
    assert keys.unseal(by_secret.seal("x")) == "x"  # rotated: the old key still opens
    assert keys.tag_matches("SUP-1", by_secret.reply_tag("SUP-1"))
    assert not keys.tag_matches("SUP-2", by_secret.reply_tag("SUP-1"))
