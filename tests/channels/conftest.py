"""Channel fixtures: an SMTP sink on loopback (aiosmtpd) that can refuse and be slow."""

from __future__ import annotations

import asyncio
import threading
from email import policy as email_policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller

from tests.web.ask_fixtures import engine_dirs  # noqa: F401 - fixture: tiny real engine
from triage.desk.pgtemp import free_port


class Sink:
    """An SMTP server that keeps what it receives; refuses the next ``refuse`` DATA with 451."""

    def __init__(self, delay: float = 0.0):
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse = 0
        self.refused = 0
        self.reply = "451 4.3.0 Mailbox busy, try again later"
        self.delay = delay
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        """Refuse while asked to, else keep the message."""
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                self.refused += 1
                return self.reply
            raw = envelope.original_content or envelope.content
            self.messages.append(BytesParser(policy=email_policy.default).parsebytes(raw))
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 2.0.0 OK"


@pytest.fixture
def sink():
    """A running SMTP sink on a free loopback port: (Sink, port)."""
    handler = Sink(delay=0.0)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def mail_config(port: int, **kw):
    """A MailConfig pointing at the sink, retrying after one second."""
    from triage.channels.mail_out import MailConfig

    values = {
        "host": "127.0.0.1",
        "port": port,
        "sender": "Frontline Support <support@frontline.test>",
        "public_url": "https://help.example.com",
        "timeout": 5.0,
        "backoff_base": 1.0,
    }
    return MailConfig(**{**values, **kw})


@pytest.fixture(scope="session")
def engine(engine_dirs):  # noqa: F811 - fixture from tests.web.ask_fixtures
    """The tiny real engine of the web tests (model and index built from a fixture KB)."""
    from tests.conftest import ROOT
    from triage.engine.decide import Engine

    return Engine.from_config({**engine_dirs, "POLICY_FILE": str(ROOT / "policy.yml")})
