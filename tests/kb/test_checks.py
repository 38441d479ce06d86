"""``triage kb check``: each kind of broken article is named with its file and line."""

from datetime import date
from pathlib import Path

from tests.conftest import ROOT, line_of, write_article
from triage.cli import main
from triage.kb.checks import check_kb, errors_only

CLASSES = {"access", "outage", "server"}
TODAY = date(2026, 11, 23)


def problems(root: Path):
    return [
        (Path(p.path).name, p.line, p.field, p.severity) for p in check_kb(root, CLASSES, TODAY)
    ]


def test_clean_kb_has_no_problems(kb_dir):
    assert problems(kb_dir) == []


def test_unknown_class(kb_dir):
    path = write_article(kb_dir, "billing", "invoice", **{"class": "billing"})
    assert ("invoice.en.md", line_of(path, "class:"), "class", "error") in problems(kb_dir)


def test_class_folder_mismatch(kb_dir):
    path = write_article(kb_dir, "server", "boot")
    path.rename(kb_dir / "access" / "boot.en.md")
    moved = kb_dir / "access" / "boot.en.md"
    assert ("boot.en.md", line_of(moved, "class:"), "class", "error") in problems(kb_dir)


def test_duplicate_id_in_one_language(kb_dir):
    write_article(kb_dir, "server", "copy", id="two-factor")
    found = [p for p in problems(kb_dir) if p[2] == "id"]
    assert found == [("copy.en.md", 2, "id", "error")] * 2  # file name differs from id, duplicate
    msgs = [
        p.message for p in check_kb(kb_dir, CLASSES, TODAY) if p.message.startswith("duplicate")
    ]
    assert len(msgs) == 1


def test_translation_with_other_class(kb_dir):
    path = write_article(kb_dir, "outage", "two-factor", lang="de", **{"class": "outage"})
    assert (path.name, line_of(path, "class:"), "class", "error") in problems(kb_dir)


def test_broken_internal_link_names_body_line(kb_dir):
    body = "# Title\n\nfirst line\nsee [this](../server/nowhere.md) and [ok](two-factor.md)\n"
    path = write_article(kb_dir, "access", "links", body=body)
    line = (
        path.read_text()
        .splitlines()
        .index("see [this](../server/nowhere.md) and [ok](two-factor.md)")
    )
    assert problems(kb_dir) == [("links.en.md", line + 1, "link", "error")]


def test_past_review_date_is_a_warning(kb_dir):
    write_article(kb_dir, "server", "old", review_by="2025-01-01")
    found = check_kb(kb_dir, CLASSES, TODAY)
    assert [(p.field, p.severity) for p in found] == [("review_by", "warning")]
    assert errors_only(found) == []


def test_schema_error_and_wrong_suffix(kb_dir):
    path = write_article(kb_dir, "server", "bad", questions=["only one"])
    line = line_of(path, "questions:")
    assert ("bad.en.md", line, "questions", "error") in problems(kb_dir)
    path.rename(path.with_name("bad.md"))
    assert ("bad.md", line, "questions", "error") in problems(kb_dir)
    ok = write_article(kb_dir, "server", "fine")
    ok.rename(ok.with_name("fine.md"))
    assert ("fine.md", 1, "file", "error") in problems(kb_dir)


def test_cli_exit_codes_and_format(kb_dir, monkeypatch, tmp_path):
    from click.testing import CliRunner

    monkeypatch.setenv("TRIAGE_POLICY_FILE", str(ROOT / "policy.yml"))
    runner = CliRunner()
    ok = runner.invoke(main, ["kb", "check", str(kb_dir)])
    assert ok.exit_code == 0, ok.output
    assert "0 errors" in ok.output
    path = write_article(kb_dir, "nowhere", "lost", **{"class": "nowhere"})
    bad = runner.invoke(main, ["kb", "check", str(kb_dir)])
    assert bad.exit_code == 1
    line = line_of(path, "class:")
    assert f"nowhere/lost.en.md:{line}: class: unknown request class 'nowhere'" in bad.output


def test_project_kb_passes_the_check(policy):
    found = errors_only(check_kb(ROOT / "kb", policy.classes, TODAY))
    assert found == [], "\n".join(p.format(ROOT) for p in found)
