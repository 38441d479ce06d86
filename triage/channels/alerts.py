"""Monitoring alarms: Prometheus Alertmanager's webhook (payload version 4) as tickets.

A firing alert opens a ticket (channel ``alert``) or, when a ticket it opened is still active,
adds an event to that one; class and priority come from its ``class`` and ``severity`` labels
through the policy's ``alerts:`` rules. A resolved alert adds an event. Each firing is an
episode keyed by (fingerprint, startsAt), so a replayed webhook changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from triage.desk import receipts, tickets
from triage.desk.db import Database
from triage.desk.intake import Classified, Intake
from triage.engine.policy import Policy

ACTOR = "alertmanager"
MAX_ALERTS = 500


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


def _time(value: Any, field: str) -> datetime | None:
    """An RFC 3339 time (nanoseconds allowed); None for Go's zero time or an empty value."""
    if value in (None, "") or str(value).startswith("0001-01-01"):
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", str(value)).replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise AlertPayloadError(f"{field}: not an RFC 3339 time: {value!r}") from None
    if moment.tzinfo is None:
        raise AlertPayloadError(f"{field}: time without a time zone: {value!r}")
    return moment.astimezone(UTC)


def _strings(value: Any, field: str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise AlertPayloadError(f"{field}: must be an object")
    return {str(k): str(v) for k, v in value.items()}


def _alert(raw: Any, i: int) -> Alert:
    where = f"alerts[{i}]"
    if not isinstance(raw, Mapping):
        raise AlertPayloadError(f"{where}: must be an object")
    status = raw.get("status")
    if status not in ("firing", "resolved"):
        raise AlertPayloadError(f"{where}.status: must be 'firing' or 'resolved'")
    labels = _strings(raw.get("labels", {}), f"{where}.labels")
    starts = _time(raw.get("startsAt"), f"{where}.startsAt")
    if starts is None:
        raise AlertPayloadError(f"{where}.startsAt: required")
    fingerprint = str(raw.get("fingerprint") or "").strip()[:128]
    if not fingerprint:  # older Alertmanagers: derive one from the label set
        fingerprint = hashlib.sha256(repr(sorted(labels.items())).encode()).hexdigest()[:16]
    return Alert(
        status,
        fingerprint,
        labels,
        _strings(raw.get("annotations", {}), f"{where}.annotations"),
        starts,
        _time(raw.get("endsAt"), f"{where}.endsAt"),
        str(raw.get("generatorURL") or "")[:500],
    )


def parse_payload(data: Any) -> list[Alert]:
    """The alerts of a webhook body; AlertPayloadError naming the first bad field."""
    if not isinstance(data, Mapping):
        raise AlertPayloadError("body: must be a JSON object")
    if str(data.get("version", "4")) != "4":
        raise AlertPayloadError("version: only Alertmanager webhook version 4 is understood")
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


class _Batch:
    """One webhook in one write transaction; new tickets are filed together.

    Alerts are applied in order; a firing that opens a ticket only prepares it, and the
    prepared tickets are inserted in one go (one statement per table) before anything needs
    them to exist (a later alert commenting on one) and at the end, with their episodes.
    A storm (all firing, each episode once) is claimed up front in two statements.
    """

    def __init__(self, s: Session, policy: Policy, now: datetime):
        self.s, self.policy, self.now = s, policy, now
        self.outcomes: list[Outcome | None] = []
        self.pending: list[tuple[int, Alert, Any]] = []  # (outcome index, alert, draft)
        self.claimed: set[tuple[str, datetime]] | None = None  # claims made up front
        self.known: dict[str, str] = {}  # fingerprint -> active ticket at the batch's start
        self.opened: dict[str, str] = {}  # fingerprint -> ticket this batch opened

    def claim_all(self, alerts: list[Alert]) -> None:
        """Claim every alert's episode and find the fingerprints' open tickets, at once."""
        firings = [(a.fingerprint, a.starts_at, a.name) for a in alerts]
        self.claimed = receipts.claim_episodes_in(self.s, firings, self.now)
        self.known = receipts.open_tickets_in(self.s, [a.fingerprint for a in alerts])

    def claim(self, alert: Alert) -> bool:
        key = (alert.fingerprint, alert.starts_at)
        if self.claimed is not None:
            return key in self.claimed
        return receipts.claim_episode_in(self.s, *key, alert.name, self.now)

    def flush(self) -> None:
        """File the prepared tickets and link their episodes."""
        if not self.pending:
            return
        filed = tickets.file_drafts(self.s, [d for _, _, d in self.pending])
        links = []
        for (i, a, _), f in zip(self.pending, filed, strict=True):
            self.outcomes[i] = Outcome(a.fingerprint, a.status, "opened", f.ref)
            self.opened[a.fingerprint] = f.ref
            links.append((a.fingerprint, a.starts_at, f.ref))
        receipts.set_episodes_in(self.s, links, self.now, "firing")
        self.pending = []

    def open_ref(self, fingerprint: str) -> str | None:
        if any(a.fingerprint == fingerprint for _, a, _ in self.pending):
            self.flush()  # the ticket this alert re-fires must exist first
        if self.claimed is None:
            return receipts.open_ticket_in(self.s, fingerprint)
        return self.opened.get(fingerprint) or self.known.get(fingerprint)

    def fired(self, alert: Alert) -> None:
        s, fp, starts, now = self.s, alert.fingerprint, alert.starts_at, self.now
        if not self.claim(alert):
            known = receipts.episode_in(s, fp, starts)
            self.outcomes.append(Outcome(fp, alert.status, "replayed", known and known.ref))
            return
        ref = self.open_ref(fp)
        if ref is None:
            draft = tickets.prepare(self.policy, _intake(alert), classify(alert, self.policy), now)
            self.pending.append((len(self.outcomes), alert, draft))
            self.outcomes.append(None)  # filled by flush
            return
        note = f"Alert {alert.name} fired again at {starts.isoformat()}.\n\n{describe(alert)}"
        tickets.comment_in(s, self.policy, ref, ACTOR, now, note, public=False)
        receipts.set_episode_in(s, fp, starts, now, "firing", ref)
        self.outcomes.append(Outcome(fp, alert.status, "updated", ref))

    def resolved(self, alert: Alert) -> None:
        self.flush()
        self.outcomes.append(self._resolved(alert))

    def _resolved(self, alert: Alert) -> Outcome:
        s, fp, starts, now = self.s, alert.fingerprint, alert.starts_at, self.now
        known = receipts.episode_in(s, fp, starts)
        if known is None:  # resolved without us having seen it fire: attach to an open ticket
            if not receipts.claim_episode_in(s, fp, starts, alert.name, now):
                return Outcome(fp, alert.status, "replayed", None)
            ref = receipts.open_ticket_in(s, fp)
        else:
            ref = known.ref
        if not receipts.set_episode_in(s, fp, starts, now, "resolved", ref, alert.ends_at or now):
            return Outcome(fp, alert.status, "replayed", ref)
        if ref is None:
            return Outcome(fp, alert.status, "ignored", None)
        note = f"Alert {alert.name} resolved at {(alert.ends_at or now).isoformat()}."
        tickets.comment_in(s, self.policy, ref, ACTOR, now, note, False)
        return Outcome(fp, alert.status, "resolved", ref)


def handle_payload(data: Any, db: Database, policy: Policy, now: datetime) -> list[Outcome]:
    """Apply a webhook body: every alert opened, updated, resolved, or recognised as a replay.

    The whole body is one write transaction: claims, tickets and episodes commit together (one
    commit for up to 500 alerts), and a failure or a crash leaves none of it, so the sender's
    retry applies it all.
    """
    alerts = parse_payload(data)
    with db.write() as s:
        batch = _Batch(s, policy, now)
        keys = {(a.fingerprint, a.starts_at) for a in alerts}
        if len(keys) == len(alerts) and all(a.status == "firing" for a in alerts):
            batch.claim_all(alerts)
        for a in alerts:
            batch.fired(a) if a.status == "firing" else batch.resolved(a)
        batch.flush()
    return [o for o in batch.outcomes if o is not None]
