"""Who may do what, in the staff console and the staff API alike: rules as data, one function.

Every role may read tickets and add internal notes; only the support lines and admins work
the queue. Working a ticket (status changes, replies, corrections, escalation, assignment) is
bound to the member's own lines: an L1 member can read and annotate an L3 ticket, not act on
it. Admins act everywhere; writers read resolved work to improve the knowledge base.

``may(role, name, line)`` takes a console part (``CONSOLE``) or a ticket action
(``TICKET_ACTIONS``); the console's forms and the API's endpoints name the action they run,
and both refuse with ``REFUSED`` when ``may`` says no.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l

from triage.desk.models import ROLES

WORKERS = frozenset({"l1", "l2", "l3", "admin"})
EVERYONE = frozenset(ROLES)

#: What each part of the console needs: the roles allowed.
CONSOLE: dict[str, frozenset[str]] = {
    "queue": WORKERS,  # see the work queue
    "view": EVERYONE,  # open a ticket page
    "note": EVERYONE,  # internal notes
    "create": WORKERS,  # file a ticket for a caller (channel phone)
    "act": WORKERS,  # anything that changes the ticket or writes to the customer
    "kb": frozenset({"writer", "admin"}),  # gaps, review lists, drafts from incidents
    "reports": frozenset({"admin"}),  # the managers' report
    "users": frozenset({"admin"}),  # staff accounts, passwords, API tokens
}

#: Parts of the console limited to tickets owned by one of the member's lines.
LINE_BOUND = frozenset({"act"})

#: Every action on a ticket, in the console and the API: the part of the console it needs.
TICKET_ACTIONS: dict[str, str] = {
    "transition": "act",  # a lifecycle action (open, start, resolve, ...)
    "ask": "act",  # ask the customer for information (waiting_customer)
    "answer": "act",  # answer with an article and resolve
    "reply": "act",  # a public comment, seen by the customer
    "escalate": "act",  # one line up or down
    "class": "act",  # correct the request class
    "priority": "act",  # correct the priority (told to the customer)
    "assign": "act",  # give the ticket to someone, or take it
    "note": "note",  # an internal note
}

#: The one refusal of a ticket action, in the console (403 page) and the API (403 JSON).
REFUSED = _l("Your role cannot do this on a ticket of %(line)s.")
#: The refusal of a console part (the queue, reports, users, ...), in the console and the API.
PART_REFUSED = _l("Your role (%(role)s) does not allow this.")

#: The lines each role works; None means every line.
ROLE_LINES: dict[str, tuple[str, ...] | None] = {
    "l1": ("L1",),
    "l2": ("L2",),
    "l3": ("L3", "L4"),  # L3 follows what went to the vendors
    "writer": (),
    "admin": None,
}


def lines_of(role: str, all_lines: Sequence[str]) -> tuple[str, ...]:
    """The lines a role works, in escalation order."""
    own = ROLE_LINES.get(role, ())
    return tuple(all_lines) if own is None else tuple(x for x in all_lines if x in own)


def may(role: str, part: str, ticket_line: str | None = None) -> bool:
    """Whether a role may use a console part or a ticket action (on a ticket of ``ticket_line``).

    A line-bound part asked without a line answers for the role alone.
    """
    part = TICKET_ACTIONS.get(part, part)
    if role not in CONSOLE.get(part, frozenset()):
        return False
    if part in LINE_BOUND and ticket_line is not None:
        own = ROLE_LINES.get(role, ())
        return own is None or ticket_line in own
    return True


def refusal(ticket_line: str | None = None, role: str = "") -> str:
    """The message of a refused ticket action (or, without a line, part), in the page's language."""
    if ticket_line is None:
        return str(PART_REFUSED) % {"role": role}
    return str(REFUSED) % {"line": ticket_line}
