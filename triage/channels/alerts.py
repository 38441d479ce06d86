"""Monitoring alarms: Prometheus Alertmanager's webhook (payload version 4) as tickets.

A firing alert opens a ticket (channel ``alert``) or, when a ticket it opened is still active,
adds an event to that one; class and priority come from its ``class`` and ``severity`` labels
through the policy's ``alerts:`` rules. A resolved alert adds an event. Each firing is an
episode keyed by (fingerprint, startsAt), so a replayed webhook changes nothing.

The same alert is the same fingerprint: while the ticket one of its firings opened is active,
every firing goes to that ticket (the fingerprint's row in ``alert_fingerprints`` is unique and
locked while filing, so firings arriving together open one ticket). Each alert's episode and
its ticket are written in one transaction: a webhook cut short by a crash is filed by the
Alertmanager's retry, each alert exactly once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from triage.desk import receipts, tickets
from triage.desk.db import Database
from triage.desk.intake import Classified, Intake
from triage.desk.unit import Joined, one_transaction
from triage.engine.policy import Policy

ACTOR = "alertmanager"
MAX_ALERTS = 500
STORM_CHUNK = 50  # alerts of a storm per transaction


class AlertPayloadError(ValueError):
    """A webhook body that is not an Alertmanager version 4 payload; names the field."""


@dataclass(frozen=True)
class Alert:
    """One alert of a webhook payload."""

    status: str  # firing or resolved
    fingerprint: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None
    source: str

    @property
    def name(self) -> str:
        """The alert's name (label ``alertname``)."""
        return self.labels.get("alertname", "alert")


@dataclass(frozen=True)
class Outcome:
    """What one alert did: opened, updated, resolved, replayed or ignored (and the ticket)."""

    fingerprint: str
    status: str
    action: str
    ref: str | None


GO_ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)  # Alertmanager's endsAt of an alert still firing


def _time(value: Any, field: str) -> datetime | None:
    """An RFC 3339 time (nanoseconds allowed) in UTC; None for an absent or empty value."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise AlertPayloadError(f"{field}: must be an RFC 3339 time string")
    text = re.sub(r"(\.\d{6})\d+", r"\1", value).replace("Z", "+00:00").replace("z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise AlertPayloadError(f"{field}: not an RFC 3339 time: {value!r}") from None
    if moment.tzinfo is None:
        raise AlertPayloadError(f"{field}: time without a time zone: {value!r}")
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-23:59 is past the year 9999 in UTC
        raise AlertPayloadError(f"{field}: outside the years 1-9999 in UTC: {value!r}") from None


def _string(raw: Mapping, name: str, where: str, limit: int) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise AlertPayloadError(f"{where}.{name}: must be a string")
    return value.strip()[:limit]


def _strings(value: Any, field: str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise AlertPayloadError(f"{field}: must be an object")
    wrong = next((k for k, v in value.items() if not isinstance(v, str)), None)
    if wrong is not None:
        raise AlertPayloadError(f"{field}.{wrong}: must be a string")
    return dict(value)


def _alert(raw: Any, i: int) -> Alert:
    where = f"alerts[{i}]"
    if not isinstance(raw, Mapping):
        raise AlertPayloadError(f"{where}: must be an object")
    status = raw.get("status")
    if status not in ("firing", "resolved"):
        raise AlertPayloadError(f"{where}.status: must be 'firing' or 'resolved'")
    labels = _strings(raw.get("labels") or {}, f"{where}.labels")
    starts = _time(raw.get("startsAt"), f"{where}.startsAt")
    if starts is None:
        raise AlertPayloadError(f"{where}.startsAt: required")
    ends = _time(raw.get("endsAt"), f"{where}.endsAt")
    fingerprint = _string(raw, "fingerprint", where, 128)
    if not fingerprint:  # older Alertmanagers: derive one from the label set
        fingerprint = hashlib.sha256(repr(sorted(labels.items())).encode()).hexdigest()[:16]
    return Alert(
        status,
        fingerprint,
        labels,
        _strings(raw.get("annotations") or {}, f"{where}.annotations"),
        starts,
        None if ends == GO_ZERO_TIME else ends,
        _string(raw, "generatorURL", where, 500),
    )


def parse_payload(data: Any) -> list[Alert]:
    """The alerts of a webhook body; AlertPayloadError naming the first bad field."""
    if not isinstance(data, Mapping):
        raise AlertPayloadError("body: must be a JSON object")
    if data.get("version", "4") != "4":
        raise AlertPayloadError('version: only Alertmanager webhook version "4" is understood')
    for name in ("status", "receiver", "groupKey"):  # informative only, but typed
        if not isinstance(data.get(name, ""), str):
            raise AlertPayloadError(f"{name}: must be a string")
    alerts = data.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        raise AlertPayloadError("alerts: must be a non-empty list")
    if len(alerts) > MAX_ALERTS:
        raise AlertPayloadError(f"alerts: at most {MAX_ALERTS} per request")
    return [_alert(a, i) for i, a in enumerate(alerts)]


def classify(alert: Alert, policy: Policy) -> Classified:
    """Class from the ``class`` label (the policy's default when unknown), priority by severity."""
    rules = policy.alerts
    klass = alert.labels.get("class", "")
    klass = klass if klass in policy.classes else rules.default_class
    priority = rules.priority_of(alert.labels.get("severity"))
    return Classified(klass, priority, policy.request_class(klass).line, 1.0)


def describe(alert: Alert) -> str:
    """The ticket description of an alert: summary, description, labels, start, source."""
    ann = alert.annotations
    head = f"[{alert.labels.get('severity', 'alert')}] {alert.name}"
    lines = [f"{head}: {ann['summary']}" if ann.get("summary") else head]
    if ann.get("description"):
        lines += ["", ann["description"]]
    labels = ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items()))
    lines += ["", f"Labels: {labels}", f"Firing since: {alert.starts_at.isoformat()}"]
    if alert.source:
        lines.append(f"Source: {alert.source}")
    return "\n".join(lines)[:20000]


def _intake(alert: Alert) -> Intake:
    module = alert.labels.get("service") or alert.labels.get("job") or alert.name
    return Intake(
        description=describe(alert),
        contact=alert.labels.get("contact", ACTOR)[:320],
        module=module[:200],
        version=alert.labels.get("version", "unknown")[:100],
        channel="alert",
        extra={"fingerprint": alert.fingerprint, "labels": alert.labels},
    )


def _fired(unit: Joined, policy: Policy, alert: Alert, now: datetime) -> Outcome:
    s, fp, starts = unit.session, alert.fingerprint, alert.starts_at
    episode = receipts.take_episode(s, fp, starts, alert.name, now, "firing")
    if episode is None:
        return _replayed(unit, alert)
    mark = receipts.lock_fingerprint(s, fp, now)  # one active ticket per fingerprint
    active = receipts.active_ticket(s, mark)
    if active:
        ticket_id, ref = active
        note = f"Alert {alert.name} fired again at {starts.isoformat()}.\n\n{describe(alert)}"
        tickets.comment(unit, policy, ref, ACTOR, now, note, public=False)
        action = "updated"
    else:
        ref = tickets.file_ticket(unit, policy, _intake(alert), classify(alert, policy), now).ref
        ticket_id, action = receipts.ticket_id_of(s, ref), "opened"
        mark.ticket_id, mark.updated_at = ticket_id, now
    episode.status, episode.ticket_id, episode.updated_at = "firing", ticket_id, now
    return Outcome(fp, alert.status, action, ref)


def _replayed(unit: Joined, alert: Alert) -> Outcome:
    known = receipts.episode(unit, alert.fingerprint, alert.starts_at)
    return Outcome(alert.fingerprint, alert.status, "replayed", known.ref if known else None)


def _resolved(unit: Joined, policy: Policy, alert: Alert, now: datetime) -> Outcome:
    s, fp, starts = unit.session, alert.fingerprint, alert.starts_at
    ended = alert.ends_at or now
    episode = s.execute(receipts.episode_query(fp, starts).with_for_update()).scalar()
    if episode is None:  # resolved without us having seen it fire: attach to an active ticket
        episode = receipts.take_episode(s, fp, starts, alert.name, now, "resolved")
        if episode is None:
            return _replayed(unit, alert)
        active = receipts.active_ticket(s, receipts.lock_fingerprint(s, fp, now))
        episode.ticket_id = active[0] if active else None
    elif episode.status == "resolved":
        return _replayed(unit, alert)
    episode.status, episode.updated_at, episode.ends_at = "resolved", now, ended
    s.flush()
    known = receipts.episode(unit, fp, starts)
    ref = known.ref if known else None
    if ref is None:
        return Outcome(fp, alert.status, "ignored", None)
    message = f"Alert {alert.name} resolved at {ended.isoformat()}."
    tickets.comment(unit, policy, ref, ACTOR, now, message, False)
    return Outcome(fp, alert.status, "resolved", ref)


def _storm(unit: Joined, policy: Policy, alerts: list[Alert], now: datetime) -> list[Outcome]:
    """Many firings of distinct alerts in one transaction, set-wise: the episodes taken, the
    fingerprints locked (in one order) and their tickets found in a few statements, the new
    tickets filed with one statement per table, then linked: the rows and locks ``_fired``
    makes per alert."""
    s = unit.session
    taken = receipts.take_episodes(s, [(a.fingerprint, a.starts_at, a.name) for a in alerts], now)
    new = [a for a in alerts if (a.fingerprint, a.starts_at) in taken]
    marks = receipts.lock_fingerprints(s, [a.fingerprint for a in new], now)
    active = receipts.active_refs(s, [t for t in marks.values() if t is not None])
    done: dict[str, Outcome] = {}
    drafts: list[tuple[Alert, Any]] = []
    links: list[tuple[str, datetime, int]] = []
    for a in new:
        ticket_id = marks.get(a.fingerprint)
        if ticket_id in active:
            ref = active[ticket_id]
            note = f"Alert {a.name} fired again at {a.starts_at.isoformat()}.\n\n{describe(a)}"
            tickets.comment(unit, policy, ref, ACTOR, now, note, public=False)
            done[a.fingerprint] = Outcome(a.fingerprint, a.status, "updated", ref)
            links.append((a.fingerprint, a.starts_at, ticket_id))
        else:
            drafts.append((a, tickets.prepare(policy, _intake(a), classify(a, policy), now)))
    filed = tickets.file_drafts(s, [d for _, d in drafts])
    opened = []
    for (a, d), f in zip(drafts, filed, strict=True):
        done[a.fingerprint] = Outcome(a.fingerprint, a.status, "opened", f.ref)
        links.append((a.fingerprint, a.starts_at, d.ticket_id))
        opened.append((a.fingerprint, d.ticket_id))
    receipts.link_storm(s, links, opened, now)
    s.expire_all()  # the ORM's view of episodes and fingerprints is stale after the bulk writes
    return [done.get(a.fingerprint) or _replayed(unit, a) for a in alerts]


def is_storm(alerts: list[Alert]) -> bool:
    """Firings only, each of its own alert (fingerprint): filed set-wise (one alert too: half
    the statements of ``_fired`` and no savepoints)."""
    fingerprints = {a.fingerprint for a in alerts}
    return len(fingerprints) == len(alerts) and all(a.status == "firing" for a in alerts)


def handle_payload(data: Any, db: Database, policy: Policy, now: datetime) -> list[Outcome]:
    """Apply a webhook body: every alert opened, updated, resolved, or recognised as a replay.

    A storm (``is_storm``) is one transaction per ``STORM_CHUNK`` alerts (500 alerts: 10
    commits, each holding the write lock a few milliseconds); otherwise each alert is one.
    Either way a crash leaves an alert wholly filed or not at all, and the sender's retry
    files what is missing, once.
    """
    alerts = parse_payload(data)
    if is_storm(alerts):
        outcomes = []
        for i in range(0, len(alerts), STORM_CHUNK):
            with one_transaction(db) as unit:
                outcomes += _storm(unit, policy, alerts[i : i + STORM_CHUNK], now)
        return outcomes
    handlers = {"firing": _fired, "resolved": _resolved}
    outcomes = []
    for a in alerts:  # each alert: its episode and its ticket in one transaction
        with one_transaction(db) as unit:
            outcomes.append(handlers[a.status](unit, policy, a, now))
    return outcomes
