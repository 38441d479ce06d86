"""What each staff console form does to a ticket, through the desk's only writer.

Each handler takes the validated form, the ticket's staff view, the member's name and the
moment, and returns the message to flash. Illegal moves raise the desk's IllegalTransition or
InvalidField, which the view shows; nothing is changed then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from triage.desk import lifecycle, tickets
from triage.desk.intake import FIELDS
from triage.desk.intake import missing_fields as missing_intake
from triage.desk.views import TicketView
from triage.kb.articles import LANGS
from triage.web import staff_forms as forms
from triage.web import staff_i18n
from triage.web.services import services

#: The status form's actions in the order of a ticket's life (asking the customer has its own).
STATUS_ORDER = (
    "open", "start", "resume", "wait_third_party", "resolve", "close", "reopen", "defer", "decline",
)  # fmt: skip
#: Status actions whose reason the console asks for (defer and decline take a coded one).
REASON_REQUIRED = frozenset({"wait_third_party", "resolve", "close", "reopen", "defer", "decline"})

ANSWER_TEXT = {
    "en": "This article answers your request: {title}\n{url}\n"
    "If it does not solve the problem, reply here and we will continue.",
    "ru": "Ответ на ваш запрос — в этой статье: {title}\n{url}\n"
    "Если она не решает проблему, ответьте здесь, и мы продолжим.",
    "uk": "Відповідь на ваш запит — у цій статті: {title}\n{url}\n"
    "Якщо вона не розв'язує проблему, відповідайте тут, і ми продовжимо.",
    "de": "Dieser Artikel beantwortet Ihre Anfrage: {title}\n{url}\n"
    "Falls er das Problem nicht löst, antworten Sie hier, und wir machen weiter.",
}
ASK_MORE = {
    "en": "Please send us more details: ",
    "ru": "Пожалуйста, пришлите больше подробностей: ",
    "uk": "Будь ласка, надішліть більше подробиць: ",
    "de": "Bitte senden Sie uns weitere Angaben: ",
}


class Refused(ValueError):
    """A form that passed validation but asks for something the console will not do."""


@dataclass(frozen=True)
class Handler:
    """A console action: its form, the ticket action it is (``staff_roles``), what it does."""

    form: type[FlaskForm]
    action: str
    run: Callable[[FlaskForm, TicketView, str, datetime], str]


def missing_fields(view: TicketView) -> tuple[str, ...]:
    """The policy's required intake fields the ticket still lacks."""
    values = {k: getattr(view, k, "") for k in FIELDS}
    return missing_intake(values, services().policy, getattr(view, "channel", ""))


def ask_template(view: TicketView) -> str:
    """The information request prefilled for the ticket: what is missing, in its language."""
    missing = missing_fields(view)
    if missing:
        return lifecycle.intake_request(missing, view.lang)
    return ASK_MORE.get(view.lang, ASK_MORE["en"])


def article_link(url: str) -> str:
    """An absolute link to a help-site page from its site path."""
    base = str(current_app.config.get("PUBLIC_URL", "")).rstrip("/")
    return f"{base}/{url.lstrip('/')}"


def answered_with(form) -> dict[str, str]:
    """The article an answer sends: id, language, title and site path.

    A form from a page older than the id and language fields gets them from the site path
    (``[<lang>/]<class>/<id>/``, English without a prefix).
    """
    url = form.url.data.strip()
    parts = [p for p in url.split("/") if p]
    lang = form.lang.data or (parts[0] if len(parts) > 2 and parts[0] in LANGS else "en")
    article = form.article.data or (parts[-1] if parts else "")
    return {"id": article, "lang": lang, "title": form.title.data.strip(), "url": url}


def _db():
    s = services()
    return s.db, s.policy


def note(form, view: TicketView, actor: str, now: datetime) -> str:
    """An internal note."""
    tickets.comment(*_db(), view.ref, actor, now, form.message.data, public=False)
    return _("Note added.")


def reply(form, view: TicketView, actor: str, now: datetime) -> str:
    """A message the customer sees."""
    tickets.comment(*_db(), view.ref, actor, now, form.message.data, public=True)
    return _("Reply sent to the customer.")


def ask_info(form, view: TicketView, actor: str, now: datetime) -> str:
    """Ask the customer for information: waiting_customer, the SLA clock pauses."""
    message = form.message.data.strip()
    tickets.transition(
        *_db(),
        view.ref,
        "wait_customer",
        actor,
        now,
        reason="information requested",
        message=message,
    )
    return _("Information requested; the ticket waits for the customer and its SLA clock pauses.")


def answer(form, view: TicketView, actor: str, now: datetime) -> str:
    """Send an article's link as the answer and resolve, pending the customer's confirmation."""
    if view.status != "new" and "resolve" not in view.allowed_actions:
        raise lifecycle.IllegalTransition(
            view.status, "resolve", f"cannot answer a ticket that is {view.status}"
        )
    db, policy = _db()
    if view.status == "new":
        tickets.transition(db, policy, view.ref, "open", actor, now)
    used = answered_with(form)
    text = ANSWER_TEXT.get(view.lang, ANSWER_TEXT["en"])
    message = text.format(title=used["title"], url=article_link(used["url"]))
    reason = "answered from the knowledge base"
    extra = {"articles": [used]}  # what the resolution email and the KB signals read
    tickets.transition(
        db, policy, view.ref, "resolve", actor, now, reason=reason, message=message, extra=extra
    )
    return _("Answer sent; the ticket is resolved until the customer confirms or replies.")


def status(form, view: TicketView, actor: str, now: datetime) -> str:
    """A lifecycle action; defer and decline take a reason from the policy."""
    action = form.action.data
    reason = (form.reason.data or "").strip()
    name = staff_i18n.action(action)
    if action in lifecycle.CODED_REASON:
        reason = form.coded_reason.data or ""
        if reason not in services().policy.decline_reasons:
            raise Refused(_("%(action)s needs one of the policy reasons", action=name))
    elif action in REASON_REQUIRED and not reason:
        raise Refused(_("%(action)s needs a reason", action=name))
    new = tickets.transition(*_db(), view.ref, action, actor, now, reason=reason or None)
    return _("Status is now %(status)s.", status=staff_i18n.status(new.status))


def escalate(form, view: TicketView, actor: str, now: datetime) -> str:
    """One line up or down, with a reason."""
    steps = 1 if form.direction.data == "up" else -1
    new = tickets.escalate(*_db(), view.ref, actor, now, form.reason.data.strip(), steps=steps)
    return _("Moved from %(old)s to %(new)s.", old=view.line, new=new.line)


def correct_class(form, view: TicketView, actor: str, now: datetime) -> str:
    """Correct the class; the ticket follows the class to its line."""
    new = tickets.correct_class(*_db(), view.ref, actor, now, form.value.data, form.reason.data)
    cls = staff_i18n.request_class(new.request_class)
    return _("Class set to %(cls)s; the ticket is on %(line)s.", cls=cls, line=new.line)


def correct_priority(form, view: TicketView, actor: str, now: datetime) -> str:
    """Correct the priority; the customer is told the reason."""
    reason = form.reason.data.strip()
    new = tickets.correct_priority(*_db(), view.ref, actor, now, form.value.data, reason)
    prio = staff_i18n.priority(new.priority)
    return _("Priority set to %(priority)s; the customer sees the reason.", priority=prio)


def assign_me(form, view: TicketView, actor: str, now: datetime) -> str:
    """Take the ticket."""
    tickets.assign(*_db(), view.ref, actor, now, actor)
    return _("Assigned to %(name)s.", name=actor)


HANDLERS: dict[str, Handler] = {
    "note": Handler(forms.NoteForm, "note", note),
    "reply": Handler(forms.NoteForm, "reply", reply),
    "ask": Handler(forms.AskInfoForm, "ask", ask_info),
    "answer": Handler(forms.AnswerForm, "answer", answer),
    "status": Handler(forms.StatusForm, "transition", status),
    "escalate": Handler(forms.EscalateForm, "escalate", escalate),
    "class": Handler(forms.ClassForm, "class", correct_class),
    "priority": Handler(forms.PriorityForm, "priority", correct_priority),
    "assign": Handler(forms.PostForm, "assign", assign_me),
}
