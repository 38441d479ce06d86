"""The staff console at ``/staff``: the queue, a ticket page with its actions, phone tickets.

Views only read requests, check the role rules (``staff_roles``), call the desk and the engine,
and render. Every change goes through ``triage.desk.tickets`` (see ``staff_actions``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from triage.desk import tickets
from triage.desk.history import recent_solved
from triage.desk.intake import Classified, Intake, InvalidField
from triage.desk.lifecycle import STATUSES, IllegalTransition
from triage.desk.queue import QueueItem
from triage.desk.queue import queue as line_queue
from triage.desk.sweep import due_flags
from triage.desk.views import TicketView, find_staff_view
from triage.engine.similar import similar
from triage.web import staff_forms as forms
from triage.web.api_fields import now
from triage.web.auth import allowed, member
from triage.web.services import services
from triage.web.staff_actions import HANDLERS, Refused, ask_template
from triage.web.staff_roles import lines_of, may

log = logging.getLogger(__name__)
bp = Blueprint("staff", __name__, url_prefix="/staff")
DEFAULTS = {"STAFF_QUEUE_LIMIT": 500, "STAFF_SIMILAR_POOL": 500, "STAFF_SUGGESTIONS": 5}


CONSOLE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _headers(response):
    """Console pages are never cached, framed or sniffed."""
    if request.blueprint in ("staff", "auth"):
        for key, value in CONSOLE_HEADERS.items():
            response.headers.setdefault(key, value)
    return response


@bp.app_template_filter("desk_time")
def desk_time(moment: datetime | None) -> str:
    """A moment in the desk's time zone, e.g. 'Tue 24 Nov 10:00'."""
    if moment is None:
        return ""
    return moment.astimezone(services().policy.calendar.tz).strftime("%a %d %b %Y %H:%M")


def decide(text: str, lang: str | None) -> Any | None:
    """The engine's decision on a text, or None when the engine cannot answer."""
    try:
        return services().engine.decide(text, lang=lang)
    except Exception:  # the console works without the engine; the log says why
        log.exception("engine failed in the staff console")
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
            flash(f"Unknown {key} {value!r}: filter ignored.", "error")
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


def _view(ref: str) -> TicketView:
    view = find_staff_view(services().db, services().policy, ref, now())
    if view is None:
        abort(404, description=f"No ticket {ref}.")
    return view


def _engine_at_filing(view: TicketView) -> dict[str, Any]:
    """What the engine said when the ticket was filed (its 'triaged' event)."""
    return next((dict(e.data) for e in view.events if e.kind == "triaged"), {})


def _neighbours(view: TicketView) -> list[dict[str, Any]]:
    """The most similar resolved tickets, best first."""
    pool = recent_solved(services().db, int(current_app.config["STAFF_SIMILAR_POOL"]), view.ref)
    by_ref = {p.ref: p for p in pool}
    found = similar(f"{view.description}\n{view.steps}", [(p.ref, p.text) for p in pool], k=5)
    return [
        {"ref": r, "score": sc, "class": by_ref[r].request_class, "text": by_ref[r].text[:200]}
        for r, sc in found
    ]


def _forms(view: TicketView) -> dict[str, Any]:
    """The ticket page's forms, each with its own prefix and the choices of the moment."""
    policy = services().policy
    made = {kind: h.form(prefix=kind, formdata=None) for kind, h in HANDLERS.items()}
    made["ask"].message.data = ask_template(view)
    made["status"].action.choices = forms.options(
        a for a in view.allowed_actions if a != "wait_customer"
    )
    made["status"].coded_reason.choices = forms.options([("", "—"), *policy.decline_reasons])
    made["class"].value.choices = forms.options(policy.classes)
    made["class"].value.data = view.request_class
    made["priority"].value.choices = forms.options(policy.priorities)
    made["priority"].value.data = view.priority
    return made


def _answers(decision: Any | None) -> list[tuple[Any, Any]]:
    """The top suggestions, each with its 'Answer with this article' form."""
    if decision is None:
        return []
    top = list(getattr(decision, "suggestions", ()))[: int(current_app.config["STAFF_SUGGESTIONS"])]
    return [
        (sg, forms.AnswerForm(prefix="answer", formdata=None, url=sg.url, title=sg.title))
        for sg in top
    ]


def render_ticket(view: TicketView, code: int = 200, **overrides: Any):
    """The ticket page (``overrides`` replace forms that came back with errors)."""
    role = member().role
    decision = decide(f"{view.description}\n{view.steps}".strip(), view.lang)
    page = render_template(
        "staff/ticket.html",
        t=view,
        forms={**_forms(view), **overrides},
        decision=decision,
        filed=_engine_at_filing(view),
        answers=_answers(decision),
        similar=_neighbours(view),
        can_act=may(role, "act", view.line),
        can_note=may(role, "note", view.line),
        policy=services().policy,
        now=now(),
    )
    return page, code


@bp.get("/t/<ref>")
@allowed("view")
def ticket(ref: str):
    """A ticket: details, SLA clocks, the engine's view, similar solved tickets, actions, log."""
    return render_ticket(_view(ref))


def _errors(form) -> str:
    msgs = [
        f"{getattr(form, k).label.text}: {' '.join(v)}"
        for k, v in form.errors.items()
        if hasattr(form, k)
    ]
    return "; ".join(msgs) or "The form is not valid."


@bp.post("/t/<ref>/<kind>")
@allowed("view")
def act(ref: str, kind: str):
    """Run one console action on a ticket; refused or illegal actions change nothing."""
    handler = HANDLERS.get(kind) or abort(404)
    view = _view(ref)
    if not may(member().role, handler.part, view.line):
        abort(403, description=f"Your role cannot do this on a ticket of {view.line}.")
    form = handler.form(prefix=kind)
    if kind in ("class", "priority"):
        form.value.choices = list(
            services().policy.classes if kind == "class" else services().policy.priorities
        )
    if not form.validate_on_submit():
        flash(_errors(form), "error")
        return render_ticket(view, 400)
    try:
        flash(handler.run(form, view, member().name, now()), "success")
    except (IllegalTransition, InvalidField, Refused) as exc:
        flash(exc.message if isinstance(exc, IllegalTransition) else str(exc), "error")
        return render_ticket(_view(ref), 422 if isinstance(exc, InvalidField) else 409)
    return redirect(url_for("staff.ticket", ref=ref), code=303)


def _classified(text: str, lang: str) -> Classified:
    """The engine's classification, or the unknown class (human triage on L1) without it."""
    decision = decide(text, lang)
    if decision is not None:
        return Classified.of(decision)
    u = services().policy.unknown_class
    return Classified(u.id, u.default_priority, u.line)


def _intake(form: forms.PhoneTicketForm) -> Intake:
    fields = {
        k: (getattr(form, k).data or "").strip()
        for k in ("contact", "module", "version", "description", "steps")
    }
    return Intake(
        **fields, lang=form.lang.data, channel="phone", customer_priority=form.priority.data or None
    )


def tracking_url(ref: str, token: str) -> str:
    """The customer's tracking link of a ticket."""
    base = str(current_app.config["PUBLIC_URL"]).rstrip("/")
    return current_app.config["TRACKING_URL"].format(public_url=base, ref=ref, token=token)


@bp.route("/new", methods=["GET", "POST"])
@allowed("create")
def new_ticket():
    """File a ticket for a caller (channel phone): the engine classifies, the desk files."""
    policy = services().policy
    form = forms.PhoneTicketForm()
    form.lang.choices = forms.options(policy.languages)
    form.priority.choices = forms.options([("", "as classified"), *policy.priorities])
    if not form.validate_on_submit():
        if request.method == "POST":
            flash(_errors(form), "error")
        return render_template(
            "staff/new.html", form=form
        ), 400 if request.method == "POST" else 200
    intake = _intake(form)
    try:
        filed = tickets.file_ticket(
            services().db, policy, intake, _classified(intake.description, intake.lang), now()
        )
    except InvalidField as exc:
        flash(str(exc), "error")
        return render_template("staff/new.html", form=form), 422
    url = tracking_url(filed.ref, filed.token)
    return render_template("staff/filed.html", filed=filed, tracking_url=url), 201


def init_app(app) -> None:
    """Register the console (and its sign-in pages) on the app."""
    from triage.web import auth

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    auth.init_app(app)
    app.register_blueprint(bp)
    app.after_request(_headers)
