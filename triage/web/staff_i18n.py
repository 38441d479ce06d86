"""The staff console's language and its labels for the desk's codes (statuses, actions, ...).

A console page speaks, in order: the language asked for with ``?lang=`` (saved as the signed-in
member's own, and remembered in the session), the member's own language (``users.lang``, also
set with ``triage users lang``), the session's, the browser's Accept-Language, else English.
English shows the codes as they were (``in progress``, ``medium``, ``access``); the other
languages show their translations and the policy's class names.
"""

from __future__ import annotations

import logging
from datetime import datetime

from babel.dates import format_datetime
from flask import Flask, has_request_context, request, session
from flask_babel import get_locale, gettext, pgettext
from flask_login import current_user

from triage.web.services import services

log = logging.getLogger(__name__)


def _save(name: str, lang: str, langs: tuple[str, ...]) -> None:
    """Keep a member's choice; the page still shows it if the desk cannot be written."""
    from triage.desk.users import UserError, set_lang

    try:
        set_lang(services().db, name, lang, langs)
    except (UserError, OSError) as exc:
        log.warning("console language of %s not saved: %s", name, exc)


def console_locale(langs: tuple[str, ...]) -> str | None:
    """The language of a console page (None outside ``/staff``: the public pages decide)."""
    if not has_request_context() or not request.path.startswith("/staff"):
        return None
    asked = request.args.get("lang")
    member = current_user if current_user.is_authenticated else None
    own = getattr(member, "lang", None)
    if asked in langs:
        if session.get("lang") != asked:
            session["lang"] = asked
        if member is not None and own != asked:
            _save(member.name, asked, langs)
        return asked
    if own in langs:
        return own
    if session.get("lang") in langs:
        return session["lang"]
    return request.accept_languages.best_match(langs) or ("en" if "en" in langs else langs[0])


def _lang() -> str:
    return str(get_locale() or "en")


def status(code: str) -> str:
    """A ticket status as the console names it."""
    return {
        "new": gettext("new"),
        "open": gettext("open"),
        "in_progress": gettext("in progress"),
        "waiting_customer": gettext("waiting customer"),
        "waiting_third_party": gettext("waiting third party"),
        "resolved": gettext("resolved"),
        "closed": gettext("closed"),
        "deferred": gettext("deferred"),
        "declined": gettext("declined"),
    }.get(code, code.replace("_", " "))


def action(code: str) -> str:
    """A lifecycle action (the status form's choices)."""
    return {
        "open": pgettext("ticket action", "open"),
        "start": pgettext("ticket action", "start"),
        "resume": pgettext("ticket action", "resume"),
        "wait_customer": pgettext("ticket action", "wait customer"),
        "wait_third_party": pgettext("ticket action", "wait third party"),
        "resolve": pgettext("ticket action", "resolve"),
        "close": pgettext("ticket action", "close"),
        "reopen": pgettext("ticket action", "reopen"),
        "defer": pgettext("ticket action", "defer"),
        "decline": pgettext("ticket action", "decline"),
    }.get(code, code.replace("_", " "))


def priority(code: str) -> str:
    """A priority's short name."""
    return {
        "critical": gettext("critical"),
        "high": gettext("high"),
        "medium": gettext("medium"),
        "low": gettext("low"),
    }.get(code, code)


def reason_code(code: str) -> str:
    """A policy reason to defer or decline."""
    return {
        "cannot_reproduce": gettext("cannot reproduce"),
        "information_unavailable": gettext("information unavailable"),
        "out_of_scope": gettext("out of scope"),
        "unclear": gettext("unclear"),
        "version_unsupported": gettext("version unsupported"),
    }.get(code, code.replace("_", " "))


def state(code: str) -> str:
    """An SLA clock's target or state, or a queue row's mark (met, breached, at risk, ...)."""
    return {
        "met": gettext("met"),
        "missed": gettext("missed"),
        "paused": gettext("paused"),
        "breached": gettext("breached"),
        "at risk": gettext("at risk"),
        "at-risk": gettext("at risk"),
        "running": gettext("running"),
        "reaction": gettext("reaction"),
        "resolution": gettext("resolution"),
    }.get(code, code)


def event(kind: str) -> str:
    """An event kind of the ticket log (English shows the code)."""
    return {
        "created": gettext("created"),
        "triaged": gettext("triaged"),
        "status": gettext("status"),
        "priority": gettext("priority"),
        "class": gettext("class"),
        "comment": gettext("comment"),
        "assign": gettext("assign"),
        "escalate": gettext("escalate"),
        "de-escalate": gettext("de-escalate"),
        "kb_draft": gettext("kb_draft"),
        "kb_link": gettext("kb_link"),
        "sla": gettext("sla"),
    }.get(kind, kind)


def request_class(code: str) -> str:
    """A request class: its id in English, the policy's name in the other languages."""
    lang = _lang()
    if lang == "en":
        return code
    policy = services().policy
    if code == policy.unknown_class.id:
        return gettext("unclassified")
    known = policy.classes.get(code)
    return known.name(lang) if known else code


def desk_time(moment: datetime | None) -> str:
    """A moment in the desk's time zone in the page's language, e.g. 'Mon 23 Nov 2026 10:00'."""
    if moment is None:
        return ""
    tz = services().policy.calendar.tz
    return format_datetime(moment, "EEE dd MMM y HH:mm", tzinfo=tz, locale=_lang())


def init_app(app: Flask) -> None:
    """Give the console's templates the labels and the localised time filter."""
    app.jinja_env.globals.update(
        st_status=status,
        st_action=action,
        st_priority=priority,
        st_reason=reason_code,
        st_state=state,
        st_class=request_class,
        st_event=event,
    )
    app.jinja_env.filters["desk_time"] = desk_time
