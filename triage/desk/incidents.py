"""Stage 8, the knowledge base is updated from the incident: draft an article or link one.

Both work on resolved (or closed) tickets only and leave an internal event on the ticket
(``kb_draft`` with the draft's path, ``kb_link`` with the article id), written through
``triage.desk.tickets``, the only ticket writer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from triage.desk import tickets
from triage.desk.db import Database
from triage.desk.intake import InvalidField, TicketNotFound
from triage.desk.views import TicketView, find_staff_view
from triage.engine.policy import Policy
from triage.kb.articles import load_kb
from triage.kb.drafts import Incident, write_draft

DONE = ("resolved", "closed")
QUIET = ("customer", "system", "engine")


class NotResolved(ValueError):
    """The ticket is not resolved yet: there is no incident to learn from."""


@dataclass(frozen=True)
class Drafted:
    """A draft written from a ticket."""

    ref: str
    path: Path
    article: str


def resolution_of(view: TicketView) -> str:
    """The resolve message (when staff wrote one) and the public replies of staff, in order."""
    parts = []
    for e in view.events:
        resolved = e.kind == "status" and e.data.get("action") == "resolve"
        default = e.message.startswith("Status changed to")
        reply = e.kind == "comment" and e.public and e.actor not in QUIET
        if (resolved and not default) or reply:
            parts.append(e.message.strip())
    return "\n\n".join(p for p in parts if p)


def incident_of(view: TicketView) -> Incident:
    """The values a draft takes from a ticket."""
    return Incident(
        ref=view.ref,
        request_class=view.request_class,
        lang=view.lang,
        module=view.module,
        version=view.version,
        description=view.description,
        steps=view.steps,
        resolution=resolution_of(view),
    )


def _resolved(db: Database, policy: Policy, ref: str, now: datetime) -> TicketView:
    view = find_staff_view(db, policy, ref, now)
    if view is None:
        raise TicketNotFound(ref)
    if view.status not in DONE:
        raise NotResolved(f"{ref} is {view.status}: draft or link articles from resolved tickets")
    return view


def draft_from_ticket(
    db: Database, policy: Policy, ref: str, kb_root: Path, actor: str, now: datetime, today: date
) -> Drafted:
    """Write a draft article from a resolved ticket and log it on the ticket."""
    view = _resolved(db, policy, ref, now)
    if view.request_class not in policy.classes:
        raise InvalidField("class", f"{ref} has no known class ({view.request_class}): set one")
    path = write_draft(Path(kb_root), incident_of(view), actor, today)
    article = path.name.split(".", 1)[0]
    rel = path.relative_to(kb_root).as_posix()
    tickets.link_article(db, policy, ref, actor, now, article, kind="kb_draft", path=rel)
    return Drafted(ref, path, article)


def link_existing(
    db: Database, policy: Policy, ref: str, kb_root: Path, article: str, actor: str, now: datetime
) -> TicketView:
    """Link a resolved ticket to an existing published article (``kb_link`` event).

    The event names the article in the ticket's language (else English, else any), with its
    title and site path, so emails can link it.
    """
    view = _resolved(db, policy, ref, now)
    found = sorted(
        (a for a in load_kb(kb_root) if a.id == article),
        key=lambda a: (a.lang != view.lang, a.lang != "en", a.lang),
    )
    if not found:
        raise InvalidField("article", f"no published article {article!r} in {kb_root}")
    a = found[0]
    return tickets.link_article(
        db, policy, ref, actor, now, article, lang=a.lang, title=a.title, url=a.url
    )
