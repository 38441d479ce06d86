"""The pages' languages: flask-babel set-up, the locale choice, and dates in calendar terms.

The locale is ``?lang=`` (remembered in the session cookie), then the browser's
Accept-Language, then the policy's default language. UI strings live in
``triage/web/translations/<lang>/LC_MESSAGES/messages.po`` (compiled ``.mo`` committed beside).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from flask import Flask, request, session
from flask_babel import Babel, get_locale
from flask_babel import lazy_gettext as _l

from triage.web.services import services
from triage.web.staff_i18n import console_locale

LABELS = {"en": "English", "ru": "Русский", "uk": "Українська", "de": "Deutsch"}
STATUS = {
    "new": _l("New"),
    "open": _l("Open"),
    "in_progress": _l("In progress"),
    "waiting_customer": _l("Waiting for your reply"),
    "waiting_third_party": _l("Waiting for a third party"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
    "deferred": _l("Deferred"),
    "declined": _l("Declined"),
}
REPLY_REFUSED = _l("This ticket is closed: ask a new question to reach support again.")
PRIORITY = {
    "critical": _l("Critical: the product as a whole is broken"),
    "high": _l("High: blocks my task, no workaround"),
    "medium": _l("Medium: a workaround exists"),
    "low": _l("Low: a secondary function is affected"),
}


def languages() -> tuple[str, ...]:
    """The languages the desk speaks (policy order)."""
    return tuple(services().policy.languages)


def select_locale() -> str:
    """``?lang=`` (remembered), then the remembered choice, then Accept-Language, then default."""
    langs = languages()
    console = console_locale(langs)  # the staff console's own order (a member's language)
    if console:
        return console
    asked = request.args.get("lang") or request.form.get("lang")
    if asked in langs:
        if session.get("lang") != asked:
            session["lang"] = asked
        return asked
    if session.get("lang") in langs:
        return session["lang"]
    return request.accept_languages.best_match(langs) or services().policy.default_language


def lang() -> str:
    """The language of the current request's page."""
    return str(get_locale() or "en")


def by_when(due: datetime, now: datetime, locale: str | None = None) -> str:
    """A due time in calendar terms in the desk's time zone: 'Tuesday 10:00' within a week."""
    tz = ZoneInfo(services().policy.calendar.timezone)
    locale = locale or lang()
    clock = format_datetime(due, "HH:mm", tzinfo=tz, locale=locale)
    if due - now < timedelta(days=6):
        return f"{format_datetime(due, 'EEEE', tzinfo=tz, locale=locale)} {clock}"
    return f"{format_date(due.astimezone(tz), format='full', locale=locale)}, {clock}"


def local_time(moment: datetime | None, locale: str | None = None) -> str:
    """A moment as a short date and time in the desk's time zone ('' for None)."""
    if moment is None:
        return ""
    tz = ZoneInfo(services().policy.calendar.timezone)
    return format_datetime(moment, "d MMM y, HH:mm", tzinfo=tz, locale=locale or lang())


def class_name(class_id: str, locale: str | None = None) -> str:
    """A request class's name in the page's language (the policy holds the names)."""
    policy = services().policy
    if class_id not in policy.classes:
        return str(_l("Not classified yet: support will sort it"))
    return policy.classes[class_id].name(locale or lang())


def init_app(app: Flask) -> None:
    """Install flask-babel and the template helpers."""
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        page_lang=lang,
        lang_labels=LABELS,
        desk_languages=languages,
        status_label=lambda s: STATUS.get(s, s),
        priority_label=lambda p: PRIORITY.get(p, p),
        class_name=class_name,
        local_time=local_time,
        desk_timezone=lambda: services().policy.calendar.timezone,
    )
