"""The SLA clock over the project's calendar (Mon-Fri 08:00-17:00 Europe/Berlin, DE holidays)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from triage.desk.sla import Pause, business_seconds, due_at, is_closed, sla_state

BERLIN = ZoneInfo("Europe/Berlin")


def t(text: str) -> datetime:
    """A local Berlin time from 'YYYY-MM-DD HH:MM'."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BERLIN)


@pytest.mark.parametrize(
    "reported, hours, due",
    [
        ("2026-11-23 09:00", 8, "2026-11-23 17:00"),  # inside hours, ends at closing
        ("2026-11-23 08:00", 9, "2026-11-23 17:00"),  # a whole day ends at 17:00, not next 08:00
        ("2026-11-23 17:00", 1, "2026-11-24 09:00"),  # reported at closing time
        ("2026-11-27 16:00", 8, "2026-11-30 15:00"),  # Friday afternoon over the weekend
        ("2026-11-24 22:00", 8, "2026-11-25 16:00"),  # reported at night
        ("2026-11-25 06:30", 2, "2026-11-25 10:00"),  # before opening
        ("2026-11-28 12:00", 2, "2026-11-30 10:00"),  # Saturday
        ("2026-11-29 23:59", 16, "2026-12-01 15:00"),  # Sunday night, two days
        ("2026-11-23 08:00", 96, "2026-12-07 14:00"),  # medium: ten whole days and 6 h
        ("2026-12-23 16:00", 8, "2026-12-24 15:00"),  # 24 Dec is a working day in DE
        ("2026-12-23 16:00", 16, "2026-12-28 14:00"),  # over Christmas Day and a weekend
        ("2026-04-02 10:00", 16, "2026-04-07 17:00"),  # Good Friday and Easter Monday
        ("2026-05-01 10:00", 2, "2026-05-04 10:00"),  # reported on a public holiday
        ("2026-03-27 16:00", 8, "2026-03-30 15:00"),  # DST starts on the weekend (CET -> CEST)
        ("2026-10-23 16:00", 8, "2026-10-26 15:00"),  # DST ends on the weekend (CEST -> CET)
        ("2026-11-23 10:00", 0, "2026-11-23 10:00"),  # no time at all
    ],
)
def test_due_at(policy, reported, hours, due):
    assert due_at(t(reported), hours, policy.calendar) == t(due)


def test_dst_due_times_in_utc(policy):
    assert due_at(t("2026-03-27 16:00"), 8, policy.calendar) == datetime(
        2026, 3, 30, 13, tzinfo=UTC
    )
    assert due_at(t("2026-10-23 16:00"), 8, policy.calendar) == datetime(
        2026, 10, 26, 14, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "reported, hours, pauses, due",
    [
        # paused over a night: Mon 9-11 counts 2 h, resumes Tue 10:00, 6 h more
        ("2026-11-23 09:00", 8, [("2026-11-23 11:00", "2026-11-24 10:00")], "2026-11-24 16:00"),
        # paused over a weekend: Fri 9-12 (3 h), Mon 12-17 (5 h), Tue 8 h
        ("2026-11-27 09:00", 16, [("2026-11-27 12:00", "2026-11-30 12:00")], "2026-12-01 16:00"),
        # overlapping pauses are merged, pauses outside hours change nothing
        (
            "2026-11-23 09:00",
            8,
            [
                ("2026-11-23 10:00", "2026-11-23 12:00"),
                ("2026-11-23 11:00", "2026-11-23 13:00"),
                ("2026-11-23 20:00", "2026-11-24 07:00"),
            ],
            "2026-11-24 11:00",
        ),
        # a pause that starts before the report
        ("2026-11-23 09:00", 1, [("2026-11-23 08:00", "2026-11-23 09:30")], "2026-11-23 10:30"),
    ],
)
def test_due_with_pauses(policy, reported, hours, pauses, due):
    ps = [Pause(t(a), t(b)) for a, b in pauses]
    assert due_at(t(reported), hours, policy.calendar, ps) == t(due)


@pytest.mark.parametrize(
    "start, end, hours",
    [
        ("2026-11-27 16:00", "2026-11-30 10:00", 3),
        ("2026-11-28 10:00", "2026-11-29 18:00", 0),
        ("2026-11-23 12:00", "2026-11-23 11:00", 0),
        ("2026-11-23 00:00", "2026-11-30 00:00", 45),
        ("2026-12-21 00:00", "2026-12-28 00:00", 36),  # Christmas Day on Friday
    ],
)
def test_business_seconds(policy, start, end, hours):
    assert business_seconds(t(start), t(end), policy.calendar) == hours * 3600


def test_closed_days(policy):
    assert is_closed(t("2026-10-03 10:00").date(), policy.calendar)  # German Unity Day
    assert is_closed(t("2026-11-28 10:00").date(), policy.calendar)  # Saturday
    assert not is_closed(t("2026-11-27 10:00").date(), policy.calendar)


@pytest.mark.parametrize(
    "now, target, elapsed, at_risk, breached",
    [
        ("2026-11-23 10:00", 16, 1, False, False),
        ("2026-11-24 10:00", 16, 10, False, False),  # low -> high at Tue 10:00: 10 of 16 h
        ("2026-11-24 15:00", 16, 15, True, False),  # 94% used: at risk
        ("2026-11-24 10:00", 8, 10, False, True),  # low -> critical: already breached
        ("2026-11-28 10:00", 50, 44, True, False),  # weekend: nothing elapses after Friday
    ],
)
def test_state_and_priority_change(policy, now, target, elapsed, at_risk, breached):
    st = sla_state(t("2026-11-23 09:00"), target, policy.calendar, t(now))
    assert (st.elapsed_hours, st.at_risk, st.breached) == (elapsed, at_risk, breached)
    assert st.remaining_hours == max(target - elapsed, 0)
    assert st.met is None and not st.paused


def test_state_paused_and_stopped(policy):
    cal, rep = policy.calendar, t("2026-11-23 09:00")
    open_pause = [Pause(t("2026-11-23 11:00"))]
    st = sla_state(rep, 8, cal, t("2026-11-24 12:00"), open_pause)
    assert st.paused and st.elapsed_hours == 2 and st.due == t("2026-11-25 09:00")
    resumed = [Pause(t("2026-11-23 11:00"), t("2026-11-24 12:00"))]
    st = sla_state(rep, 8, cal, t("2026-11-24 13:00"), resumed)
    assert not st.paused and st.elapsed_hours == 3 and st.due == t("2026-11-25 09:00")
    met = sla_state(rep, 8, cal, t("2026-12-01 09:00"), stopped_at=t("2026-11-23 16:00"))
    assert met.met is True and met.elapsed_hours == 7 and not met.breached
    late = sla_state(rep, 8, cal, t("2026-12-01 09:00"), stopped_at=t("2026-11-24 09:30"))
    assert late.met is False and late.breached and late.elapsed_hours == 9.5


def test_naive_datetimes_are_refused(policy):
    with pytest.raises(ValueError, match="timezone-aware"):
        due_at(datetime(2026, 11, 23, 9), 8, policy.calendar)


def test_sla_due_command():
    from click.testing import CliRunner

    from triage.cli import main

    out = CliRunner().invoke(
        main, ["sla", "due", "--reported", "2026-11-27T16:00", "--priority", "critical"]
    )
    assert out.exit_code == 0, out.output
    assert "reaction:   Mon 2026-11-30 15:00 CET  (8 support hours)" in out.output
    bad = CliRunner().invoke(main, ["sla", "due", "--reported", "soon", "--priority", "low"])
    assert bad.exit_code == 2 and "ISO 8601" in bad.output


def test_running_sums_agree_with_walking_the_intervals(policy):
    """The no-pause fast path of business_seconds gives what the day-by-day walk gives."""
    import random

    from triage.desk.sla import walked_seconds

    rnd = random.Random(7)
    base = datetime(2025, 12, 20, 6, 0, tzinfo=UTC)  # across Christmas and New Year holidays
    for _ in range(300):
        a = base + timedelta(minutes=rnd.randrange(0, 60 * 24 * 400))
        b = a + timedelta(minutes=rnd.randrange(0, 60 * 24 * 500))
        assert business_seconds(a, b, policy.calendar) == walked_seconds(a, b, policy.calendar)
    early = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)  # before the days summed so far
    assert business_seconds(early, base, policy.calendar) == walked_seconds(
        early, base, policy.calendar
    )
