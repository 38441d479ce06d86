"""``triage report``: the managers' report in the terminal, as JSON or as CSV."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from triage.cli import common
from triage.cli.writers import DAY, day_start


def _hours(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _text(r) -> None:
    click.echo("SLA (met / breached / at risk / on track, compliance)")
    for s in r.sla:
        if s.by != "class" and (s.met + s.breached + s.at_risk + s.on_track):
            click.echo(
                f"  {s.key:<14} {s.target:<10} {s.met:>4} {s.breached:>4} {s.at_risk:>4} "
                f"{s.on_track:>4}  {_share(s.compliance)}"
            )
    click.echo("Support hours (median / p90): first reaction, resolution")
    for t in r.times:
        click.echo(
            f"  {t.priority:<14} {_hours(t.reaction_median):>6} / {_hours(t.reaction_p90):<6} "
            f"{_hours(t.resolution_median):>6} / {_hours(t.resolution_p90)}"
        )
    click.echo("Tickets per week and class")
    for c in r.by_class:
        click.echo(f"  {c.period} {c.key:<18} {c.count:>5}")
    click.echo("Tickets per week and channel")
    for c in r.by_channel:
        click.echo(f"  {c.period} {c.key:<18} {c.count:>5}")
    click.echo("Escalation flow")
    for c in r.escalations:
        click.echo(f"  {c.period:<12} {c.key:<10} {c.count:>5}")
    click.echo("Deflection (Ask sessions with suggestions)")
    for d in r.deflection:
        click.echo(f"  {d.request_class:<18} {d.lang:<3} {d.sessions:>5} {_share(d.rate):>5}")
    click.echo("Top articles by deflections")
    for a in r.top_articles:
        click.echo(f"  {a.article:<40} {int(a.score):>5}")


@click.command("report")
@click.option("--since", type=DAY, help="First day of the period (YYYY-MM-DD, desk time zone).")
@click.option("--until", type=DAY, help="Day after the period (default: open-ended).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV: section,group,key,measure,value.")
def report_command(since, until, as_json: bool, as_csv: bool) -> None:
    """SLA compliance, business-hour times, volume, deflection and escalations of a period."""
    from triage.cli.desk import database
    from triage.desk.reports import report, to_csv
    from triage.desk.views import to_jsonable

    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    policy = common.policy()
    start, end = day_start(since, policy), day_start(until, policy)
    if start and end and end <= start:
        raise click.BadParameter("must be after --since", param_hint="--until")
    r = report(database(), policy, datetime.now(UTC), start, end)
    if as_csv:
        click.echo(to_csv(r), nl=False)
        return
    if as_json:
        click.echo(json.dumps(to_jsonable(r), ensure_ascii=False))
        return
    _text(r)
    total = next(s for s in r.sla if s.by == "all" and s.target == "resolution")
    click.echo(f"{r.tickets} tickets; resolution SLA compliance {_share(total.compliance)}")
