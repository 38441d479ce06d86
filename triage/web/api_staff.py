"""Staff JSON API: queue, ticket detail and every change, behind per-user API tokens.

``Authorization: Bearer <token>`` names the user (tokens are stored hashed); the user's role
decides what they may do (``triage.desk.users.PERMISSIONS``).
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, request

from triage.desk import lifecycle, tickets, users
from triage.desk.intake import TicketNotFound
from triage.desk.queue import queue
from triage.desk.views import find_staff_view
from triage.web import errors
from triage.web.api_fields import body, flag, integer, now, query_flag, query_int, reply, text
from triage.web.services import services

bp = Blueprint("api_staff", __name__, url_prefix="/api/staff")


def staff(permission: str):
    """Require a valid API token whose role grants ``permission`` (401 / 403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return errors.error_response(401)
            user = users.by_token(services().db, token.strip())
            if user is None:
                return errors.error_response(401, "Unknown or revoked API token.")
            if not user.can(permission):
                return errors.error_response(403, f"Role {user.role} may not {permission}.")
            g.staff = user
            return view(*args, **kwargs)

        return wrapper

    return decorator


@bp.get("/me")
@staff("read")
def me():
    """Who the token belongs to."""
    return reply({"name": g.staff.name, "role": g.staff.role})


@bp.get("/queue")
@staff("read")
def work_queue():
    """Open tickets of a line, most urgent SLA first, then oldest."""
    pol = services().policy
    line = request.args.get("line")  # an empty line is not a line: 422
    if line is not None and line not in pol.lines:
        return errors.error_response(422, f"line: must be one of: {', '.join(pol.lines)}")
    waiting = query_flag("waiting")
    limit = query_int("limit", 100, 1, 1000)
    items = queue(services().db, pol, now(), line=line, include_waiting=waiting, limit=limit)
    return reply({"line": line, "tickets": items})


@bp.get("/tickets/<ref>")
@staff("read")
def detail(ref: str):
    """Everything about one ticket: the three classifications, SLA clocks, the event log."""
    view = find_staff_view(services().db, services().policy, ref, now())
    if view is None:
        raise TicketNotFound(ref)
    return reply(view)


def _args(ref: str) -> tuple:
    return services().db, services().policy, ref


@bp.post("/tickets/<ref>/transition")
@staff("work")
def transition(ref: str):
    """Apply a lifecycle action (409 when the status does not allow it)."""
    data = body()
    action = text(data, "action", required=True, choices=lifecycle.ACTIONS)
    reason = text(data, "reason", nonblank=True, max_len=2000)
    message = text(data, "message", nonblank=True, max_len=20000) or ""
    view = tickets.transition(*_args(ref), action, g.staff.name, now(), reason, message)
    return reply(view)


@bp.post("/tickets/<ref>/escalate")
@staff("work")
def escalate(ref: str):
    """Move the ticket up (steps > 0) or down (steps < 0) the lines, with a reason."""
    data = body()
    reason = text(data, "reason", required=True, max_len=2000)
    steps = integer(data, "steps", 1, -3, 3)
    view = tickets.escalate(*_args(ref), g.staff.name, now(), reason, steps)
    return reply(view)


@bp.post("/tickets/<ref>/class")
@staff("work")
def correct_class(ref: str):
    """Correct the class; the ticket moves to the line that owns it."""
    data = body()
    klass = text(data, "class", required=True, max_len=64)
    reason = text(data, "reason", nonblank=True, max_len=2000) or ""
    view = tickets.correct_class(*_args(ref), g.staff.name, now(), klass, reason)
    return reply(view)


@bp.post("/tickets/<ref>/priority")
@staff("work")
def correct_priority(ref: str):
    """Correct the priority; the reason is sent to the customer."""
    data = body()
    priority = text(data, "priority", required=True, max_len=32)
    reason = text(data, "reason", required=True, max_len=2000)
    view = tickets.correct_priority(*_args(ref), g.staff.name, now(), priority, reason)
    return reply(view)


@bp.post("/tickets/<ref>/comments")
@staff("note")
def comment(ref: str):
    """Add an internal note, or (role permitting) a public reply to the customer."""
    data = body()
    message = text(data, "message", required=True, max_len=20000)
    public = flag(data, "public", False)
    if public and not g.staff.can("work"):
        return errors.error_response(403, f"Role {g.staff.role} may not reply to customers.")
    view = tickets.comment(*_args(ref), g.staff.name, now(), message, public)
    return reply(view)


@bp.post("/tickets/<ref>/assign")
@staff("work")
def assign(ref: str):
    """Give the ticket to a staff member (null: back to the line)."""
    data = body()
    assignee = text(data, "assignee", nonblank=True, max_len=100)
    view = tickets.assign(*_args(ref), g.staff.name, now(), assignee)
    return reply(view)
