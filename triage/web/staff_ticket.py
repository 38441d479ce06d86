"""A ticket in the staff console: its page (details, SLA clocks, the engine's view, similar
solved tickets, the event log) and the actions posted from it."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from triage.desk.history import recent_solved
from triage.desk.intake import InvalidField
from triage.desk.lifecycle import IllegalTransition
from triage.desk.views import TicketView, find_staff_view
from triage.engine.similar import similar
from triage.web import staff_forms as forms
from triage.web import staff_i18n
from triage.web.api_fields import now
from triage.web.auth import allowed, member
from triage.web.services import services
from triage.web.staff import bp, decide, form_errors
from triage.web.staff_actions import HANDLERS, STATUS_ORDER, Refused, ask_template
from triage.web.staff_roles import may, refusal


def _view(ref: str) -> TicketView:
    view = find_staff_view(services().db, services().policy, ref, now())
    if view is None:
        abort(404, description=_("No ticket %(ref)s.", ref=ref))
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
    allowed = [a for a in STATUS_ORDER if a in view.allowed_actions]
    actions = [(a, staff_i18n.action(a)) for a in allowed]
    made["status"].action.choices = forms.options([("", _("— choose —")), *actions])
    reasons = [(r, staff_i18n.reason_code(r)) for r in policy.decline_reasons]
    made["status"].coded_reason.choices = forms.options([("", "—"), *reasons])
    made["class"].value.choices = forms.options(
        [(c, staff_i18n.request_class(c)) for c in policy.classes]
    )
    made["class"].value.data = view.request_class
    made["priority"].value.choices = forms.options(
        [(p, staff_i18n.priority(p)) for p in policy.priorities]
    )
    made["priority"].value.data = view.priority
    return made


def _answer_fields(sg: Any) -> dict[str, str]:
    """The hidden fields of a suggestion's answer form: its site path, title, id and language."""
    return {"url": sg.url, "title": sg.title, "article": sg.id, "lang": sg.lang}


def _answers(decision: Any | None) -> list[tuple[Any, Any]]:
    """The top suggestions, each with its 'Answer with this article' form."""
    if decision is None:
        return []
    top = list(getattr(decision, "suggestions", ()))[: int(current_app.config["STAFF_SUGGESTIONS"])]
    return [
        (sg, forms.AnswerForm(prefix="answer", formdata=None, **_answer_fields(sg))) for sg in top
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


@bp.post("/t/<ref>/<kind>")
@allowed("view")
def act(ref: str, kind: str):
    """Run one console action on a ticket; refused or illegal actions change nothing."""
    handler = HANDLERS.get(kind) or abort(404)
    view = _view(ref)
    if not may(member().role, handler.action, view.line):
        abort(403, description=refusal(view.line))
    form = handler.form(prefix=kind)
    if kind in ("class", "priority"):
        form.value.choices = list(
            services().policy.classes if kind == "class" else services().policy.priorities
        )
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return render_ticket(view, 400)
    try:
        flash(handler.run(form, view, member().name, now()), "success")
    except (IllegalTransition, InvalidField, Refused) as exc:
        flash(exc.message if isinstance(exc, IllegalTransition) else str(exc), "error")
        return render_ticket(_view(ref), 422 if isinstance(exc, InvalidField) else 409)
    return redirect(url_for("staff.ticket", ref=ref), code=303)
