"""The SLA clock: support time counted over the policy's business calendar (pure functions).

Only support hours count (weekly opening hours in the desk's time zone, public holidays and
extra closed dates excluded), and time inside a pause (waiting for the customer or a third
party) does not count. The clock steps over whole opening intervals, one per open day.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import holidays

from triage.engine.policy import Calendar

MAX_DAYS = 3 * 366  # how far ahead a due time is searched before the calendar is called broken


@dataclass(frozen=True)
class Pause:
    """A span in which the clock stands still; ``end`` None means still paused."""

    start: datetime
    end: datetime | None = None


@dataclass(frozen=True)
class SlaState:
    """Where one SLA target stands at a moment."""

    target_hours: float
    elapsed_hours: float
    remaining_hours: float
    due: datetime
    used_share: float
    at_risk: bool
    breached: bool
    paused: bool
    met: bool | None  # None while the clock still runs


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment.isoformat()}")
    return moment.astimezone(UTC)


@lru_cache(maxsize=64)
def _holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


def is_closed(day: date, calendar: Calendar) -> bool:
    """Whether support is closed all day: no weekly hours, a public holiday or an extra date."""
    if day.weekday() not in calendar.hours or day in calendar.extra_closed:
        return True
    if calendar.holiday_country:
        return day in _holidays(calendar.holiday_country, calendar.holiday_subdivision, day.year)
    return False


#: Each calendar's support hours per day (UTC), kept with the calendar they were made from:
#: a queue page of year-old tickets walks the same days again and again.
_DAYS: dict[int, tuple[Calendar, dict[date, tuple[datetime, datetime] | None]]] = {}


def _day_hours(day: date, calendar: Calendar) -> tuple[datetime, datetime] | None:
    """A day's support hours as UTC instants, or None when support is closed that day."""
    kept = _DAYS.get(id(calendar))
    if kept is None or kept[0] is not calendar:
        if len(_DAYS) > 32:
            _DAYS.clear()
        kept = _DAYS[id(calendar)] = (calendar, {})
    days = kept[1]
    if day not in days:
        if is_closed(day, calendar):
            days[day] = None
        else:
            open_t, close_t = calendar.hours[day.weekday()]
            tz = calendar.tz
            a = datetime.combine(day, open_t, tz).astimezone(UTC)
            days[day] = (a, datetime.combine(day, close_t, tz).astimezone(UTC))
    return days[day]


def opening_intervals(start: datetime, calendar: Calendar) -> Iterator[tuple[datetime, datetime]]:
    """Support-hour intervals (UTC) from ``start`` on, the first one clipped to start."""
    start = _aware(start, "start")
    day = start.astimezone(calendar.tz).date()
    for _ in range(MAX_DAYS):
        hours = _day_hours(day, calendar)
        if hours is not None and hours[1] > start:
            yield max(hours[0], start), hours[1]
        day += timedelta(days=1)
    raise ValueError(f"no support hours within {MAX_DAYS} days of {start.isoformat()}")


def merge_pauses(pauses: Iterable[Pause], until: datetime | None = None) -> list[Pause]:
    """Sort and merge overlapping pauses; an open pause is closed at ``until`` when given."""
    spans = []
    for p in pauses:
        end = p.end if p.end is not None else until
        s, e = _aware(p.start, "pause start"), (_aware(end, "pause end") if end else None)
        if e is None or e > s:
            spans.append((s, e))
    spans.sort(key=lambda s: s[0])
    merged: list[list[datetime | None]] = []
    for s, e in spans:
        if merged and (merged[-1][1] is None or s <= merged[-1][1]):
            last_end = merged[-1][1]
            merged[-1][1] = None if last_end is None or e is None else max(last_end, e)
        else:
            merged.append([s, e])
    return [Pause(s, e) for s, e in merged]


def _running(
    start: datetime, calendar: Calendar, pauses: Sequence[Pause]
) -> Iterator[tuple[datetime, datetime]]:
    """Opening intervals from start with the (merged, closed) pauses cut out."""
    for a, b in opening_intervals(start, calendar):
        for p in pauses:
            if p.end is None:
                raise ValueError("an open pause has no end: close it before asking for a due time")
            if p.end <= a or p.start >= b:
                continue
            if p.start > a:
                yield a, p.start
            a = max(a, p.end)
            if a >= b:
                break
        if a < b:
            yield a, b


def business_seconds(
    start: datetime, end: datetime, calendar: Calendar, pauses: Iterable[Pause] = ()
) -> float:
    """Support time between two instants, in seconds, pauses excluded (0 if end <= start)."""
    start, end = _aware(start, "start"), _aware(end, "end")
    if end <= start:
        return 0.0
    merged = merge_pauses(pauses, until=end)
    if not merged:  # no pause: two look-ups in the running sums of support time per day
        before = _support_until(start, calendar)  # first: an earlier day re-anchors the sums
        return _support_until(end, calendar) - before
    return walked_seconds(start, end, calendar, merged)


#: Each calendar's running sum of support seconds at the start of each day from a first day.
_SUMS: dict[int, tuple[Calendar, date, list[float]]] = {}


def _before_day(day: date, calendar: Calendar) -> float:
    """Support seconds from the calendar's first summed day up to the start of ``day``."""
    kept = _SUMS.get(id(calendar))
    if kept is None or kept[0] is not calendar or day < kept[1]:
        first = day - timedelta(days=366)
        if kept is not None and kept[0] is calendar:
            first = min(first, kept[1])
        if len(_SUMS) > 32:
            _SUMS.clear()
        kept = _SUMS[id(calendar)] = (calendar, first, [0.0])
    _, first, sums = kept
    index = (day - first).days
    while len(sums) <= index:
        hours = _day_hours(first + timedelta(days=len(sums) - 1), calendar)
        sums.append(sums[-1] + ((hours[1] - hours[0]).total_seconds() if hours else 0.0))
    return sums[index]


def _support_until(moment: datetime, calendar: Calendar) -> float:
    """Support seconds from the calendar's first summed day up to ``moment``."""
    day = moment.astimezone(calendar.tz).date()
    total = _before_day(day, calendar)
    hours = _day_hours(day, calendar)
    if hours is not None and moment > hours[0]:
        total += (min(moment, hours[1]) - hours[0]).total_seconds()
    return total


def walked_seconds(
    start: datetime, end: datetime, calendar: Calendar, pauses: Sequence[Pause] = ()
) -> float:
    """Support seconds between two instants, walking the opening intervals with merged pauses."""
    total = 0.0
    for a, b in _running(start, calendar, pauses):
        if a >= end:
            break
        total += (min(b, end) - a).total_seconds()
    return total


def add_business(
    start: datetime, seconds: float, calendar: Calendar, pauses: Iterable[Pause] = ()
) -> datetime:
    """The instant at which ``seconds`` of support time have passed since ``start``."""
    start = _aware(start, "start")
    if seconds <= 0:
        return start
    left = seconds
    for a, b in _running(start, calendar, merge_pauses(pauses)):
        span = (b - a).total_seconds()
        if left <= span:
            return a + timedelta(seconds=left)
        left -= span
    raise AssertionError("unreachable: _running ends only by raising")


def due_at(
    reported: datetime, hours: float, calendar: Calendar, pauses: Iterable[Pause] = ()
) -> datetime:
    """Return the moment ``hours`` of business time after ``reported``, pauses excluded."""
    return add_business(reported, hours * 3600, calendar, pauses)


def sla_state(
    reported: datetime,
    target_hours: float,
    calendar: Calendar,
    now: datetime,
    pauses: Iterable[Pause] = (),
    at_risk_share: float = 0.8,
    stopped_at: datetime | None = None,
) -> SlaState:
    """Elapsed and remaining support time, due time and flags of one target at ``now``.

    ``stopped_at`` is when the target was reached (first reaction, resolution); the clock then
    stops there. An open pause is taken as lasting until the clock's end, and the due time is
    projected as if the clock resumed then.
    """
    end = _aware(stopped_at or now, "now")
    pauses = list(pauses)
    paused = stopped_at is None and any(
        _aware(p.start, "pause start") <= end
        and (p.end is None or _aware(p.end, "pause end") > end)
        for p in pauses
    )
    closed = merge_pauses(pauses, until=end)
    elapsed = business_seconds(reported, end, calendar, closed) / 3600
    due = due_at(reported, target_hours, calendar, closed)
    breached = elapsed > target_hours + 1e-9
    used = elapsed / target_hours if target_hours else 1.0
    return SlaState(
        target_hours=target_hours,
        elapsed_hours=round(elapsed, 6),
        remaining_hours=round(max(target_hours - elapsed, 0.0), 6),
        due=due,
        used_share=round(used, 6),
        at_risk=not breached and used >= at_risk_share,
        breached=breached,
        paused=paused,
        met=None if stopped_at is None else not breached,
    )
