"""``triage users ...``: staff accounts, passwords and API tokens (database from DATABASE_URL).

Every command prints what it did, or one line saying why not, and exits 1 then.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import click

from triage.cli import common
from triage.cli.desk import ROLES, database


def _run(fn: Callable[..., Any], *args: Any) -> Any:
    """Call a desk function on the configured database; a UserError becomes a clean exit."""
    from triage.desk.users import UserError

    db = database()
    try:
        return fn(db, *args)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.dispose()


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


@click.group("users")
def users() -> None:
    """Staff accounts, their passwords and their API tokens."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the user may do.")
@click.option("--password", is_flag=True, help="Also set a password (asked for, hidden).")
def users_add(name: str, role: str, password: bool) -> None:
    """Create user NAME and print the API token (shown only this once)."""
    from triage.desk.users import add_user

    secret = None
    if password:
        secret = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    token = _run(add_user, name, role, datetime.now(UTC), secret)
    click.echo(f"API token (shown once): {token}")
    click.echo(f"created user {name} with role {role}")


@users.command("list")
def users_list() -> None:
    """List every user: role, state, password set, live API tokens, open console sessions."""
    from triage.desk.users import accounts

    found = _run(accounts)
    click.echo(f"{'NAME':<24} {'ROLE':<7} {'STATE':<12} {'PASSWORD':<9} TOKENS SESSIONS")
    for a in found:
        state = "active" if a.active else "deactivated"
        pw = "yes" if a.has_password else "no"
        click.echo(f"{a.name:<24} {a.role:<7} {state:<12} {pw:<9} {a.tokens:>6} {a.sessions:>8}")
    click.echo(f"{len(found)} user(s)")


@users.command("passwd")
@click.argument("name")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def users_passwd(name: str, password_stdin: bool) -> None:
    """Set the console password of user NAME; its open console sessions end."""
    from triage.desk.sessions import clear_failures
    from triage.desk.users import set_password

    if password_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
    else:
        secret = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    ended = _run(set_password, name, secret)
    _run(clear_failures, name)
    click.echo(f"password of {name} changed; {ended} console session(s) ended; sign-in unlocked")


@users.command("deactivate")
@click.argument("name")
def users_deactivate(name: str) -> None:
    """Deactivate user NAME: its API tokens are revoked and its console sessions end at once."""
    from triage.desk.users import set_active

    _run(set_active, name, False, datetime.now(UTC))
    click.echo(f"user {name} deactivated: API tokens revoked, console sessions ended")


@users.command("reactivate")
@click.argument("name")
def users_reactivate(name: str) -> None:
    """Reactivate user NAME (old tokens stay revoked: 'triage users tokens NAME --issue')."""
    from triage.desk.users import set_active

    _run(set_active, name, True, datetime.now(UTC))
    click.echo(f"user {name} reactivated")


@users.command("unlock")
@click.argument("name")
def users_unlock(name: str) -> None:
    """Lift the lock that failed console sign-ins put on NAME, and forget those failures."""
    from triage.desk.sessions import clear_failures, locked_until

    was = _run(locked_until, name, datetime.now(UTC))
    _run(clear_failures, name)
    click.echo(f"sign-in of {name} unlocked" if was else f"sign-in of {name} was not locked")


@users.command("tokens")
@click.argument("name")
@click.option("--revoke", "revoke", type=int, metavar="ID", help="Revoke the token with this id.")
@click.option("--issue", is_flag=True, help="Issue a new token and print it (shown only once).")
def users_tokens(name: str, revoke: int | None, issue: bool) -> None:
    """List the API tokens of user NAME (ids and dates, never tokens), or revoke or issue one."""
    from triage.desk.users import issue_token, list_tokens, revoke_token

    if revoke is not None and issue:
        raise click.UsageError("give --revoke ID or --issue, not both")
    if revoke is not None:
        _run(revoke_token, name, revoke, datetime.now(UTC))
        click.echo(f"API token {revoke} of {name} revoked")
    elif issue:
        token_id, token = _run(issue_token, name, datetime.now(UTC))
        click.echo(f"API token {token_id} (shown once): {token}")
    else:
        found = _run(list_tokens, name)
        for t in found:
            state = f"revoked {_when(t.revoked_at)}" if t.revoked_at else "live"
            click.echo(f"{t.id:>6}  created {_when(t.created_at)}  {state}")
        click.echo(f"{len(found)} token(s) of {name}")


@users.command("lang")
@click.argument("name")
@click.argument("lang")
def users_lang(name: str, lang: str) -> None:
    """Set the staff console's language of user NAME (en, ru, uk, de; 'browser' to clear)."""
    from triage.desk.users import set_lang

    langs = common.policy().languages
    _run(set_lang, name, None if lang == "browser" else lang, tuple(langs))
    click.echo(f"user {name}: console language {lang}")
