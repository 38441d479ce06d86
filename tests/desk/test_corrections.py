"""Staff corrections read back from the ticket log as labelled rows (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from triage.desk import tickets
from triage.desk.corrections import corrections
from triage.desk.intake import Classified, Intake

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
M = timedelta(minutes=1)


def test_each_correction_is_a_row_with_the_labels_in_force(db, policy):
    intake = Intake(description="Portal is down for everyone", contact="a@b.c", module="Portal",
                    version="1", lang="de")  # fmt: skip
    ref = tickets.file_ticket(db, policy, intake, Classified("access", "medium", "L1"), T0).ref
    other = tickets.file_ticket(db, policy, intake, Classified("access", "low", "L1"), T0).ref
    tickets.correct_class(db, policy, ref, "eva", T0 + M, "component")
    tickets.correct_priority(db, policy, ref, "eva", T0 + 2 * M, "critical", "all users")
    tickets.correct_class(db, policy, ref, "bob", T0 + 3 * M, "outage")
    tickets.transition(db, policy, other, "open", "eva", T0 + M)  # not a correction
    rows = corrections(db)
    assert [(c.label, c.priority, c.ref, c.lang) for c in rows] == [
        ("component", "medium", ref, "de"),
        ("component", "critical", ref, "de"),
        ("outage", "critical", ref, "de"),
    ]
    assert rows[0].text == "Portal is down for everyone" and rows[-1].at == T0 + 3 * M
    assert [c.label for c in corrections(db, since=T0 + 2 * M)] == ["component", "outage"]
