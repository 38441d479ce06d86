"""The writers' page of the console (``/staff/kb``): gaps, review lists, drafts from incidents.

Writers and admins only (``staff_roles.CONSOLE["kb"]``). The page reads the desk and the
knowledge base; the two posts write a draft file or a link event through
``triage.desk.incidents``. ``staff/kb_actions.html`` is the button block for a resolved
ticket's page.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp

from triage.desk.incidents import NotResolved, draft_from_ticket, link_existing
from triage.desk.intake import InvalidField, TicketNotFound
from triage.kb.articles import ArticleError, load_kb
from triage.kb.drafts import DraftError
from triage.web.api_fields import now
from triage.web.auth import allowed, member
from triage.web.services import services
from triage.web.validation import TextForm

bp = Blueprint("writers", __name__, url_prefix="/staff/kb")
DEFAULTS = {"WRITERS_GAP_DAYS": 90, "WRITERS_MIN_VOTES": 5, "WRITERS_TOP": 15}


class DraftForm(TextForm):
    """Draft an article from the ticket (the CSRF token is the whole form)."""


class LinkForm(TextForm):
    """Link the ticket to an existing article by its id."""

    article = StringField(
        _l("Article id"),
        validators=[DataRequired(), Length(max=200), Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")],
    )


def kb_forms() -> dict[str, FlaskForm]:
    """The forms of the ticket page's knowledge-base block."""
    return {"draft": DraftForm(prefix="kbdraft"), "link": LinkForm(prefix="kblink")}


def _since() -> tuple[date, datetime]:
    """The first day asked for (``?since=YYYY-MM-DD``) or the default window, and its start."""
    policy = services().policy
    today = now().astimezone(policy.calendar.tz).date()
    try:
        day = date.fromisoformat(request.args.get("since", ""))
    except ValueError:
        day = today - timedelta(days=int(current_app.config["WRITERS_GAP_DAYS"]))
    return day, datetime.combine(day, datetime.min.time(), policy.calendar.tz)


def _articles() -> list:
    try:
        return load_kb(Path(str(current_app.config["KB_DIR"])))
    except ArticleError as exc:
        flash(_("The knowledge base has a broken article: %(error)s", error=exc), "error")
        return []


@bp.get("")
@allowed("kb")
def page():
    """Gap topics of the period, and the articles to review."""
    from triage.desk.kbsignals import gap_questions, review_lists
    from triage.engine.decide import SELF_SERVICE_SHARE
    from triage.kb.gaps import find_gaps

    db, cfg = services().db, current_app.config
    day, start = _since()
    gaps = find_gaps(gap_questions(db, start, SELF_SERVICE_SHARE))
    today = now().astimezone(services().policy.calendar.tz).date()
    lists = review_lists(
        db, _articles(), now(), today, int(cfg["WRITERS_MIN_VOTES"]), int(cfg["WRITERS_TOP"])
    )
    return render_template("staff/kb.html", gaps=gaps, lists=lists, since=day)


def _back(ref: str):
    return redirect(url_for("staff.ticket", ref=ref) + "#kb")


@bp.post("/draft/<ref>")
@allowed("kb")
def draft(ref: str):
    """Write a draft article from a resolved ticket; back to the ticket with its path."""
    if not DraftForm(prefix="kbdraft").validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return _back(ref)
    root = Path(str(current_app.config["KB_DIR"]))
    db, policy, at = services().db, services().policy, now()
    today = at.astimezone(policy.calendar.tz).date()
    try:
        done = draft_from_ticket(db, policy, ref, root, member().name, at, today)
    except TicketNotFound:
        return redirect(url_for("staff.queue"))
    except (NotResolved, DraftError, InvalidField) as exc:
        flash(str(exc), "error")
        return _back(ref)
    rel = done.path.relative_to(root).as_posix()
    flash(
        _("Draft kb/%(path)s written: complete it, then run `triage kb check`.", path=rel), "info"
    )
    return _back(ref)


@bp.post("/link/<ref>")
@allowed("kb")
def link(ref: str):
    """Link a resolved ticket to a published article."""
    form = LinkForm(prefix="kblink")
    if not form.validate_on_submit():
        flash(_("Give the id of a published article (e.g. reset-password)."), "error")
        return _back(ref)
    root = Path(str(current_app.config["KB_DIR"]))
    article = form.article.data.strip()
    try:
        link_existing(services().db, services().policy, ref, root, article, member().name, now())
    except TicketNotFound:
        return redirect(url_for("staff.queue"))
    except (NotResolved, InvalidField, ArticleError) as exc:
        flash(str(exc), "error")
        return _back(ref)
    flash(_("%(ref)s linked to %(article)s.", ref=ref, article=article), "info")
    return _back(ref)


def console_headers(blueprint: str):
    """An after-request hook giving a blueprint's pages the console's headers (no-store, CSP)."""
    from triage.web.staff import CONSOLE_HEADERS

    def hook(response):
        if request.blueprint == blueprint:
            for key, value in CONSOLE_HEADERS.items():
                response.headers.setdefault(key, value)
        return response

    return hook


def init_app(app) -> None:
    """Register the writers' pages and make their forms available to the ticket page."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.register_blueprint(bp)
    app.after_request(console_headers("writers"))

    @app.context_processor
    def _kb_forms() -> dict:
        return {"kb_forms": kb_forms} if request.path.startswith("/staff") else {}
