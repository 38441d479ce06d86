"""Staff JSON API: queue, ticket detail and every change, behind per-user API tokens.

``Authorization: Bearer <token>`` names the user (tokens are stored hashed, see ``triage users
tokens``). What the user may do is decided by the console's own rule,
``staff_roles.may(role, action, line)``: every ticket endpoint names its action, and a refusal
answers 403 with the console's message. Failed authentications count per client address
(``RATELIMIT_AUTH_FAILURES``, shared with ``/api/alerts``): past the limit the answer is 429.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, current_app, g, request

from triage.desk import lifecycle, tickets, users
from triage.desk.intake import InvalidField, TicketNotFound
from triage.desk.queue import queue
from triage.desk.views import find_staff_view, ticket_line
from triage.web import errors
from triage.web.api import limiter
from triage.web.api_fields import body, flag, integer, now, query_flag, query_int, reply, text
from triage.web.services import services
from triage.web.staff_roles import may, refusal

bp = Blueprint("api_staff", __name__, url_prefix="/api/staff")


def failed_auth(response) -> bool:
    """Whether a response refused the credentials (what the failure limit counts)."""
    return response.status_code == 401


#: Failed authentications per client address, one count for the staff API and the alerts hook.
auth_failures = limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_AUTH_FAILURES"],
    scope="auth-failures",
    deduct_when=failed_auth,
)


def staff(part: str | None = None):
    """Require a valid API token (401), and the role's right to a console part (403)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return errors.error_response(401)
            user = users.by_token(services().db, token.strip())
            if user is None:
                return errors.error_response(401, "Unknown or revoked API token.")
            if part is not None and not may(user.role, part):
                return errors.error_response(403, refusal(role=user.role))
            g.staff = user
            return view(*args, **kwargs)

        return auth_failures(wrapper)

    return decorator


def permit(ref: str, action: str) -> None:
    """Refuse (403, the console's message) a ticket action the member's role may not do."""
    line = ticket_line(services().db, ref)
    if line is None:
        raise TicketNotFound(ref)
    if not may(g.staff.role, action, line):
        abort(errors.error_response(403, refusal(line), action=action, line=line))


@bp.get("/me")
@staff()
def me():
    """Who the token belongs to."""
    return reply({"name": g.staff.name, "role": g.staff.role})


@bp.get("/queue")
@staff("queue")
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
@staff("view")
def detail(ref: str):
    """Everything about one ticket: the three classifications, SLA clocks, the event log."""
    view = find_staff_view(services().db, services().policy, ref, now())
    if view is None:
        raise TicketNotFound(ref)
    return reply(view)


def _args(ref: str) -> tuple:
    return services().db, services().policy, ref


@bp.post("/tickets/<ref>/transition")
@staff()
def transition(ref: str):
    """Apply a lifecycle action (409 when the status does not allow it)."""
    permit(ref, "transition")
    data = body()
    action = text(data, "action", required=True, choices=lifecycle.ACTIONS)
    reason = text(data, "reason", nonblank=True, max_len=2000)
    message = text(data, "message", nonblank=True, max_len=20000) or ""
    view = tickets.transition(*_args(ref), action, g.staff.name, now(), reason, message)
    return reply(view)


@bp.post("/tickets/<ref>/escalate")
@staff()
def escalate(ref: str):
    """Move the ticket one line up (steps 1) or down (steps -1), with a reason."""
    permit(ref, "escalate")
    data = body()
    reason = text(data, "reason", required=True, nonblank=True, max_len=2000)
    steps = integer(data, "steps", 1, -1, 1)
    if steps == 0:
        raise InvalidField("steps", "must be 1 (up one line) or -1 (down one line)")
    view = tickets.escalate(*_args(ref), g.staff.name, now(), reason, steps)
    return reply(view)


@bp.post("/tickets/<ref>/class")
@staff()
def correct_class(ref: str):
    """Correct the class; the ticket moves to the line that owns it."""
    permit(ref, "class")
    data = body()
    klass = text(data, "class", required=True, max_len=64)
    reason = text(data, "reason", nonblank=True, max_len=2000) or ""
    view = tickets.correct_class(*_args(ref), g.staff.name, now(), klass, reason)
    return reply(view)


@bp.post("/tickets/<ref>/priority")
@staff()
def correct_priority(ref: str):
    """Correct the priority; the reason is sent to the customer."""
    permit(ref, "priority")
    data = body()
    priority = text(data, "priority", required=True, max_len=32)
    reason = text(data, "reason", required=True, max_len=2000)
    view = tickets.correct_priority(*_args(ref), g.staff.name, now(), priority, reason)
    return reply(view)


@bp.post("/tickets/<ref>/comments")
@staff()
def comment(ref: str):
    """Add an internal note, or (role and line permitting) a public reply to the customer."""
    data = body()
    message = text(data, "message", required=True, max_len=20000)
    public = flag(data, "public", False)
    permit(ref, "reply" if public else "note")
    view = tickets.comment(*_args(ref), g.staff.name, now(), message, public)
    return reply(view)


@bp.post("/tickets/<ref>/assign")
@staff()
def assign(ref: str):
    """Give the ticket to a staff member (null: back to the line)."""
    permit(ref, "assign")
    data = body()
    assignee = text(data, "assignee", nonblank=True, max_len=100)
    view = tickets.assign(*_args(ref), g.staff.name, now(), assignee)
    return reply(view)
