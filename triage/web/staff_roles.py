"""Who may do what in the staff console: rules as data, checked by one pure function.

Every role may read tickets and add internal notes; only the support lines and admins work
the queue. Working a ticket (status changes, replies, corrections, escalation, assignment) is
bound to the member's own lines: an L1 member can read and annotate an L3 ticket, not act on
it. Admins act everywhere; writers read resolved work to improve the knowledge base.
"""

from __future__ import annotations

from collections.abc import Sequence

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
}

#: Parts of the console limited to tickets owned by one of the member's lines.
LINE_BOUND = frozenset({"act"})

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
    """Whether a role may use a part of the console (on a ticket of ``ticket_line``)."""
    if role not in CONSOLE.get(part, frozenset()):
        return False
    if part in LINE_BOUND and ticket_line is not None:
        own = ROLE_LINES.get(role, ())
        return own is None or ticket_line in own
    return True
