"""The staff console at ``/staff``: its blueprint, the queue, and what its pages share.

The ticket page lives in ``staff_ticket``, phone tickets in ``staff_phone``, sign-in in ``auth``.
Views only read requests, check the role rules (``staff_roles``), call the desk and the engine,
and render. Every change goes through ``triage.desk.tickets`` (see ``staff_actions``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_timedelta
from babel.numbers import format_decimal
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from triage.desk.lifecycle import STATUSES
from triage.desk.queue import AT_RISK, DEFAULT_SORT, SORT_KEYS, QueueFilter, queue_page
from triage.desk.queue_views import (
    FILTER_KEYS,
    NAME_LEN,
    PAGE_KEYS,
    QueueView,
    clean_query,
    delete_filter,
    load_views,
    parse_query,
    save_filter,
    saved_filters,
)
from triage.desk.users import list_users
from triage.web import staff_i18n
from triage.web.api_fields import now
from triage.web.auth import allowed, member
from triage.web.headers import SECURITY_HEADERS
from triage.web.services import services
from triage.web.staff_bulk import BulkForm, BulkInvalid, run_bulk
from triage.web.staff_forms import PostForm
from triage.web.staff_roles import lines_of, may

log = logging.getLogger(__name__)
bp = Blueprint("staff", __name__, url_prefix="/staff")
DEFAULTS = {
    "STAFF_QUEUE_PAGE": 50,
    "STAFF_QUEUE_LIMIT": 500,
    "STAFF_SIMILAR_POOL": 500,
    "STAFF_SUGGESTIONS": 5,
}
#: The refusals' titles.
ERRORS = {400: _l("Bad Request"), 403: _l("Forbidden"), 404: _l("Not Found")}
#: The queue's filters as the page names them.
FILTERS = {
    "line": _l("line"),
    "class": _l("class"),
    "priority": _l("priority"),
    "status": _l("status"),
    "assignee": _l("assignee"),
    "sla": _l("SLA"),
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


def _choices(policy) -> dict[str, tuple[str, ...]]:
    """The values each queue filter accepts for the signed-in member."""
    return {
        "line": lines_of(member().role, policy.lines),
        "class": (*policy.classes, policy.unknown_class.id),
        "priority": policy.priorities,
        "status": STATUSES,
        "sla": (AT_RISK,),
    }


def _pairs() -> list[tuple[str, str]]:
    """The page's filters and sort: a view's filters (``?view=``) under those asked for."""
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k in FILTER_KEYS + PAGE_KEYS]
    chosen = request.args.get("view", "")
    if chosen:
        view = next((v for v in shared_views() if v.id == chosen), None)
        if view is None:
            flash(_("Unknown view %(view)s: showing the queue.", view=repr(chosen)), "error")
        else:
            asked = {k for k, _v in pairs}
            pairs = [p for p in view.query() if p[0] not in asked] + pairs
    return pairs


def _filters(policy, pairs: list[tuple[str, str]]) -> tuple[QueueFilter, dict[str, list[str]]]:
    """The queue filters asked for; unknown values are dropped with a message."""
    known = _choices(policy)
    chosen: dict[str, list[str]] = {}
    for key, value in pairs:
        value = value.strip()
        if not value or key in PAGE_KEYS:
            continue
        if key in known and value not in known[key]:
            msg = _(
                "Unknown %(key)s %(value)s: filter ignored.", key=FILTERS[key], value=repr(value)
            )
            flash(msg, "error")
            continue
        chosen.setdefault(key, [])
        if value not in chosen[key]:
            chosen[key].append(value)
    who = (chosen.get("assignee") or [None])[-1]
    filt = QueueFilter(
        lines=tuple(chosen.get("line", ())),
        statuses=tuple(chosen.get("status", ())),
        classes=tuple(chosen.get("class", ())),
        priorities=tuple(chosen.get("priority", ())),
        assignee=who[:100] if who else None,
        sla=(chosen.get("sla") or [None])[-1],
    )
    return filt, chosen


def _sort(pairs: list[tuple[str, str]]) -> tuple[str, bool]:
    asked = dict(pairs)
    sort = asked.get("sort", DEFAULT_SORT)
    if sort not in SORT_KEYS:
        flash(_("Unknown sort %(sort)s: oldest first.", sort=repr(sort)), "error")
        sort = DEFAULT_SORT
    return sort, asked.get("dir") == "desc"


_VIEWS: dict[tuple[str, float, int], tuple[QueueView, ...]] = {}


def shared_views() -> tuple[QueueView, ...]:
    """The shared queue views (``VIEWS_FILE``), read again when the file changes."""
    path, policy = Path(current_app.config["VIEWS_FILE"]), services().policy
    key = (str(path), path.stat().st_mtime, id(policy))
    if key not in _VIEWS:
        _VIEWS[key] = load_views(path, policy)
    return _VIEWS[key]


@bp.app_template_global("st_class_name")
def class_name(code: str) -> str:
    """A class by its policy name in the page's language (English too, never the raw id)."""
    policy = services().policy
    lang = str(get_locale() or "en")
    if code == policy.unknown_class.id:
        return _("unclassified")
    known = policy.classes.get(code)
    return known.name(lang) if known else code


@bp.app_template_global("st_age")
def age(since: datetime, moment: datetime) -> str:
    """How long ago, short, in the page's language (e.g. '3 days')."""
    return format_timedelta(moment - since, threshold=1.5, locale=str(get_locale() or "en"))


@bp.app_template_global("st_hours")
def hours(value: float | None) -> str:
    """Support hours, e.g. '6.5 h' or '-1.5 h' (overdue)."""
    if value is None:
        return "—"
    number = format_decimal(round(value, 1), format="0.0", locale=str(get_locale() or "en"))
    return _("%(hours)s h", hours=number)


def _link(pairs: list[tuple[str, str]], **changes: str | None) -> str:
    """The queue's URL with some parameters replaced (None drops them)."""
    kept = [(k, v) for k, v in pairs if k not in changes]
    kept += [(k, v) for k, v in changes.items() if v]
    return url_for("staff.queue") + ("?" + urlencode(kept) if kept else "")


@bp.get("/")
@allowed("queue")
def queue():
    """The queue of the member's lines: filters, views, any sort, keyset pages, bulk actions."""
    s, moment, me = services(), now(), member()
    pairs = _pairs()
    filt, chosen = _filters(s.policy, pairs)
    sort, descending = _sort(pairs)
    lines = lines_of(me.role, s.policy.lines)
    size = int(current_app.config["STAFF_QUEUE_PAGE"])
    page = queue_page(
        s.db, s.policy, moment, filt, lines, me=me.name, sort=sort, descending=descending,
        after=request.args.get("after") or None, before=request.args.get("before") or None,
        size=size,
    )  # fmt: skip
    here = [(k, v) for k, v in pairs if v]
    workers = [u.name for u in list_users(s.db) if may(u.role, "queue")]
    return render_template(
        "staff/queue.html",
        page=page,
        rows=[(r, r.mark) for r in page.rows],
        chosen=chosen,
        sort=sort,
        descending=descending,
        here=here,
        link=lambda **kw: _link(here, **kw),
        query=clean_query(here, s.policy),
        views=shared_views(),
        lang=str(get_locale() or "en"),
        view=request.args.get("view", ""),
        saved=saved_filters(s.db, me.name),
        lines=lines,
        policy=s.policy,
        statuses=STATUSES,
        workers=workers,
        bulk=BulkForm(),
        save_form=SaveFilterForm(),
        post_form=PostForm(),
        now=moment,
    )


class SaveFilterForm(FlaskForm):
    """Save the queue's current filters under a name."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_LEN)])
    query = HiddenField(validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save these filters"))


def _back(query: str) -> Any:
    clean = clean_query(parse_query(query or ""), services().policy)
    return redirect(url_for("staff.queue") + ("?" + clean if clean else ""), code=303)


@bp.post("/bulk")
@allowed("queue")
def bulk():
    """Apply a bulk action to the selected tickets, each checked on its own; one summary."""
    form, me = BulkForm(), member()
    back = request.form.get("back", "")
    if not form.validate():
        flash(form_errors(form), "error")
        return _back(back)
    s = services()
    values = {k: getattr(form, k).data for k in ("assignee", "direction", "status", "reason")}
    try:
        result = run_bulk(
            s.db, s.policy, me.role, me.name, now(), form.action.data,
            request.form.getlist("ref"), values,
        )  # fmt: skip
    except BulkInvalid as exc:
        flash(str(exc), "error")
        return _back(back)
    flash(result.summary(), "error" if result.refused else "success")
    return _back(back)


@bp.post("/filters")
@allowed("queue")
def save_filters():
    """Save the current filters under a name (the same name saves over)."""
    form, me = SaveFilterForm(), member()
    if not form.validate():
        flash(form_errors(form), "error")
        return _back(form.query.data or "")
    query = clean_query(parse_query(form.query.data or ""), services().policy)
    try:
        saved = save_filter(services().db, me.name, form.name.data, query, now())
    except ValueError as exc:
        flash(str(exc), "error")
        return _back(query)
    flash(_("Filters saved as %(name)s.", name=saved.name), "success")
    return _back(query)


@bp.post("/filters/<int:filter_id>/delete")
@allowed("queue")
def delete_filters(filter_id: int):
    """Delete one of the member's own saved filters."""
    if not PostForm().validate():
        abort(400)
    if delete_filter(services().db, member().name, filter_id):
        flash(_("Saved filter deleted."), "success")
    else:
        flash(_("No such saved filter."), "error")
    return redirect(url_for("staff.queue"), code=303)


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
