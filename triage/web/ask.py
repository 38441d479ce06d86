"""Ask support (``/ask``): suggestions for a question, "solved" or a ticket; works without JS.

Without JavaScript every step is a plain form post: question -> suggestions rendered here ->
"Yes, this solved it" or "Contact support" -> ticket form -> the ticket's ref and tracking link.
``static/ask.js`` adds live suggestions (``/api/triage``) on the same page and commits the
question to its session through ``POST /ask/session``. Every step lands in the question session
(``triage.desk.questions``), from which deflection is measured.
"""

from __future__ import annotations

import logging
from typing import Any

import nh3
from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as cookie
from markupsafe import Markup

from triage.desk import questions, tickets
from triage.desk.intake import Classified, Intake, InvalidField
from triage.desk.validation import LIMITS, text_problem
from triage.web import i18n
from triage.web.api import limiter
from triage.web.api_fields import now
from triage.web.forms import AnswerForm, QuestionForm, TicketForm
from triage.web.services import services

log = logging.getLogger(__name__)
bp = Blueprint("ask", __name__)
DEFAULTS = {
    "RATELIMIT_ASK": "60 per minute",
    "RATELIMIT_ASK_TICKETS": "10 per minute; 100 per day",
    "ASK_SUGGESTIONS": 5,
}


@bp.errorhandler(404)
def not_found(_exc):
    """This site's own 404 page (a wrong token looks like an unknown ticket)."""
    return render_template("error.html", code=404), 404


def _limit(key: str):
    return limiter.limit(lambda: current_app.config[key])


def decide(question: str) -> Any | None:
    """The engine's decision on a question, or None when the engine cannot answer."""
    try:
        return services().engine.decide(question, lang=None)
    except Exception:  # the page still works (a ticket can be filed) without the engine
        log.exception("engine failed on an Ask support question")
        return None


def snippet(html: str) -> Markup:
    """A suggestion's snippet with only its <mark> tags kept."""
    return Markup(nh3.clean(html or "", tags={"mark"}, attributes={}))


def shown(decision: Any | None) -> list[dict[str, Any]]:
    """The decision's suggestions as the page shows them (snippets sanitised)."""
    if decision is None:
        return []
    limit = int(current_app.config["ASK_SUGGESTIONS"])
    return [
        {
            "id": s.id,
            "title": s.title,
            "lang": s.lang,
            "url": s.url,
            "snippet": snippet(s.snippet),
            "score": float(s.score),
        }
        for s in list(decision.suggestions)[:limit]
    ]


def _record(question: str, sid: str | None, came_from: str | None):
    """Decide, then start or update the question session; (decision, suggestions, session)."""
    decision = decide(question)
    items = shown(decision)
    policy = services().policy
    cls = decision.request_class if decision else policy.unknown_class.id
    conf = float(decision.confidence) if decision else 0.0
    lang = getattr(decision, "lang", None) if decision else None
    lang = lang if lang in policy.languages else i18n.lang()
    sugg = [{k: s[k] for k in ("id", "lang", "url", "title", "score")} for s in items]
    asked = questions.record_question(
        services().db, sid, question, lang, (cls, conf), sugg, now(), came_from
    )
    cookie["ask_sid"] = asked.key
    return decision, items, asked


def _choices(form: TicketForm) -> TicketForm:
    form.priority.choices = [(p, i18n.PRIORITY.get(p, p)) for p in services().policy.priorities]
    return form


def _ticket_form(question: str = "", priority: str | None = None, sid: str = "") -> TicketForm:
    policy = services().policy
    priority = priority if priority in policy.priorities else policy.unknown_class.default_priority
    form = TicketForm(formdata=None, description=question, sid=sid, lang=i18n.lang())
    form.priority.data = priority
    return _choices(form)


def _page(status: int = 200, **ctx: Any):
    ctx.setdefault("form", QuestionForm(formdata=None, lang=i18n.lang()))
    ctx.setdefault("ticket", _ticket_form())
    ctx.setdefault("answer", AnswerForm(formdata=None))
    return render_template("ask/ask.html", **ctx), status


@bp.get("/ask")
def ask_page():
    """The empty Ask support page (``?from=<article>`` names the page it was opened from)."""
    came = (request.args.get("from") or "")[:200]
    form = QuestionForm(formdata=None, came_from=came, lang=i18n.lang())
    return _page(form=form, came_from=came)


@bp.get("/ask/")
def ask_slash():
    """``/ask/`` (the static site's placeholder page) goes to the real page."""
    return redirect(url_for("ask.ask_page", **request.args.to_dict()))


@bp.post("/ask")
@_limit("RATELIMIT_ASK")
def ask_question():
    """A question posted without JavaScript: the suggestions, rendered here."""
    form = QuestionForm()
    if not form.validate():
        return _page(422, form=form)
    question = form.question.data.strip()
    decision, items, asked = _record(question, form.sid.data, form.came_from.data)
    form.sid.data = asked.key
    priority = decision.priority if decision else None
    return _page(
        form=form,
        asked=asked,
        suggestions=items,
        ticket=_ticket_form(question, priority, asked.key),
    )


@bp.post("/ask/session")
@_limit("RATELIMIT_ASK")
def commit_question():
    """For the script: record the question it shows suggestions for; returns the sid.

    JSON with the X-CSRFToken header, or a form (``navigator.sendBeacon`` when the page is left
    before the question was recorded, so that sessions without any action are counted too).
    """
    data = request.get_json(silent=True) or request.form.to_dict()
    if not isinstance(data, dict):
        return jsonify(error="body: must be a JSON object"), 400
    question = data.get("question")
    if not isinstance(question, str) or not question.strip() or len(question) > LIMITS["question"]:
        return jsonify(error=f"question: 1 to {LIMITS['question']} characters"), 422
    sid, came = data.get("sid"), data.get("from")
    texts = [v for v in (question, sid, came) if isinstance(v, str)]
    bad = next(filter(None, map(text_problem, texts)), None)
    if bad:  # a JSON body was checked at the edge; a beacon's form is checked here
        return jsonify(error=f"question: {bad}"), 422
    sid = sid if isinstance(sid, str) else None
    came = came[:200] if isinstance(came, str) else None
    decision, items, asked = _record(question.strip(), sid, came)
    ids = [s["id"] for s in items]
    return jsonify(sid=asked.key, suggested=ids, priority=getattr(decision, "priority", None))


@bp.route("/ask/open/<sid>/<article>", methods=["GET", "POST"])
@_limit("RATELIMIT_ASK")
def open_article(sid: str, article: str):
    """Note that a suggestion was opened; GET redirects to the article, POST (script) is 204.

    :raise 404: unknown session or an article that was not suggested in it.
    """
    try:
        sug = questions.record_open(services().db, sid, article, now())
    except (questions.UnknownSession, questions.NotSuggested):
        abort(404)
    if request.method == "POST":
        return "", 204
    return redirect(site_path(sug["url"]))


def site_path(url: str) -> str:
    """An article's URL (site-relative, ``ru/access/x/``) as a path on this host, never off it."""
    path = "/" + url.lstrip("/")
    return path if "://" not in url and "\\" not in url else "/"


@bp.post("/ask/answer")
@_limit("RATELIMIT_ASK")
def answer():
    """ "Yes, this solved it" marks the session solved; "No" is noted and shows the ticket form.

    :raise 404: unknown session or an article that was not suggested in it.
    """
    form = AnswerForm()
    if not form.validate():
        abort(400)
    db, sid, article = services().db, form.sid.data, form.article.data
    try:
        if form.answer.data == "yes":
            asked = questions.mark_solved(db, sid, article, now())
            title = next((s["title"] for s in asked.suggested if s["id"] == article), article)
            return render_template("ask/solved.html", asked=asked, title=title)
        asked = questions.get_session(db, sid)
        if asked is None:
            raise questions.UnknownSession(sid)
        sug = next((s for s in asked.suggested if s["id"] == article), None)
        if sug is None:
            raise questions.NotSuggested(article)
        lang = sug.get("lang") or asked.lang
        questions.add_feedback(db, article, lang, False, now(), "ask", sid)
    except (questions.UnknownSession, questions.NotSuggested):
        abort(404)
    return _contact(asked, not_helpful=True)


def _contact(asked: questions.Asked | None, **ctx: Any):
    question = asked.question if asked else ""
    sid = asked.key if asked else ""
    form = QuestionForm(formdata=None, question=question, sid=sid, lang=i18n.lang())
    return _page(
        form=form, asked=asked, ticket=_ticket_form(question, None, sid), contact=True, **ctx
    )


@bp.get("/ask/contact")
def contact():
    """The ticket form on its own (the "Contact support" link without JavaScript)."""
    sid = request.args.get("sid") or cookie.get("ask_sid")
    return _contact(questions.get_session(services().db, sid))


def _classify(text: str) -> tuple[Classified, str | None]:
    decision = decide(text)
    if decision is None:
        u = services().policy.unknown_class
        return Classified(u.id, u.default_priority, u.line), None
    return Classified.of(decision), getattr(decision, "lang", None)


def _intake(form: TicketForm) -> Intake:
    fields = ("subject", "module", "version", "contact")
    text = {k: (getattr(form, k).data or "").strip() for k in fields}
    return Intake(
        description=form.description.data.strip(),
        steps=(form.steps.data or "").strip(),
        lang=i18n.lang(),
        channel="web",
        customer_priority=form.priority.data,
        **text,
    )


@bp.post("/ask/ticket")
@_limit("RATELIMIT_ASK_TICKETS")
def file_ticket():
    """File the ticket from the form; show its ref, tracking link, class and reaction promise."""
    policy = services().policy
    form = _choices(TicketForm())
    if not form.validate():
        return _refused(form)
    intake = _intake(form)
    decided, _found = _classify(f"{intake.description}\n{intake.steps}".strip())
    try:
        filed = tickets.file_ticket(services().db, policy, intake, decided, now())
    except InvalidField as exc:
        form.description.errors = [f"{exc.field}: {exc.message}"]
        return _refused(form)
    questions.link_ticket(services().db, form.sid.data or cookie.get("ask_sid"), filed.ref, now())
    cookie.pop("ask_sid", None)
    return render_template(
        "ask/filed.html",
        filed=filed,
        predicted=decided.request_class,
        tracking=tracking_url(filed.ref, filed.token),
        promise=i18n.by_when(filed.reaction_due, now()),
    )


def _refused(ticket: TicketForm):
    """The ticket form again with its errors, and the question and its suggestions kept."""
    sid = ticket.sid.data or cookie.get("ask_sid")
    asked = questions.get_session(services().db, sid)
    question = asked.question if asked else (ticket.description.data or "").strip()
    key = asked.key if asked else ""
    form = QuestionForm(formdata=None, question=question, sid=key, lang=i18n.lang())
    items = shown(decide(question)) if question else []
    return _page(422, form=form, asked=asked, suggestions=items, ticket=ticket, contact=True)


def tracking_url(ref: str, token: str) -> str:
    """The customer's tracking link (config ``TRACKING_URL``: the status page by default)."""
    base = str(current_app.config["PUBLIC_URL"]).rstrip("/")
    return current_app.config["TRACKING_URL"].format(public_url=base, ref=ref, token=token)
