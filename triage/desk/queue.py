"""The work queues: a support line's by breach risk (the staff API), and the console's.

The console's queue filters in SQL, sorts by any of its columns and pages by keyset (the
sort value and id of the ticket a page continues from), so a deep page at 100,000 tickets
costs what the first does; only the rows shown get their SLA clocks computed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, tuple_

from triage.desk import lifecycle
from triage.desk.db import Database
from triage.desk.intake import subject_of
from triage.desk.models import Ticket
from triage.desk.sla import add_business, business_seconds
from triage.desk.views import clocks, pauses_of
from triage.engine.policy import Policy


@dataclass(frozen=True)
class QueueItem:
    """One line of the queue."""

    ref: str
    subject: str
    status: str
    request_class: str
    priority: str
    line: str
    assignee: str | None
    reported_at: datetime
    due_at: datetime
    remaining_hours: float  # support hours until due; negative once overdue
    sla_flag: str


def remaining_hours(now: datetime, due: datetime, policy: Policy) -> float:
    """Support hours from now until due (negative when due has passed)."""
    if due >= now:
        return round(business_seconds(now, due, policy.calendar) / 3600, 3)
    return -round(business_seconds(due, now, policy.calendar) / 3600, 3)


def _item(t: Ticket, policy: Policy, now: datetime) -> QueueItem:
    due = t.due_at
    return QueueItem(
        ref=t.ref,
        subject=t.subject,
        status=t.status,
        request_class=t.request_class,
        priority=t.priority,
        line=t.line,
        assignee=t.assignee,
        reported_at=t.reported_at,
        due_at=due,
        remaining_hours=remaining_hours(now, due, policy),
        sla_flag=t.sla_flag,
    )


def queue(
    db: Database,
    policy: Policy,
    now: datetime,
    line: str | None = None,
    include_waiting: bool = False,
    limit: int = 100,
) -> list[QueueItem]:
    """Open tickets of a line (all lines when None), most urgent due time first, then oldest."""
    statuses = lifecycle.ACTIVE if include_waiting else lifecycle.ACTIVE - lifecycle.PAUSED
    query = select(Ticket).where(Ticket.status.in_(sorted(statuses)))
    if line:
        query = query.where(Ticket.line == line)
    query = query.order_by(Ticket.due_at, Ticket.reported_at, Ticket.id).limit(limit)
    with db.read() as s:
        return [_item(t, policy, now) for t in s.execute(query).scalars()]


def listing(
    db: Database,
    policy: Policy,
    now: datetime,
    status: str | None = None,
    line: str | None = None,
    limit: int = 100,
) -> list[QueueItem]:
    """Tickets of any status for admins, newest first, optionally of one status and line."""
    query = select(Ticket)
    if status:
        query = query.where(Ticket.status == status)
    if line:
        query = query.where(Ticket.line == line)
    query = query.order_by(Ticket.reported_at.desc(), Ticket.id.desc()).limit(limit)
    with db.read() as s:
        return [_item(t, policy, now) for t in s.execute(query).scalars()]


# --- The console's queue: filters, any sort order, keyset pages ------------------------------

#: The queue's sort keys (query parameter ``sort``): each names a column of the page.
SORT_KEYS = (
    "ref", "subject", "requester", "class", "priority", "line", "status", "assignee",
    "reported", "sla",
)  # fmt: skip
DEFAULT_SORT = "reported"  # first come, first served
PAGE_SIZE = 50
ME, NOBODY = "@me", "@none"  # the assignee filter's member and "nobody"
AT_RISK = "at_risk"  # the SLA filter: at risk or breached


@dataclass(frozen=True)
class QueueFilter:
    """What a queue page shows; an empty tuple means no limit (active statuses for status)."""

    lines: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    assignee: str | None = None  # None: anyone; NOBODY: unassigned; else a member's name
    sla: str | None = None  # AT_RISK: the running target is at risk or breached


@dataclass(frozen=True)
class Row:
    """One line of the console's queue."""

    ref: str
    subject: str
    requester: str
    request_class: str
    priority: str
    line: str
    status: str
    assignee: str | None
    reported_at: datetime
    target: str | None  # "reaction" or "resolution": the next SLA target; None when none runs
    due_at: datetime | None
    remaining_hours: float | None  # support hours left (negative: overdue); None: no target
    mark: str  # "breached", "at-risk", "paused" or ""


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue and where the pages around it start."""

    rows: tuple[Row, ...]
    total: int
    after: str | None  # the ref to continue after (next page); None on the last page
    before: str | None  # the ref to go back before (previous page); None on the first page


def _klass():
    return func.coalesce(Ticket.staff_class, Ticket.customer_class, Ticket.predicted_class)


def _prio():
    return func.coalesce(Ticket.staff_priority, Ticket.customer_priority, Ticket.predicted_priority)


def sort_key(name: str, policy: Policy) -> ColumnElement:
    """The SQL expression a sort key orders by (ValueError for an unknown key)."""
    ranks = {p: i for i, p in enumerate(policy.priorities)}
    statuses = {s: i for i, s in enumerate(lifecycle.STATUSES)}
    keys: dict[str, Callable[[], ColumnElement]] = {
        "ref": lambda: Ticket.ref,
        "subject": lambda: Ticket.subject,
        "requester": lambda: Ticket.contact,
        "class": _klass,
        "priority": lambda: case(ranks, value=_prio(), else_=len(ranks)),
        "line": lambda: Ticket.line,
        "status": lambda: case(statuses, value=Ticket.status, else_=len(statuses)),
        "assignee": lambda: func.coalesce(Ticket.assignee, ""),
        "reported": lambda: Ticket.reported_at,
        "sla": lambda: Ticket.due_at,
    }
    if name not in keys:
        raise ValueError(f"unknown sort key {name!r}")
    return keys[name]()


def at_risk_condition(policy: Policy, now: datetime) -> ColumnElement:
    """Running, unpaused tickets whose next target is at risk or breached at ``now``.

    A target is at risk once ``at_risk_share`` of it is used, i.e. when its due time is within
    the last share of support hours from now: one due-time bound per plan, priority and target.
    """
    room = 1 - policy.at_risk_share
    terms = []
    for plan, targets in policy.plans.items():
        for prio, target in targets.items():
            for reacted, hours in ((False, target.reaction), (True, target.resolution)):
                bound = add_business(now, hours * room * 3600, policy.calendar)
                reaction = Ticket.first_reaction_at
                terms.append(
                    and_(
                        Ticket.plan == plan,
                        _prio() == prio,
                        reaction.is_not(None) if reacted else reaction.is_(None),
                        Ticket.due_at <= bound,
                    )
                )
    running = sorted(lifecycle.ACTIVE - lifecycle.PAUSED)
    return and_(Ticket.status.in_(running), or_(*terms))


def _where(filt: QueueFilter, allowed: tuple[str, ...], policy: Policy, now: datetime, me: str):
    lines = [x for x in (filt.lines or allowed) if x in allowed]
    conds = [Ticket.line.in_(lines), Ticket.status.in_(filt.statuses or sorted(lifecycle.ACTIVE))]
    if filt.classes:
        conds.append(_klass().in_(filt.classes))
    if filt.priorities:
        conds.append(_prio().in_(filt.priorities))
    if filt.assignee == NOBODY:
        conds.append(Ticket.assignee.is_(None))
    elif filt.assignee:
        conds.append(Ticket.assignee == (me if filt.assignee == ME else filt.assignee))
    if filt.sla == AT_RISK:
        conds.append(at_risk_condition(policy, now))
    return and_(*conds)


def row_of(t: Ticket, policy: Policy, now: datetime) -> Row:
    """A ticket's queue line: its next SLA target and the support hours left to it."""
    clk = clocks(t, policy, now, pauses_of(t.events))
    reacted = t.first_reaction_at is not None
    target, state = ("resolution", clk.resolution) if reacted else ("reaction", clk.reaction)
    running = t.status in lifecycle.ACTIVE
    left = None
    mark = ""
    if running:
        over = state.elapsed_hours - state.target_hours
        left = round(-over if over > 0 else state.remaining_hours, 2)
        mark = "breached" if state.breached else "at-risk" if state.at_risk else ""
        mark = mark or ("paused" if state.paused else "")
    return Row(
        ref=t.ref,
        subject=t.subject or subject_of("", t.description),
        requester=t.contact,
        request_class=t.request_class,
        priority=t.priority,
        line=t.line,
        status=t.status,
        assignee=t.assignee,
        reported_at=t.reported_at,
        target=target if running else None,
        due_at=state.due if running else None,
        remaining_hours=left,
        mark=mark,
    )


def queue_page(
    db: Database,
    policy: Policy,
    now: datetime,
    filt: QueueFilter,
    allowed_lines: tuple[str, ...],
    me: str = "",
    sort: str = DEFAULT_SORT,
    descending: bool = False,
    after: str | None = None,
    before: str | None = None,
    size: int = PAGE_SIZE,
) -> QueuePage:
    """One page of the queue, ordered by ``sort`` then by id, continuing after/before a ref.

    Keyset pagination: a page starts from the sort value of the ticket named by ``after``
    (``before`` for the previous page), so a deep page costs what the first one does.
    """
    key = sort_key(sort, policy)
    where = _where(filt, allowed_lines, policy, now, me)
    cursor, back = (before, True) if before else (after, False)
    with db.read() as s:
        total = s.execute(select(func.count()).select_from(Ticket).where(where)).scalar_one()
        query = select(Ticket).where(where)
        if cursor:
            mark = s.execute(select(key, Ticket.id).where(Ticket.ref == cursor)).first()
            if mark is not None:
                here = tuple_(literal(mark[0], key.type), literal(mark[1]))
                ahead = descending != back  # rows that come after the cursor in this walk
                pos = tuple_(key, Ticket.id)
                query = query.where(pos < here if ahead else pos > here)
        down = descending != back
        order = (key.desc(), Ticket.id.desc()) if down else (key.asc(), Ticket.id.asc())
        found = list(s.execute(query.order_by(*order).limit(size + 1)).scalars())
        more = len(found) > size
        found = found[:size]
        if back:
            found.reverse()
        rows = tuple(row_of(t, policy, now) for t in found)
    if not rows:
        return QueuePage(rows, total, None, None)
    first, last = rows[0].ref, rows[-1].ref
    if back:
        return QueuePage(rows, total, last, first if more else None)
    return QueuePage(rows, total, last if more else None, first if cursor else None)
