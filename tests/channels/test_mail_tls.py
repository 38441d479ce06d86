"""The sender over STARTTLS with sign-in, and over implicit TLS, against aiosmtpd on loopback.

``data/loopback.crt`` and ``.key`` are a self-signed test certificate for localhost and
127.0.0.1 (valid until 2126), made with ``openssl req -x509``; MAIL_CA_FILE trusts it.
"""

from __future__ import annotations

import ssl
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select

from tests.channels.conftest import Sink, mail_config
from triage.channels.mail_out import MailConfig, MailConfigError, send_pending
from triage.desk import tickets
from triage.desk.channel_models import OutboxMessage
from triage.desk.intake import Classified, Intake
from triage.desk.pgtemp import free_port

DATA = Path(__file__).with_name("data")
CA = str(DATA / "loopback.crt")
MON_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
USER, PASSWORD = "frontline", "correct horse"


def server_tls() -> ssl.SSLContext:
    """The sink's TLS context with the test certificate."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(CA, str(DATA / "loopback.key"))
    return ctx


def authenticator(server, session, envelope, mechanism, data) -> AuthResult:
    """Accept only USER with PASSWORD."""
    ok = data.login.decode() == USER and data.password.decode() == PASSWORD
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


@pytest.fixture
def starttls_sink():
    """A sink that demands STARTTLS, then a sign-in, before it takes mail."""
    handler, port = Sink(), free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, tls_context=server_tls(),
        require_starttls=True, auth_required=True, authenticator=authenticator,
    )  # fmt: skip
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def tls_sink():
    """A sink spoken to over TLS from the first byte (SMTPS)."""
    handler, port = Sink(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ssl_context=server_tls())
    controller.start()
    yield handler, port
    controller.stop()


def queue_one(db, policy) -> str:
    """File one ticket whose confirmation is queued; its ref."""
    intake = Intake(description="cannot sign in", contact="ann@example.com", module="A",
                    version="1")  # fmt: skip
    return tickets.file_ticket(db, policy, intake, Classified("access", "medium", "L1"), MON_9).ref


def status(db) -> tuple[str, int, str | None]:
    """(status, attempts, last error) of the only outbox row."""
    with db.read() as s:
        row = s.execute(select(OutboxMessage)).scalar_one()
        return row.status, row.attempts, row.last_error


@pytest.fixture
def db(request, tmp_path):
    """One SQLite desk: TLS and sign-in do not depend on the database."""
    from tests.dbfixtures import fresh_url
    from triage.desk.db import open_database

    database = open_database(fresh_url("sqlite", request, tmp_path))
    yield database
    database.dispose()


def test_starttls_and_sign_in(db, policy, starttls_sink):
    handler, port = starttls_sink
    ref = queue_one(db, policy)
    cfg = mail_config(port, host="localhost", security="starttls", username=USER,
                      password=PASSWORD, ca_file=CA)  # fmt: skip
    assert send_pending(db, policy, cfg, MON_9).sent == 1
    assert ref in handler.messages[0]["Subject"]


def test_wrong_password_or_no_tls_is_retried(db, policy, starttls_sink):
    _, port = starttls_sink
    queue_one(db, policy)
    wrong = mail_config(port, host="localhost", security="starttls", username=USER,
                        password="nope", ca_file=CA)  # fmt: skip
    assert send_pending(db, policy, wrong, MON_9).retried == 1
    assert status(db)[0] == "pending" and "535" in status(db)[2]
    plain = mail_config(port, username=USER, password=PASSWORD)  # no STARTTLS: refused
    assert send_pending(db, policy, plain, datetime(2026, 11, 24, tzinfo=UTC)).retried == 1
    assert status(db)[:2] == ("pending", 2)


def test_untrusted_certificate_is_not_accepted(db, policy, tls_sink):
    _, port = tls_sink
    queue_one(db, policy)
    cfg = mail_config(port, host="localhost", security="tls")  # the system CAs only
    result = send_pending(db, policy, cfg, MON_9)
    assert result.retried == 1 and "CERTIFICATE_VERIFY_FAILED" in status(db)[2]


def test_implicit_tls(db, policy, tls_sink):
    handler, port = tls_sink
    queue_one(db, policy)
    cfg = mail_config(port, host="localhost", security="tls", ca_file=CA)
    assert send_pending(db, policy, cfg, MON_9).sent == 1 and len(handler.messages) == 1


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"MAIL_SECURITY": "ssl3"}, "MAIL_SECURITY must be one of none, starttls, tls"),
        ({"MAIL_PORT": "twenty-five"}, "not a number"),
        ({"MAIL_FROM": "support"}, "MAIL_FROM is not an email address"),
    ],
)
def test_bad_settings_are_named(settings, message):
    with pytest.raises(MailConfigError, match=message):
        MailConfig.from_config(settings)


def test_settings_from_strings():
    cfg = MailConfig.from_config(
        {
            "MAIL_HOST": "smtp.example.com",
            "MAIL_PORT": "587",
            "MAIL_SECURITY": "STARTTLS",
            "MAIL_FROM": "Help <help@example.com>",
            "MAIL_PASSWORD": "hunter2",
        }  # fmt: skip
    )
    assert (cfg.host, cfg.port, cfg.security, cfg.sender) == (
        "smtp.example.com", 587, "starttls", "Help <help@example.com>",
    )  # fmt: skip
    assert cfg.password == "hunter2" and "hunter2" not in repr(cfg)
