"""``triage mail``: the SMTP listener for the support address and the outbound mail worker."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime

import click

from triage.cli import common
from triage.cli.desk import database


@click.group("mail")
def mail() -> None:
    """Email channel: receive requests over SMTP, send what the outbox holds."""


def _engine(cfg: dict[str, object]):
    from triage.engine.decide import Engine

    try:
        return Engine.from_config(cfg)
    except Exception as exc:  # missing model or index: say what to run
        raise click.ClickException(f"the triage engine cannot start: {exc}") from None


@mail.command("serve")
@click.option("--host", default=None, help="Address to listen on [MAIL_LISTEN_HOST, 127.0.0.1].")
@click.option("--port", default=None, type=int, help="Port [MAIL_LISTEN_PORT, 8025].")
def serve(host: str | None, port: int | None) -> None:
    """Run the SMTP listener: each mail files a ticket or threads onto one (Ctrl-C stops)."""
    from triage.channels.mail_in import inbox_from_config, start_listener

    cfg = common.config()
    host = host or str(cfg.get("MAIL_LISTEN_HOST", "127.0.0.1"))
    port = port or int(cfg.get("MAIL_LISTEN_PORT", 8025))  # type: ignore[arg-type]
    db = database()
    inbox = inbox_from_config(cfg, db, common.policy(cfg), _engine(cfg))
    try:
        controller = start_listener(inbox, host, port)
    except Exception as exc:  # port taken, address not local
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from None
    accepted = ", ".join(inbox.addresses) or "any address"
    click.echo(f"listening for mail on {host}:{port} for {accepted}; Ctrl-C stops")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    started = time.monotonic()
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
        db.dispose()
    click.echo(f"mail listener stopped after {time.monotonic() - started:.0f} s")


def _pass(db, pol, conf, limit: int) -> str:
    from triage.channels.mail_out import send_pending
    from triage.desk import reminders

    now = datetime.now(UTC)
    r = reminders.run(db, pol, now)
    s = send_pending(db, pol, conf, now, limit=limit)
    for error in s.errors:
        click.echo(f"  {error}", err=True)
    return (
        f"reminded {len(r.reminded)}, auto-closed {len(r.closed)}; sent {s.sent}, "
        f"retrying {s.retried}, failed {s.failed}, dropped {s.dropped}"
    )


@mail.command("send")
@click.option("--loop", is_flag=True, help="Keep running, one pass every --interval seconds.")
@click.option("--interval", default=30.0, show_default=True, type=click.FloatRange(1, 3600))
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
def send(loop: bool, interval: float, limit: int) -> None:
    """Queue due reminders and auto-closures, then deliver due outbox mail (with retries)."""
    from triage.channels.mail_out import MailConfig, MailConfigError

    cfg = common.config()
    pol = common.policy(cfg)
    try:
        conf = MailConfig.from_config(cfg)
    except MailConfigError as exc:
        raise click.ClickException(str(exc)) from None
    db = database()
    try:
        click.echo(_pass(db, pol, conf, limit))
        while loop:
            time.sleep(interval)
            click.echo(_pass(db, pol, conf, limit))
    except KeyboardInterrupt:
        click.echo("mail worker stopped")
    finally:
        db.dispose()
