"""The queue's views: the shared ones kept as data (``views.yml``) and a member's saved filters.

A view is a set of the queue's filters by their query-parameter names (``line``, ``class``,
``priority``, ``status``, ``assignee``, ``sla``), checked against the policy when loaded; a bad
file raises ViewsError naming the key, like the policy. Saved filters are a member's own query
strings under a name (table ``saved_filters``), listed, saved over and deleted by their owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import delete, select

from triage.desk import lifecycle
from triage.desk.db import Database
from triage.desk.queue import AT_RISK, ME, NOBODY, SORT_KEYS
from triage.desk.queue_models import SavedFilter
from triage.engine.policy import Policy

#: The filter names a view or a saved filter may set, and the page's own parameters.
FILTER_KEYS = ("line", "class", "priority", "status", "assignee", "sla")
PAGE_KEYS = ("sort", "dir")
NAME_LEN = 80


class ViewsError(Exception):
    """A views file that cannot be used; the message names the key and the problem."""

    def __init__(self, path: Path | str, key: str, message: str):
        super().__init__(f"{path}: {key}: {message}")
        self.path, self.key, self.message = str(path), key, message


@dataclass(frozen=True)
class QueueView:
    """A shared view: an id, its names by language, and its filters (key -> values)."""

    id: str
    names: dict[str, str]
    filters: dict[str, tuple[str, ...]]

    def name(self, lang: str = "en") -> str:
        """The view's name in a language, falling back to English."""
        return self.names.get(lang) or self.names.get("en") or self.id

    def query(self) -> list[tuple[str, str]]:
        """The view as the queue's query parameters."""
        return [(k, v) for k, values in self.filters.items() for v in values]


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: dict[str, str] = Field(min_length=1)
    filters: dict[str, str | list[str]] = {}


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    views: list[_View] = []


def allowed_values(policy: Policy) -> dict[str, tuple[str, ...] | None]:
    """The values each filter accepts (None: any member's name)."""
    return {
        "line": policy.lines,
        "class": (*policy.classes, policy.unknown_class.id),
        "priority": policy.priorities,
        "status": lifecycle.STATUSES,
        "assignee": None,
        "sla": (AT_RISK,),
    }


def check_filters(filters: dict[str, tuple[str, ...]], policy: Policy) -> list[tuple[str, str]]:
    """(key, problem) for every unknown filter or value."""
    known = allowed_values(policy)
    problems = []
    for key, values in filters.items():
        if key not in known:
            problems.append((key, f"unknown filter (one of {', '.join(FILTER_KEYS)})"))
            continue
        if key in ("assignee", "sla") and len(values) > 1:
            problems.append((key, "takes one value"))
        for v in values:
            ok = known[key]
            if ok is not None and v not in ok:
                problems.append((key, f"unknown value {v!r} (one of {', '.join(ok)})"))
            if ok is None and not v.strip():
                problems.append((key, f"must be {ME}, {NOBODY} or a member's name"))
    return problems


def load_views(path: Path | str, policy: Policy) -> tuple[QueueView, ...]:
    """The shared views of a file, validated against the policy (ViewsError when bad)."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ViewsError(path, "(file)", str(exc)) from None
    try:
        parsed = _File.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(x) for x in err["loc"]) or "(root)"
        raise ViewsError(path, key, err["msg"]) from None
    views, seen = [], set()
    for i, v in enumerate(parsed.views):
        if v.id in seen:
            raise ViewsError(path, f"views[{i}].id", f"duplicate view id {v.id!r}")
        seen.add(v.id)
        if "en" not in v.name:
            raise ViewsError(path, f"views[{i}].name", "needs an English name (en)")
        filters = {k: (x,) if isinstance(x, str) else tuple(x) for k, x in v.filters.items()}
        for key, problem in check_filters(filters, policy):
            raise ViewsError(path, f"views[{i}].filters.{key}", problem)
        views.append(QueueView(v.id, dict(v.name), filters))
    return tuple(views)


# --- a member's saved filters ---------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    """One saved filter of a member."""

    id: int
    name: str
    query: str


def clean_query(pairs: list[tuple[str, str]], policy: Policy) -> str:
    """The filters and sort of a page as a query string, unknown keys and values dropped."""
    known = allowed_values(policy)
    kept = []
    for k, v in pairs:
        v = v.strip()
        if not v:
            continue
        if k in known and (known[k] is None or v in known[k]):
            kept.append((k, v[:100]))
        elif (k == "sort" and v in SORT_KEYS) or (k == "dir" and v in ("asc", "desc")):
            kept.append((k, v))
    return urlencode(kept)


def saved_filters(db: Database, owner: str) -> list[Saved]:
    """A member's saved filters by name."""
    query = select(SavedFilter).where(SavedFilter.owner == owner).order_by(SavedFilter.name)
    with db.read() as s:
        return [Saved(f.id, f.name, f.query) for f in s.execute(query).scalars()]


def save_filter(db: Database, owner: str, name: str, query: str, now: datetime) -> Saved:
    """Save (or save over) a named filter of a member (ValueError for a bad name)."""
    name = " ".join(name.split())
    if not name:
        raise ValueError("a saved filter needs a name")
    if len(name) > NAME_LEN:
        raise ValueError(f"a saved filter's name has at most {NAME_LEN} characters")
    with db.write() as s:
        found = s.execute(
            select(SavedFilter).where(SavedFilter.owner == owner, SavedFilter.name == name)
        ).scalar_one_or_none()
        if found is None:
            found = SavedFilter(owner=owner, name=name, query=query, created_at=now)
            s.add(found)
        else:
            found.query = query
        s.flush()
        return Saved(found.id, found.name, found.query)


def delete_filter(db: Database, owner: str, filter_id: int) -> bool:
    """Delete a member's own saved filter; whether there was one."""
    with db.write() as s:
        gone = s.execute(
            delete(SavedFilter).where(SavedFilter.owner == owner, SavedFilter.id == filter_id)
        )
        return bool(gone.rowcount)


def parse_query(query: str) -> list[tuple[str, str]]:
    """A saved query string as pairs."""
    return parse_qsl(query, keep_blank_values=False)
