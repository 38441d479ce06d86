"""The console's queue on both databases: every sort, keyset pages both ways, filters, views,
saved filters and the subject of every ticket (given, or the description's first line)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from triage.desk import tickets
from triage.desk.db import open_database, upgrade
from triage.desk.intake import Classified, Intake, subject_of
from triage.desk.queue import AT_RISK, ME, NOBODY, SORT_KEYS, QueueFilter, queue_page
from triage.desk.queue_views import (
    ViewsError,
    clean_query,
    delete_filter,
    load_views,
    save_filter,
    saved_filters,
)

MON_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin
ALL = ("L1", "L2", "L3", "L4")
CLASSES = ("access", "server", "outage", "consultation", "component")
PRIOS = ("low", "critical", "medium", "high")


def fill(db, policy, n: int = 14) -> list[str]:
    """n tickets of mixed class, priority, subject, requester, assignee and status."""
    refs = []
    for i in range(n):
        klass, prio = CLASSES[i % len(CLASSES)], PRIOS[(i * 3) % len(PRIOS)]
        intake = Intake(
            description=f"Problem number {i}\nmore lines",
            subject=f"subject {(i * 7) % n:02d}" if i % 3 else "",
            contact=f"user{(i * 5) % n:02d}@example.com",
            module="m",
            version="1",
        )
        decided = Classified(klass, prio, policy.request_class(klass).line)
        moment = MON_9 + timedelta(minutes=(i * 37) % n)  # arrival order differs from ids
        ref = tickets.file_ticket(db, policy, intake, decided, moment).ref
        if i % 4 == 1:
            tickets.assign(db, policy, ref, "bob", moment, "bob" if i % 8 == 1 else "ann")
        if i % 5 == 2:
            tickets.transition(db, policy, ref, "open", "bob", moment)
        refs.append(ref)
    return refs


def python_key(row, policy, key: str):
    """The order a column sorts by, computed here from the rows (not by the SQL)."""
    statuses = ("new", "open", "in_progress", "waiting_customer", "waiting_third_party")
    return {
        "ref": row.ref,
        "subject": row.subject,
        "requester": row.requester,
        "class": row.request_class,
        "priority": policy.priorities.index(row.priority),
        "line": row.line,
        "status": statuses.index(row.status),
        "assignee": row.assignee or "",
        "reported": row.reported_at,
        "sla": row.due_at,
    }[key]


def walk(db, policy, now, filt=None, size=4, **kw):
    """Every page from the first by ``after``; (refs, pages)."""
    pages, after = [], None
    while True:
        page = queue_page(db, policy, now, filt or QueueFilter(), ALL, after=after, size=size, **kw)
        pages.append(page)
        if page.after is None:
            return [r.ref for p in pages for r in p.rows], pages
        after = page.after


@pytest.mark.parametrize("descending", [False, True])
def test_every_column_sorts_and_pages_cover_all_once(db, policy, descending):
    refs = fill(db, policy)
    full = queue_page(db, policy, MON_9, QueueFilter(), ALL, size=100)
    assert full.total == len(refs) and {r.ref for r in full.rows} == set(refs)
    ids = {r: i for i, r in enumerate(refs)}  # ids follow filing order
    for key in SORT_KEYS:
        page = queue_page(db, policy, MON_9, QueueFilter(), ALL, sort=key, descending=descending)
        got = [r.ref for r in page.rows]
        want = sorted(
            page.rows, key=lambda r: (python_key(r, policy, key), ids[r.ref]), reverse=descending
        )
        assert got == [r.ref for r in want], key
        walked, pages = walk(db, policy, MON_9, sort=key, descending=descending)
        assert walked == got, key  # keyset pages: same order, each ticket once
        assert pages[0].before is None and all(p.before for p in pages[1:])
        back = queue_page(
            db, policy, MON_9, QueueFilter(), ALL, sort=key, descending=descending, size=4,
            before=pages[2].before,
        )  # fmt: skip
        assert [r.ref for r in back.rows] == [r.ref for r in pages[1].rows], key


def test_default_order_is_first_come_first_served(db, policy):
    fill(db, policy)
    rows = queue_page(db, policy, MON_9, QueueFilter(), ALL).rows
    assert [r.reported_at for r in rows] == sorted(r.reported_at for r in rows)


def test_filters_and_the_members_lines(db, policy):
    refs = fill(db, policy)
    rows = lambda f, lines=ALL, me="bob": queue_page(db, policy, MON_9, f, lines, me=me).rows  # noqa: E731
    assert {r.assignee for r in rows(QueueFilter(assignee=ME))} == {"bob"}
    assert {r.assignee for r in rows(QueueFilter(assignee=ME), me="ann")} == {"ann"}
    assert {r.assignee for r in rows(QueueFilter(assignee=NOBODY))} == {None}
    assert {r.request_class for r in rows(QueueFilter(classes=("outage",)))} == {"outage"}
    assert {r.priority for r in rows(QueueFilter(priorities=("low", "high")))} == {"low", "high"}
    assert {r.status for r in rows(QueueFilter(statuses=("open",)))} == {"open"}
    assert {r.line for r in rows(QueueFilter(), lines=("L1",))} == {"L1"}
    assert rows(QueueFilter(lines=("L3",)), lines=("L1",)) == ()  # asked, but not the member's
    tickets.transition(db, policy, refs[0], "open", "bob", MON_9)
    tickets.transition(db, policy, refs[0], "resolve", "bob", MON_9, reason="done")
    assert refs[0] not in {r.ref for r in rows(QueueFilter())}  # active statuses by default
    resolved = rows(QueueFilter(statuses=("resolved",)))
    assert [r.ref for r in resolved] == [refs[0]] and resolved[0].remaining_hours is None


@pytest.mark.parametrize("hours", [0, 6.5, 7.5, 30, 80, 200])
def test_at_risk_filter_matches_the_clocks_of_every_row(db, policy, hours):
    fill(db, policy)
    now = MON_9 + timedelta(hours=hours)
    everything = queue_page(db, policy, now, QueueFilter(), ALL, size=100).rows
    flagged = {r.ref for r in everything if r.mark in ("at-risk", "breached")}
    at_risk = queue_page(db, policy, now, QueueFilter(sla=AT_RISK), ALL, size=100)
    assert {r.ref for r in at_risk.rows} == flagged and at_risk.total == len(flagged)


def test_time_left_is_support_hours_and_negative_when_overdue(db, policy):
    decided = Classified("access", "critical", "L1")  # 8 support hours to react
    intake = Intake(description="d", contact="c@example.com", module="m", version="1", steps="s")
    tickets.file_ticket(db, policy, intake, decided, MON_9)
    row = lambda now: queue_page(db, policy, now, QueueFilter(), ALL).rows[0]  # noqa: E731
    assert (row(MON_9).remaining_hours, row(MON_9).mark, row(MON_9).target) == (8, "", "reaction")
    risky = row(MON_9 + timedelta(hours=6, minutes=30))
    assert (risky.remaining_hours, risky.mark) == (1.5, "at-risk")
    late = row(MON_9 + timedelta(days=1, hours=2))  # Tuesday 12:00 Berlin: 7 + 4 = 11 h used
    assert (late.remaining_hours, late.mark) == (-3, "breached")


def test_subject_given_or_the_first_line(db, policy):
    long = "x" * 300
    assert subject_of("  Printer   jam ", "d") == "Printer jam"
    assert subject_of("", "\n\n  First line here \nsecond") == "First line here"
    cut = subject_of(None, long)
    assert len(cut) == 120 and cut.endswith("…")
    decided = Classified("access", "low", "L1")
    given = Intake(
        description="body", subject="VPN down", contact="c@x.io", module="m", version="1"
    )
    plain = Intake(
        description="Cannot log in\nsince Monday", contact="c@x.io", module="m", version="1"
    )
    tickets.file_ticket(db, policy, given, decided, MON_9)
    tickets.file_ticket(db, policy, plain, decided, MON_9)
    rows = queue_page(db, policy, MON_9, QueueFilter(), ALL, sort="ref").rows
    assert [r.subject for r in rows] == ["VPN down", "Cannot log in"]


def test_migration_gives_older_tickets_a_subject(tmp_path, policy):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0006_channels_safety")  # a desk from before the subject column
    db = open_database(url)
    decided = Classified("access", "low", "L1")
    with db.write() as s:
        cols = "ref, token_hash, contact, channel, module, version, description, steps, lang, "
        cols += "predicted_class, predicted_priority, confidence, plan, line, status, "
        cols += (
            "reported_at, created_at, updated_at, reaction_due, resolution_due, due_at, sla_flag"
        )
        s.execute(
            text(
                f"INSERT INTO tickets ({cols}) VALUES ('SUP-000001', 'h', 'c', 'web', 'm', '1', "
                "'  The old first line  \nrest', '', 'en', :c, :p, 0.5, 'standard', 'L1', 'new', "
                ":t, :t, :t, :t, :t, :t, '')"
            ),
            {"c": decided.request_class, "p": decided.priority, "t": "2026-11-23 09:00:00"},
        )
    db.dispose()
    assert upgrade(url, "0008_queue") == "0008_queue"  # the migration that fills the subject
    upgrade(url)  # and whatever follows it
    db = open_database(url)
    rows = queue_page(db, policy, MON_9, QueueFilter(), ALL).rows
    assert [r.subject for r in rows] == ["The old first line"]
    db.dispose()


def test_shared_views_load_and_bad_files_name_the_key(tmp_path, policy):
    from tests.conftest import ROOT

    views = {v.id: v for v in load_views(ROOT / "views.yml", policy)}
    assert set(views) == {"mine", "unassigned", "at-risk", "third-party", "customer"}
    assert views["mine"].name("ru") == "Мои заявки" and views["mine"].query() == [("assignee", ME)]
    bad = {
        "views: [{id: x, name: {en: X}, filters: {status: [nope]}}]": "views[0].filters.status",
        "views: [{id: x, name: {en: X}, filters: {colour: red}}]": "views[0].filters.colour",
        "views: [{id: x, name: {ru: X}}]": "views[0].name",
        "views: [{id: x, name: {en: X}}, {id: x, name: {en: Y}}]": "views[1].id",
        "views: [{id: X!, name: {en: X}}]": "views.0.id",
        "views: [{id: x, name: {en: X}, extra: 1}]": "views.0.extra",
    }
    for body, key in bad.items():
        path = tmp_path / "views.yml"
        path.write_text(body, encoding="utf-8")
        with pytest.raises(ViewsError) as err:
            load_views(path, policy)
        assert err.value.key == key, body


def test_saved_filters_are_the_members_own(db, policy):
    query = clean_query(
        [("status", "open"), ("class", "bogus"), ("sort", "sla"), ("evil", "x"), ("dir", "up")],
        policy,
    )
    assert query == "status=open&sort=sla"
    first = save_filter(db, "ann", "  Open  ones ", query, MON_9)
    assert first.name == "Open ones"
    again = save_filter(db, "ann", "Open ones", "status=new", MON_9)
    assert again.id == first.id and saved_filters(db, "ann") == [again]  # saved over
    save_filter(db, "bob", "Open ones", query, MON_9)
    assert not delete_filter(db, "bob", first.id)  # not bob's
    assert delete_filter(db, "ann", first.id) and saved_filters(db, "ann") == []
    assert [f.name for f in saved_filters(db, "bob")] == ["Open ones"]
    with pytest.raises(ValueError):
        save_filter(db, "ann", "   ", query, MON_9)


def test_the_cli_refuses_a_bad_views_file_naming_the_key(tmp_path):
    import click

    from tests.conftest import ROOT
    from triage.cli import common

    bad = tmp_path / "views.yml"
    bad.write_text("views: [{id: x, name: {en: X}, filters: {line: L9}}]", encoding="utf-8")
    cfg = {"POLICY_FILE": str(ROOT / "policy.yml"), "VIEWS_FILE": str(bad)}
    with pytest.raises(
        click.ClickException, match=r"views\[0\]\.filters\.line: unknown value 'L9'"
    ):
        common.policy(cfg)
    cfg["VIEWS_FILE"] = str(ROOT / "views.yml")
    assert common.policy(cfg).lines == ("L1", "L2", "L3", "L4")
