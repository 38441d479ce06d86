"""The staff console at ``/staff``: its blueprint, the queue, and what its pages share.

The ticket page lives in ``staff_ticket``, phone tickets in ``staff_phone``, sign-in in ``auth``.
Views only read requests, check the role rules (``staff_roles``), call the desk and the engine,
and render. Every change goes through ``triage.desk.tickets`` (see ``staff_actions``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from triage.desk.lifecycle import STATUSES
from triage.desk.queue import QueueItem
from triage.desk.queue import queue as line_queue
from triage.desk.sweep import due_flags
from triage.web import staff_i18n
from triage.web.api_fields import now
from triage.web.auth import allowed, member
from triage.web.headers import SECURITY_HEADERS
from triage.web.services import services
from triage.web.staff_roles import lines_of

log = logging.getLogger(__name__)
bp = Blueprint("staff", __name__, url_prefix="/staff")
DEFAULTS = {"STAFF_QUEUE_LIMIT": 500, "STAFF_SIMILAR_POOL": 500, "STAFF_SUGGESTIONS": 5}
#: The refusals' titles.
ERRORS = {400: _l("Bad Request"), 403: _l("Forbidden"), 404: _l("Not Found")}
#: The queue's filters as the page names them.
FILTERS = {
    "line": _l("line"),
    "class": _l("class"),
    "priority": _l("priority"),
    "status": _l("status"),
}


CONSOLE_HEADERS = {"Cache-Control": "no-store", **SECURITY_HEADERS}


def _headers(response):
    """Console pages are never cached, framed or sniffed."""
    if request.blueprint in ("staff", "auth"):
        for key, value in CONSOLE_HEADERS.items():
            response.headers.setdefault(key, value)
    return response


@bp.errorhandler(403)
@bp.errorhandler(404)
@bp.errorhandler(CSRFError)
def console_error(exc: HTTPException):
    """Refusals of the console (CSRF, role, not found) as console pages."""
    title = ERRORS.get(exc.code or 0, exc.name)
    page = render_template("staff/error.html", code=exc.code, title=title, message=exc.description)
    return page, exc.code


@bp.app_template_filter("desk_time")
def desk_time(moment: datetime | None) -> str:
    """A moment in the desk's time zone in the page's language, e.g. 'Tue 24 Nov 2026 10:00'."""
    return staff_i18n.desk_time(moment)


def decide(text: str, lang: str | None) -> Any | None:
    """The engine's decision on a text, or None when the engine cannot answer."""
    try:
        return services().engine.decide(text, lang=lang)
    except Exception as exc:  # the console works without the engine; the log says why
        log.warning("engine unavailable in the staff console: %s", exc)
        return None


def _mark(flag: str) -> str:
    return "breached" if "breached" in flag else "at-risk" if "at_risk" in flag else ""


def _filters(policy) -> dict[str, str]:
    """The queue filters asked for; unknown values are dropped with a message."""
    known = {
        "line": lines_of(member().role, policy.lines),
        "class": (*policy.classes, policy.unknown_class.id),
        "priority": policy.priorities,
        "status": STATUSES,
    }
    chosen = {}
    for key, values in known.items():
        value = request.args.get(key, "").strip()
        if value and value not in values:
            msg = _(
                "Unknown %(key)s %(value)s: filter ignored.", key=FILTERS[key], value=repr(value)
            )
            flash(msg, "error")
        elif value:
            chosen[key] = value
    return chosen


def _keep(item: QueueItem, chosen: dict[str, str], lines: tuple[str, ...]) -> bool:
    values = {"line": item.line, "class": item.request_class}
    values.update(priority=item.priority, status=item.status)
    return item.line in lines and all(values[k] == v for k, v in chosen.items())


@bp.get("/")
@allowed("queue")
def queue():
    """The queue of the member's lines, most urgent due time first, with filters."""
    s, moment = services(), now()
    chosen = _filters(s.policy)
    lines = lines_of(member().role, s.policy.lines)
    limit = int(current_app.config["STAFF_QUEUE_LIMIT"])
    items = line_queue(
        s.db, s.policy, moment, line=chosen.get("line"), include_waiting=True, limit=limit
    )
    fresh = due_flags(s.db, s.policy, moment)[1]
    rows = [(i, _mark(fresh.get(i.ref, i.sla_flag))) for i in items if _keep(i, chosen, lines)]
    return render_template(
        "staff/queue.html",
        rows=rows,
        chosen=chosen,
        lines=lines,
        policy=s.policy,
        statuses=STATUSES,
        now=moment,
    )


def form_errors(form) -> str:
    """A form's errors as one line to flash."""
    msgs = [
        f"{getattr(form, k).label.text}: {' '.join(str(e) for e in v)}"
        for k, v in form.errors.items()
        if hasattr(form, k)
    ]
    return "; ".join(msgs) or _("The form is not valid.")


def init_app(app) -> None:
    """Register the console (and its sign-in pages) on the app."""
    from triage.web import auth, staff_phone, staff_ticket, staff_users  # noqa: F401 - join bp

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    staff_i18n.init_app(app)
    auth.init_app(app)
    app.register_blueprint(bp)
    app.after_request(_headers)
