"""The ticket status page at the tracking link, ``/t/<ref>?token=...``, with a reply box.

A wrong or missing token is a 404 exactly like an unknown ref. Only the customer's view is
read (``triage.desk.tracking``): public events, no staff names, no internal notes.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from triage.desk import messages, outbox, tracking, validation
from triage.desk.intake import LIMITS, InvalidField, TicketNotFound
from triage.desk.lifecycle import IllegalTransition
from triage.web import i18n
from triage.web.api import limiter
from triage.web.api_fields import now
from triage.web.customer_words import field_label, linkify, say, status_words
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


def _standard(message: str, to: str) -> bool:
    """Whether a status message is the desk's default line (in any language)."""
    langs = services().policy.languages
    return not message or any(message == messages.status_changed(to, lang) for lang in langs)


def event_text(e: tracking.TrackedEvent) -> str:
    """An event's text; the desk's standard messages are said in the page's language."""
    if e.kind == "created":
        return _("Request received.")
    if e.kind == "priority" and e.data.get("priority_to"):
        return _("Priority changed to: %(p)s", p=i18n.PRIORITY.get(e.data["priority_to"], ""))
    if e.kind == "intake":
        names = ", ".join(field_label(f) for f in e.data.get("fields", ()))
        return say("text.filled", fields=names)
    if e.kind == "status":
        to = e.data.get("to", "")
        if e.by == "you":
            if e.data.get("action") in ("close", "resolve"):
                return say("text.solved_done")
            if e.data.get("action") == "reopen":
                return say("text.reopened")
            return _("You replied; the ticket is open again.")
        if "missing" in e.data:  # the desk's request for the missing fields, in words
            names = ", ".join(field_label(f) for f in e.data["missing"])
            return f"{say('text.missing_title')} {names}"
        if _standard(e.message, to):
            return _("Status changed to: %(status)s", status=i18n.STATUS.get(to, to))
    return e.message


def shown_events(events: tuple[tracking.TrackedEvent, ...]) -> list[tracking.TrackedEvent]:
    """The conversation as shown: the intermediate steps of a customer's move left out."""
    return [e for e in events if not e.data.get("step")]


@bp.app_context_processor
def _words() -> dict:
    """The customer's words table for every public page (Ask support's hints too)."""
    return {"say": say}


@bp.context_processor
def _helpers() -> dict:
    return {
        "who": who,
        "event_text": event_text,
        "shown_events": shown_events,
        "by_when": lambda d: i18n.by_when(d, now()),
        "say": say,
        "status_words": status_words,
        "field_label": field_label,
        "linkify": linkify,
        "reason_text": reason_text,
    }


def reason_text(reason: str) -> str:
    """A reason as the customer reads it (a coded decline reason in the page's language)."""
    from triage.channels.render import templates

    return templates(i18n.lang())["words"]["reasons"].get(reason, reason)


def _limit(key: str):
    return limiter.limit(lambda: current_app.config[key])


def _render(
    ref: str,
    token: str | None,
    form: ReplyForm | None = None,
    code: int = 200,
    **ctx,
):
    found = tracking.find_tracking(services().db, services().policy, ref, token, now())
    if found is None:
        abort(404)
    form = form or ReplyForm(formdata=None, token=token, lang=i18n.lang())
    ctx.setdefault("given", {})
    ctx.setdefault("field_errors", {})
    return render_template("status.html", t=found, form=form, token=token, **ctx), code


def _back(ref: str, token: str | None, anchor: str = "history"):
    return redirect(url_for("status.ticket", ref=ref, token=token, lang=i18n.lang()) + f"#{anchor}")


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
    return _back(ref, token)


def _checked(given: dict[str, str]) -> dict[str, str]:
    """The errors of the missing fields' form, by field (in the page's language)."""
    errors = {}
    for name, value in given.items():
        problem = validation.text_problem(value)
        if problem:
            errors[name] = problem
        elif len(value) > LIMITS[name]:
            errors[name] = say("text.too_long", n=LIMITS[name])
        elif name == "contact" and value and not outbox.is_address(value):
            errors[name] = say("text.bad_email")
    return errors


@bp.post("/t/<ref>/fields")
@_limit("RATELIMIT_REPLY")
def fields(ref: str):
    """The missing intake fields, sent from the status page; the ticket moves on when complete.

    :raise 404: unknown ref, or a wrong or missing token.
    """
    token = request.form.get("token")
    found = tracking.find_tracking(services().db, services().policy, ref, token, now())
    if found is None:
        abort(404)
    given = {k: (request.form.get(k) or "").strip() for k in found.missing}
    errors = _checked(given)
    if not any(given.values()):
        errors = {name: say("text.required") for name in found.missing}
    if errors:
        return _render(ref, token, code=422, given=given, field_errors=errors)
    try:
        tracking.supply_fields(services().db, services().policy, ref, token, given, now())
    except TicketNotFound:
        abort(404)
    except (InvalidField, IllegalTransition):
        errors = {name: say("text.refused") for name in found.missing}
        return _render(ref, token, code=409, given=given, field_errors=errors)
    return _back(ref, token)


@bp.post("/t/<ref>/solved")
@_limit("RATELIMIT_REPLY")
def solved(ref: str):
    """ "This solved it": resolved and closed by the customer (one transaction).

    :raise 404: unknown ref, or a wrong or missing token.
    """
    token = request.form.get("token")
    try:
        tracking.confirm_solved(services().db, services().policy, ref, token, now())
    except TicketNotFound:
        abort(404)
    except IllegalTransition:
        return _render(ref, token, code=409, refused=say("text.refused"))
    return _back(ref, token, "ticket-status")


@bp.post("/t/<ref>/reopen")
@_limit("RATELIMIT_REPLY")
def reopen(ref: str):
    """ "Reopen" a resolved ticket, with what still does not work (one transaction).

    :raise 404: unknown ref, or a wrong or missing token.
    """
    token = request.form.get("token")
    try:
        tracking.reopen(
            services().db, services().policy, ref, token, request.form.get("message", ""), now()
        )
    except TicketNotFound:
        abort(404)
    except (InvalidField, IllegalTransition):
        return _render(ref, token, code=409, refused=say("text.refused"))
    return _back(ref, token)
