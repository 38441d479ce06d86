"""Drafting an article from a resolved ticket, or linking one, with the event on the ticket."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import write_article
from triage.desk import incidents, kbsignals, tickets
from triage.desk.intake import Classified, Intake, InvalidField, TicketNotFound
from triage.kb.articles import parse_article

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def resolved(db, policy, note="Freed the quota; the disk attaches again."):
    """A ticket opened, answered in public, resolved with a message: its ref."""
    intake = Intake(
        description="Zusätzliche Festplatte lässt sich nicht anhängen",
        contact="kai@example.com", module="Block Storage", version="5.1", lang="de",
    )  # fmt: skip
    ref = tickets.file_ticket(db, policy, intake, Classified("component", "medium", "L2"), T0).ref
    tickets.transition(db, policy, ref, "open", "eva", T0 + H)
    tickets.comment(db, policy, ref, "eva", T0 + H, "Bitte prüfen Sie das Kontingent.", True)
    tickets.comment(db, policy, ref, "eva", T0 + H, "internal: quota bug", False)
    tickets.transition(db, policy, ref, "resolve", "eva", T0 + 2 * H, message=note)
    return ref


def test_draft_from_resolved_ticket(db, policy, tmp_path):
    ref = resolved(db, policy)
    done = incidents.draft_from_ticket(
        db, policy, ref, tmp_path, "olga", T0 + 3 * H, date(2026, 11, 23)
    )
    art = parse_article(done.path.read_text(encoding="utf-8"), done.path)
    assert done.path.parent == tmp_path / "component" and done.path.name.endswith(".de.md")
    assert art.is_draft and art.incidents == (ref,) and art.owner == "olga"
    assert art.applies_to[0].module == "Block Storage" and art.applies_to[0].versions == "5.1"
    assert "> Bitte prüfen Sie das Kontingent." in art.body
    assert "> Freed the quota" in art.body and "quota bug" not in art.body  # no internal notes
    view = tickets.comment(db, policy, ref, "eva", T0 + 4 * H, "note", False)
    event = [e for e in view.events if e.kind == "kb_draft"][0]
    assert event.data == {"article": done.article, "path": f"component/{done.path.name}"}
    assert not event.public
    assert ref not in {q.ref for q in kbsignals.gap_questions(db)}  # no longer a gap


def test_link_existing_article(db, policy, tmp_path):
    ref = resolved(db, policy)
    assert ref in {q.ref for q in kbsignals.gap_questions(db)}
    write_article(tmp_path, "component", "attach-disk", lang="en", title="Attach a disk")
    write_article(tmp_path, "component", "attach-disk", lang="de", title="Festplatte anhängen")
    write_article(tmp_path, "component", "attach-disk", lang="ru", title="Подключить диск")
    view = incidents.link_existing(db, policy, ref, tmp_path, "attach-disk", "olga", T0 + 3 * H)
    assert view.events[-1].kind == "kb_link"
    assert view.events[-1].data == {  # the ticket's language, with what an email links
        "article": "attach-disk",
        "lang": "de",
        "title": "Festplatte anhängen",
        "url": "de/component/attach-disk/",
    }
    assert kbsignals.gap_questions(db) == []
    with pytest.raises(InvalidField):
        incidents.link_existing(db, policy, ref, tmp_path, "nope", "olga", T0 + 3 * H)


def test_only_resolved_tickets_and_known_refs(db, policy, tmp_path):
    intake = Intake(description="help", contact="a@b.c", module="m", version="1")
    ref = tickets.file_ticket(db, policy, intake, Classified("access", "medium", "L1"), T0).ref
    with pytest.raises(incidents.NotResolved):
        incidents.draft_from_ticket(db, policy, ref, tmp_path, "olga", T0, date(2026, 11, 23))
    with pytest.raises(TicketNotFound):
        incidents.draft_from_ticket(db, policy, "SUP-999999", tmp_path, "o", T0, date(2026, 11, 23))
    assert not list(tmp_path.rglob("*.md"))
