"""Tickets taken on the phone: staff file them for a caller (channel ``phone``)."""

from __future__ import annotations

from flask import current_app, flash, render_template, request
from flask_babel import gettext as _

from triage.desk import tickets
from triage.desk.intake import Classified, Intake, InvalidField
from triage.web import staff_forms as forms
from triage.web import staff_i18n
from triage.web.api_fields import now
from triage.web.auth import allowed
from triage.web.services import services
from triage.web.staff import bp, decide, form_errors


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
    prios = [(p, staff_i18n.priority(p)) for p in policy.priorities]
    form.priority.choices = forms.options([("", _("as classified")), *prios])
    if not form.validate_on_submit():
        if request.method == "POST":
            flash(form_errors(form), "error")
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
