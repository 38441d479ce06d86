"""``triage tickets|desk|db ...``: the desk's admin commands (database from DATABASE_URL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from triage.cli import common

# triage.desk.models.ROLES, spelled out so that `triage --help` does not import SQLAlchemy
# (tests/cli/test_startup.py checks that the two agree).
ROLES = ("l1", "l2", "l3", "writer", "admin")


def safe_url(url: str) -> str:
    """The URL with any password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def database():
    """The configured database, brought up to date first (migrations only add)."""
    from sqlalchemy.exc import OperationalError

    from triage.desk import db as desk_db
    from triage.desk.tokens import keyring_from_config

    cfg = common.config()
    url = str(cfg["DATABASE_URL"])
    try:
        desk_db.upgrade(url)
    except OperationalError as exc:
        raise click.ClickException(f"cannot open {safe_url(url)}: {exc.orig}") from None
    return desk_db.open_database(url, keyring_from_config(cfg))


@click.group("db")
def db_group() -> None:
    """The desk database."""


@db_group.command("upgrade")
def upgrade() -> None:
    """Apply every pending migration (nothing is ever dropped)."""
    from sqlalchemy.exc import OperationalError

    from triage.desk import db as desk_db

    url = str(common.config()["DATABASE_URL"])
    try:
        revision = desk_db.upgrade(url)
    except OperationalError as exc:
        raise click.ClickException(f"cannot open {safe_url(url)}: {exc.orig}") from None
    click.echo(f"database {safe_url(url)} at revision {revision}")


@click.group("tickets")
def tickets() -> None:
    """Look at tickets (admins)."""


@tickets.command("list")
@click.option("--status", default=None, help="Only tickets with this status.")
@click.option("--line", default=None, help="Only tickets owned by this line (L1..L4).")
@click.option("--limit", default=100, show_default=True, help="At most this many, newest first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def tickets_list(status: str | None, line: str | None, limit: int, as_json: bool) -> None:
    """List tickets, newest first."""
    from triage.desk.queue import listing
    from triage.desk.views import to_jsonable

    pol, db = common.policy(), database()
    items = listing(db, pol, datetime.now(UTC), status=status, line=line, limit=limit)
    db.dispose()
    if as_json:
        click.echo(json.dumps(to_jsonable(items), ensure_ascii=False, indent=2))
        return
    for i in items:
        due = i.due_at.astimezone(pol.calendar.tz).strftime("%Y-%m-%d %H:%M")
        click.echo(
            f"{i.ref:<12} {i.status:<20} {i.priority:<9} {i.request_class:<17} {i.line:<3} "
            f"due {due} {i.sla_flag}"
        )
    click.echo(f"{len(items)} ticket(s)")


@tickets.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def tickets_show(ref: str, as_json: bool) -> None:
    """Show one ticket with its SLA clocks and event log."""
    from triage.desk.views import find_staff_view, to_jsonable

    pol, db = common.policy(), database()
    view = find_staff_view(db, pol, ref, datetime.now(UTC))
    db.dispose()
    if view is None:
        raise click.ClickException(f"no ticket {ref}")
    if as_json:
        click.echo(json.dumps(to_jsonable(view), ensure_ascii=False, indent=2))
        return
    tz = pol.calendar.tz

    def local(moment: datetime | None) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else "-"

    click.echo(f"{view.ref}  {view.status}  {view.priority}  {view.request_class}  {view.line}")
    click.echo(f"contact {view.contact or '-'}; {view.module or '-'} {view.version or '-'}")
    for name, state in (("reaction", view.clocks.reaction), ("resolution", view.clocks.resolution)):
        click.echo(
            f"{name}: due {local(state.due)}, {state.elapsed_hours:.1f} of "
            f"{state.target_hours:g} h used{' (breached)' if state.breached else ''}"
        )
    for e in view.events:
        seen = "public" if e.public else "internal"
        why = f" ({e.reason})" if e.reason else ""
        click.echo(f"  {local(e.at)} {e.actor:<10} {e.kind:<10} {seen:<8} {e.message}{why}")
    click.echo(f"{len(view.events)} event(s)")


@click.group("desk")
def desk() -> None:
    """Periodic desk work."""


@desk.command("sweep")
def desk_sweep() -> None:
    """Flag SLA risks and breaches; remind customers, auto-close (policy reminders:); rerunnable."""
    from triage.desk import reminders
    from triage.desk.sweep import sweep

    pol, db, now = common.policy(), database(), datetime.now(UTC)
    result = sweep(db, pol, now)
    waiting = reminders.run(db, pol, now)  # queues reminder and closing mails in the outbox
    db.dispose()
    for ref, flag in sorted(result.flagged.items()):
        click.echo(f"{ref} {flag}")
    breached = sum(f.endswith("breached") for f in result.flagged.values())
    click.echo(
        f"checked {result.checked} open ticket(s): {len(result.flagged) - breached} newly at risk, "
        f"{breached} newly breached; reminded {len(waiting.reminded)}, "
        f"auto-closed {len(waiting.closed)} waiting on the customer"
    )
