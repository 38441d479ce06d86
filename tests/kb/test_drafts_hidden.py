"""A draft from an incident stays out of the site pages and of the suggestions until published."""

from __future__ import annotations

from datetime import date

from click.testing import CliRunner

from tests.conftest import write_article
from triage.cli import main
from triage.engine.search import SearchIndex
from triage.kb.articles import load_kb
from triage.kb.drafts import Incident, write_draft
from triage.kb.site import Section, site_pages

INC = Incident("SUP-7", "access", "en", "Identity", "4", "Zebra quokka sign-in loop on Safari")


def test_draft_not_on_the_site(tmp_path):
    root = tmp_path / "kb"
    write_article(root, "access", "reset-password")
    draft = write_draft(root, INC, "olga", date(2026, 11, 23))
    uris = {p.src_uri for p in site_pages(load_kb(root, include_drafts=True), [Section("access")])}
    assert any("reset-password" in u for u in uris)
    assert not any(draft.name.split(".")[0] in u for u in uris)


def test_draft_not_suggested_until_published(tmp_path):
    root = tmp_path / "kb"
    write_article(root, "access", "reset-password")
    draft = write_draft(root, INC, "olga", date(2026, 11, 23))
    env = {"TRIAGE_KB_DIR": str(root), "TRIAGE_INDEX_DIR": str(tmp_path / "index")}
    assert CliRunner().invoke(main, ["index", "--no-data"], env=env).exit_code == 0
    found = SearchIndex.open(tmp_path / "index").suggest("zebra quokka sign-in loop", "en")
    assert draft.name.split(".")[0] not in [s.id for s in found]
    text = draft.read_text(encoding="utf-8").replace("status: draft\n", "")
    text = text.replace("summary: ''", "summary: A sign-in loop on Safari and how to end it.")
    text = text.replace("questions:\n", "questions:\n- zebra loop\n- quokka loop\n")
    draft.write_text(text, encoding="utf-8")
    assert CliRunner().invoke(main, ["index", "--no-data"], env=env).exit_code == 0
    found = SearchIndex.open(tmp_path / "index").suggest("zebra quokka sign-in loop", "en")
    assert found and found[0].id == draft.name.split(".")[0]
