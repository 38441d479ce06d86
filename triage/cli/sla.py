"""``triage sla ...``: an admin's check of the SLA clock."""

from __future__ import annotations

from datetime import datetime

import click

from triage.cli import common


@click.group()
def sla() -> None:
    """Check SLA arithmetic against the policy's business calendar."""


@sla.command("due")
@click.option(
    "--reported",
    required=True,
    help="When the request was reported, ISO 8601 (without offset: the desk's time zone).",
)
@click.option("--priority", required=True, help="Priority id from policy.yml (e.g. critical).")
@click.option("--plan", default=None, help="SLA plan id from policy.yml (default: the desk's).")
def due(reported: str, priority: str, plan: str | None) -> None:
    """Print when first reaction and resolution are due for a request reported at REPORTED."""
    from triage.desk.sla import due_at

    pol = common.policy()
    if priority not in pol.priorities:
        raise click.BadParameter(
            f"unknown priority; one of {', '.join(pol.priorities)}", param_hint="--priority"
        )
    if plan is not None and plan not in pol.plans:
        raise click.BadParameter(
            f"unknown plan; one of {', '.join(pol.plans)}", param_hint="--plan"
        )
    try:
        moment = datetime.fromisoformat(reported)
    except ValueError:
        raise click.BadParameter("not an ISO 8601 date and time", param_hint="--reported") from None
    tz = pol.calendar.tz
    moment = moment.replace(tzinfo=tz) if moment.tzinfo is None else moment
    target = pol.target(priority, plan)
    name = plan or pol.default_plan
    click.echo(f"reported:   {moment.astimezone(tz):%a %Y-%m-%d %H:%M %Z}")
    for label, hours in (("reaction", target.reaction), ("resolution", target.resolution)):
        when = due_at(moment, hours, pol.calendar).astimezone(tz)
        click.echo(f"{label + ':':<11} {when:%a %Y-%m-%d %H:%M %Z}  ({hours:g} support hours)")
    click.echo(f"plan {name}, priority {priority}, calendar {pol.calendar.timezone}")
