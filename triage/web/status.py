"""The ticket status page at the tracking link, ``/t/<ref>?token=...``, with a reply box.

A wrong or missing token is a 404 exactly like an unknown ref. Only the customer's view is
read (``triage.desk.tracking``): public events, no staff names, no internal notes.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from triage.desk import tracking
from triage.desk.intake import InvalidField, TicketNotFound
from triage.desk.lifecycle import IllegalTransition
from triage.web import i18n
from triage.web.api import limiter
from triage.web.api_fields import now
from triage.web.forms import ReplyForm
from triage.web.services import services

bp = Blueprint("status", __name__)
DEFAULTS = {"RATELIMIT_STATUS": "60 per minute", "RATELIMIT_REPLY": "20 per minute"}


@bp.errorhandler(404)
def not_found(_exc):
    """This site's own 404 page (a wrong token looks like an unknown ticket)."""
    return render_template("error.html", code=404), 404


def who(by: str) -> str:
    """Who said an event, in the page's language (never a staff member's name)."""
    return {"you": _("You"), "support": _("Support")}.get(by, _("Help desk"))


def event_text(e: tracking.TrackedEvent) -> str:
    """An event's text; the desk's standard messages are said in the page's language."""
    if e.kind == "created":
        return _("Request received.")
    if e.kind == "priority" and e.data.get("priority_to"):
        return _("Priority changed to: %(p)s", p=i18n.PRIORITY.get(e.data["priority_to"], ""))
    if e.kind == "status":
        to = e.data.get("to", "")
        if e.by == "you":
            return _("You replied; the ticket is open again.")
        if not e.message or e.message == f"Status changed to {to.replace('_', ' ')}.":
            return _("Status changed to: %(status)s", status=i18n.STATUS.get(to, to))
    return e.message


@bp.context_processor
def _helpers() -> dict:
    return {"who": who, "event_text": event_text, "by_when": lambda d: i18n.by_when(d, now())}


def _limit(key: str):
    return limiter.limit(lambda: current_app.config[key])


def _render(ref: str, token: str | None, form: ReplyForm | None = None, code: int = 200):
    found = tracking.find_tracking(services().db, services().policy, ref, token, now())
    if found is None:
        abort(404)
    form = form or ReplyForm(formdata=None, token=token, lang=i18n.lang())
    return render_template("status.html", t=found, form=form, token=token), code


@bp.get("/t/<ref>")
@_limit("RATELIMIT_STATUS")
def ticket(ref: str):
    """The status page.

    :raise 404: unknown ref, or a wrong or missing token.
    """
    return _render(ref, request.args.get("token"))


@bp.post("/t/<ref>")
@_limit("RATELIMIT_REPLY")
def reply(ref: str):
    """The customer's reply; a ticket waiting on the customer moves back to open.

    :raise 404: unknown ref, or a wrong or missing token.
    """
    form = ReplyForm()
    token = form.token.data
    if not form.validate():
        return _render(ref, token, form, 422)
    try:
        tracking.customer_reply(
            services().db, services().policy, ref, token, form.message.data, now()
        )
    except TicketNotFound:
        abort(404)
    except (InvalidField, IllegalTransition):
        form.message.errors = [str(i18n.REPLY_REFUSED)]
        return _render(ref, token, form, 409)
    return redirect(url_for("status.ticket", ref=ref, token=token, lang=i18n.lang()) + "#history")
