"""Bulk actions on the queue's selected tickets: one table, used by the console and the API.

Each bulk action names the ticket action it is (``staff_roles.TICKET_ACTIONS``) and runs the
same per-ticket desk function as the ticket page, so every ticket's event log reads as if the
change had been made on its own page. Each ticket is checked on its own: ``may(role, action,
line)`` for its line now, then the desk's own rules (an illegal status move is refused for that
ticket only); the others go ahead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from triage.desk import lifecycle, tickets
from triage.desk.db import Database
from triage.desk.intake import InvalidField, TicketNotFound
from triage.desk.users import by_name
from triage.desk.views import ticket_line
from triage.engine.policy import Policy
from triage.web.staff_forms import options
from triage.web.staff_roles import may, refusal

MAX_TICKETS = 200  # tickets one bulk action may name


class BulkInvalid(ValueError):
    """A bulk request that names no tickets or lacks what its action needs; nothing changed.

    ``status`` is the API's answer: 422 for a request that is wrong in itself, 404 when it
    names a staff member the desk does not have.
    """

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class BulkAction:
    """A bulk action: the ticket action it is (for ``may``) and what it does to one ticket."""

    action: str
    label: Any
    run: Callable[[Database, Policy, str, str, datetime, dict[str, Any]], object]
    needs_reason: bool = False


def _assign(db, policy, ref, actor, now, p):
    return tickets.assign(db, policy, ref, actor, now, p["assignee"])


def _escalate(db, policy, ref, actor, now, p):
    return tickets.escalate(db, policy, ref, actor, now, p["reason"], steps=p["steps"])


def _status(db, policy, ref, actor, now, p):
    return tickets.transition(db, policy, ref, p["status"], actor, now, reason=p["reason"])


#: Every bulk action; the console's form and ``POST /api/staff/bulk`` both read this table.
BULK: dict[str, BulkAction] = {
    "assign": BulkAction("assign", _l("Assign"), _assign),
    "escalate": BulkAction("escalate", _l("Escalate or de-escalate"), _escalate, True),
    "status": BulkAction("transition", _l("Change status"), _status, True),
}


@dataclass
class BulkResult:
    """What a bulk action did: the refs done, and (ref, why) for each refused one."""

    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        """'3 done, 1 refused: SUP-000004 (why)' in the page's language."""
        if not self.refused:
            return _("%(done)s done.", done=len(self.done))
        details = "; ".join(f"{ref} ({why})" for ref, why in self.refused)
        return _(
            "%(done)s done, %(refused)s refused: %(details)s",
            done=len(self.done),
            refused=len(self.refused),
            details=details,
        )


def params(name: str, values: dict[str, Any], actor: str, policy: Policy) -> dict[str, Any]:
    """The checked parameters of a bulk action (BulkInvalid names what is wrong)."""
    if name not in BULK:
        raise BulkInvalid(_("Unknown bulk action %(name)s.", name=repr(name)))
    reason = " ".join(str(values.get("reason") or "").split())[:2000]
    if BULK[name].needs_reason and not reason:
        raise BulkInvalid(_("A reason is required."))
    out: dict[str, Any] = {"reason": reason or None}
    if name == "assign":
        who = str(values.get("assignee") or "").strip()
        out["assignee"] = actor if who in ("", "@me") else None if who == "@none" else who[:100]
    elif name == "escalate":
        out["steps"] = -1 if values.get("direction") == "down" else 1
    elif name == "status":
        status = values.get("status")
        if status not in lifecycle.ACTIONS:
            raise BulkInvalid(_("Choose the status action to apply."))
        if status in lifecycle.CODED_REASON and reason not in policy.decline_reasons:
            reasons = ", ".join(policy.decline_reasons)
            raise BulkInvalid(_("This action needs one of the policy reasons: %(r)s", r=reasons))
        out["status"] = status
    return out


def run_bulk(
    db: Database,
    policy: Policy,
    role: str,
    actor: str,
    now: datetime,
    name: str,
    refs: list[str],
    values: dict[str, Any],
) -> BulkResult:
    """Apply a bulk action to each ref in turn; refuse, per ticket, what may not be done."""
    refs = list(dict.fromkeys(r.strip() for r in refs if r and r.strip()))
    if not refs:
        raise BulkInvalid(_("Select at least one ticket."))
    if len(refs) > MAX_TICKETS:
        raise BulkInvalid(_("At most %(n)s tickets at once.", n=MAX_TICKETS))
    bulk, p = BULK.get(name), params(name, values, actor, policy)
    assert bulk is not None
    who = p.get("assignee")
    if who not in (None, actor):
        found = by_name(db, who)
        if found is None or not may(found.role, "queue"):
            raise BulkInvalid(_("No staff member %(name)s works the queue.", name=who), 404)
    result = BulkResult()
    for ref in refs:
        line = ticket_line(db, ref)
        if line is None:
            result.refused.append((ref, _("No such ticket.")))
            continue
        if not may(role, bulk.action, line):
            result.refused.append((ref, refusal(line)))
            continue
        try:
            bulk.run(db, policy, ref, actor, now, p)
        except (lifecycle.IllegalTransition, InvalidField, TicketNotFound, ValueError) as exc:
            result.refused.append((ref, str(exc)))
        else:
            result.done.append(ref)
    return result


class BulkForm(FlaskForm):
    """The queue's bulk form (the selected refs come as repeated ``ref`` fields)."""

    action = SelectField(
        _l("Bulk action"), choices=options([(k, v.label) for k, v in BULK.items()])
    )
    assignee = StringField(_l("Assign to"), validators=[Optional(), Length(max=100)])
    direction = SelectField(
        _l("Direction"),
        choices=options([("up", _l("Escalate")), ("down", _l("De-escalate"))]),
        validate_choice=False,  # each action's own values are checked by ``params``
    )
    status = SelectField(
        _l("Status action"), choices=options(lifecycle.ACTIONS), validate_choice=False
    )
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Apply to selected"))
