"""Customer emails from templates: one YAML file per language in ``templates/`` (Jinja2, text).

``render(kind, lang, context, policy, public_url)`` fills in what the stored context lacks:
the tracking link (with the ticket's token: every mail carries it, see ``outbox``), names of
classes, priorities, fields and reasons in the ticket's language, and dates in the desk's time
zone. A missing template or variable is an error, never a blank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import yaml
from babel.dates import format_date, format_datetime

from triage.engine.policy import Policy

TEMPLATES = Path(__file__).resolve().parent / "templates"
_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)  # noqa: S701 - text


class TemplateError(LookupError):
    """No template for this kind of message in this language."""


@dataclass(frozen=True)
class Rendered:
    """A message ready to send: subject and plain-text body."""

    subject: str
    body: str


@lru_cache(maxsize=8)
def templates(lang: str) -> dict[str, Any]:
    """The templates of one language."""
    path = TEMPLATES / f"{lang}.yml"
    if not path.is_file():
        raise TemplateError(f"no email templates for language {lang!r}")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=128)
def _compiled(lang: str, kind: str, part: str) -> jinja2.Template:
    """A template part (subject, body, signature), compiled once."""
    tpl = templates(lang)[kind]
    return _ENV.from_string(tpl[part] if part else tpl)


def _when(iso: str | None, lang: str, policy: Policy, date_only: bool = False) -> str:
    if not iso:
        return ""
    moment = datetime.fromisoformat(iso)
    if date_only:
        return format_date(moment.astimezone(policy.calendar.tz).date(), "long", locale=lang)
    text = format_datetime(moment, "medium", tzinfo=policy.calendar.tz, locale=lang)
    return f"{text} ({policy.calendar.timezone})"


def _absolute(url: str, base: str) -> str:
    if not url or re.match(r"^https?://", url):
        return url or ""
    return f"{base}/{url.lstrip('/')}"


def _names(ctx: dict[str, Any], lang: str, policy: Policy) -> dict[str, Any]:
    words = templates(lang)["words"]
    prio, fields = words["priorities"], words["fields"]
    reason = ctx.get("reason") or ""
    out = {
        "priority_name": prio.get(ctx.get("priority", ""), ctx.get("priority", "")),
        "from_name": prio.get(ctx.get("from") or "", ctx.get("from") or ""),
        "to_name": prio.get(ctx.get("to") or "", ctx.get("to") or ""),
        "class_name": policy.request_class(ctx.get("request_class", "")).name(lang),
        "missing": [fields.get(m, m) for m in ctx.get("missing", [])],
        "reason_text": words["reasons"].get(reason, reason),
        "status_name": words["statuses"].get(ctx.get("status", ""), ctx.get("status", "")),
    }
    return out


def full_context(
    kind: str, lang: str, ctx: dict[str, Any], policy: Policy, public_url: str
) -> dict[str, Any]:
    """The stored context plus links, localised names, dates and the reaction time."""
    base, ref = public_url.rstrip("/"), ctx["ref"]
    out = {"reason": "", "message": "", "articles": [], **ctx, **_names(ctx, lang, policy)}
    # the status page answers only with its token: a link without it would be a 404
    out["link"] = f"{base}/t/{ref}?token={ctx['token']}" if ctx.get("token") else ""
    out["desk_name"], out["track_url"] = policy.desk_name, out["link"]
    out["articles"] = [
        {"title": a.get("title") or a.get("url", ""), "url": _absolute(a.get("url", ""), base)}
        for a in out["articles"]
    ]
    out["reaction_due"] = _when(ctx.get("reaction_due"), lang, policy)
    out["waiting_since"] = _when(ctx.get("waiting_since"), lang, policy, date_only=True)
    out["close_on"] = _when(ctx.get("close_on"), lang, policy, date_only=True)
    priority = ctx.get("to") if kind == "priority" else ctx.get("priority")
    if priority in policy.priorities:
        hours = policy.target(priority, ctx.get("plan")).reaction
        out["reaction_hours"] = f"{hours:g}"
    return out


def render(kind: str, lang: str, ctx: dict[str, Any], policy: Policy, public_url: str) -> Rendered:
    """Render one customer email in ``lang`` (TemplateError when there is no such template)."""
    all_templates = templates(lang)
    if kind not in all_templates or kind in ("words", "signature"):
        raise TemplateError(f"no {kind!r} email template for language {lang!r}")
    values = full_context(kind, lang, ctx, policy, public_url)
    subject = " ".join(_compiled(lang, kind, "subject").render(values).split())
    body = _compiled(lang, kind, "body").render(values).strip()
    signature = _compiled(lang, "signature", "").render(values).strip()
    body = re.sub(r"\n{3,}", "\n\n", f"{body}\n\n{signature}\n")
    return Rendered(subject, body)
