"""``triage kb gaps|review|draft|link``: what writers learn from the desk (needs the database)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path

import click

from triage.cli import common
from triage.cli.kb import kb
from triage.kb.articles import ArticleError, load_kb
from triage.kb.drafts import DraftError

DAY = click.DateTime(["%Y-%m-%d"])


def day_start(value: datetime | None, policy) -> datetime | None:
    """Midnight of a given day in the desk's time zone, as aware UTC (None stays None)."""
    if value is None:
        return None
    return datetime.combine(value.date(), time(0), policy.calendar.tz).astimezone(UTC)


def _db():
    from triage.cli.desk import database

    return database()


@kb.command("gaps")
@click.option("--since", type=DAY, help="Only questions from this day on (YYYY-MM-DD).")
@click.option("--min-size", default=2, show_default=True, help="Smallest topic shown.")
@click.option("--threshold", type=float, help="Self-service share under which a match is weak.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def gaps(since: datetime | None, min_size: int, threshold: float | None, as_json: bool) -> None:
    """Topics of questions the knowledge base did not answer, largest first.

    Sources: Ask questions with no good suggestion, questions that ended in a ticket,
    suggestions marked not helpful, and resolved tickets no article answered.
    """
    from triage.desk.kbsignals import gap_questions
    from triage.engine.decide import SELF_SERVICE_SHARE
    from triage.kb.gaps import find_gaps

    share = SELF_SERVICE_SHARE if threshold is None else threshold
    found = gap_questions(_db(), day_start(since, common.policy()), share)
    result = find_gaps(found, min_size=max(min_size, 1))
    if as_json:
        data = {"questions": result.questions, "unclustered": result.unclustered}
        click.echo(json.dumps({**data, "topics": [t.to_dict() for t in result.topics]}))
        return
    for n, t in enumerate(result.topics, 1):
        langs = ", ".join(f"{k} {v}" for k, v in t.langs)
        classes = ", ".join(f"{k} {v}" for k, v in t.classes)
        click.echo(f"{n}. {t.title}  [{t.size} questions; {langs}; {classes}]")
        for ex in t.examples[1:]:
            click.echo(f"     - {ex[:120]}")
        if t.refs:
            click.echo(f"     tickets: {', '.join(t.refs[:10])}")
    click.echo(
        f"{len(result.topics)} topics from {result.questions} unanswered questions "
        f"({result.unclustered} in no topic)"
    )


@kb.command("review")
@click.option("--min-votes", default=5, show_default=True, help="Answers before ranking.")
@click.option("--top", default=10, show_default=True, help="Lines per list.")
@click.option("--today", type=DAY, help="Judge review dates against this day.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def review(min_votes: int, top: int, today: datetime | None, as_json: bool) -> None:
    """Articles for writers to look at: helpfulness, deflections, overdue, read before tickets."""
    from triage.desk.kbsignals import review_lists

    cfg = common.config()
    day = today.date() if today else date.today()
    try:
        articles = load_kb(Path(str(cfg["KB_DIR"])))
    except ArticleError as exc:
        raise click.ClickException(str(exc)) from None
    lists = review_lists(_db(), articles, datetime.now(UTC), day, min_votes, top)
    if as_json:
        click.echo(json.dumps(lists, ensure_ascii=False, default=str))
        return
    for name, rows in lists.items():
        click.echo(f"== {name.replace('_', ' ')}")
        for row in rows:
            click.echo("   " + "  ".join(f"{k}={v}" for k, v in row.items()))
    click.echo(", ".join(f"{len(v)} {k.replace('_', ' ')}" for k, v in lists.items()))


@kb.command("draft")
@click.argument("ref")
@click.option("--owner", default="docs", show_default=True, help="Writer who owns the draft.")
def draft(ref: str, owner: str) -> None:
    """Write a draft article from resolved ticket REF into kb/<class>/ (never overwrites)."""
    from triage.desk.incidents import NotResolved, draft_from_ticket
    from triage.desk.intake import InvalidField, TicketNotFound

    cfg = common.config()
    root = Path(str(cfg["KB_DIR"]))
    try:
        done = draft_from_ticket(
            _db(), common.policy(cfg), ref, root, owner, datetime.now(UTC), date.today()
        )
    except (TicketNotFound, NotResolved, DraftError, InvalidField) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"draft {done.path} written from {ref}: complete it, then `triage kb check`")


@kb.command("link")
@click.argument("ref")
@click.argument("article")
@click.option("--actor", default="docs", show_default=True, help="Who links it.")
def link(ref: str, article: str, actor: str) -> None:
    """Record that published ARTICLE answers resolved ticket REF."""
    from triage.desk.incidents import NotResolved, link_existing
    from triage.desk.intake import InvalidField, TicketNotFound

    cfg = common.config()
    root = Path(str(cfg["KB_DIR"]))
    try:
        link_existing(_db(), common.policy(cfg), ref, root, article, actor, datetime.now(UTC))
    except (TicketNotFound, NotResolved, InvalidField, ArticleError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{ref} linked to {article}")
