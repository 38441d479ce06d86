"""Drafts from incidents: the file written, never overwritten, and checked until completed."""

from __future__ import annotations

import re
from datetime import date

import pytest
from click.testing import CliRunner

from tests.conftest import write_article
from triage.cli import main
from triage.kb.articles import load_kb, parse_article
from triage.kb.drafts import DraftError, Incident, slugify, title_of, write_draft

TODAY = date(2026, 11, 23)
INC = Incident(
    ref="SUP-000042",
    request_class="component",
    lang="ru",
    module="Load Balancer",
    version="3.2",
    description="Балансировщик отдаёт 502 после смены сертификата\nс утра, все сайты",
    steps="1. заменить сертификат 2. открыть сайт",
    resolution="Перезапустили listener: старый сертификат оставался в кеше.",
)


def check(root, strict=True):
    """Run `triage kb check` on root; (exit code, output)."""
    args = ["kb", "check", str(root), "--today", TODAY.isoformat()] + (
        ["--strict"] if strict else []
    )
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


def test_slugs_and_titles():
    assert slugify("Балансировщик отдаёт 502") == "balansirovshchik-otdaet-502"
    assert slugify("Größe ändern: Über") == "groesse-aendern-ueber"
    assert slugify("Рахунок ґанок їжак") == "rahunok-ganok-yizhak"
    assert slugify("???") == "incident"
    assert len(slugify("word " * 40)) <= 60
    assert title_of("x") == "x (TODO title)"
    assert title_of("a " * 60).endswith("…") and len(title_of("a " * 60)) <= 81


def test_draft_front_matter_from_the_ticket(tmp_path):
    path = write_draft(tmp_path / "kb", INC, "olga", TODAY)
    assert (
        path == tmp_path / "kb/component/balansirovshchik-otdaet-502-posle-smeny-sertifikata.ru.md"
    )
    art = parse_article(path.read_text(encoding="utf-8"), path)
    assert art.is_draft and art.request_class == "component" and art.lang == "ru"
    assert art.title == "Балансировщик отдаёт 502 после смены сертификата"
    assert [(a.module, a.versions) for a in art.applies_to] == [("Load Balancer", "3.2")]
    assert art.questions == ("Балансировщик отдаёт 502 после смены сертификата с утра, все сайты",)
    assert art.incidents == ("SUP-000042",) and art.owner == "olga"
    assert art.updated == TODAY and art.review_by == date(2027, 5, 24)
    assert "## Решение" in art.body and "> Перезапустили listener" in art.body
    assert "TODO" in art.body and "> 1. заменить сертификат" in art.body


def test_never_overwrites_and_takes_a_free_slug(tmp_path):
    root = tmp_path / "kb"
    write_article(root, "server", "vm-down", lang="de")  # the id is taken in another class
    inc = Incident("SUP-1", "component", "en", "", "", "VM down")
    first = write_draft(root, inc, "olga", TODAY)
    second = write_draft(root, inc, "olga", TODAY)
    assert (first.name, second.name) == ("vm-down-2.en.md", "vm-down-3.en.md")
    assert (
        (root / "server/vm-down.de.md").read_text(encoding="utf-8").startswith("---\nid: vm-down")
    )


@pytest.mark.parametrize(
    "bad",
    [{"lang": "fr"}, {"request_class": "../x"}, {"description": "  "}],
)
def test_bad_incident_writes_nothing(tmp_path, bad):
    with pytest.raises(DraftError):
        write_draft(tmp_path / "kb", Incident(**{**INC.__dict__, **bad}), "olga", TODAY)
    assert not list(tmp_path.rglob("*.md"))


def complete(path):
    """What a writer does: summary, questions, body without TODO, draft status removed."""
    text = path.read_text(encoding="utf-8")
    text = text.replace("summary: ''", "summary: Что делать, если балансировщик отдаёт 502.")
    text = re.sub(
        r"questions:\n- (.*)\n",
        r"questions:\n- \1\n- 502 после замены сертификата\n- ошибка 502 на балансировщике\n",
        text,
    )
    head, body = text.split("\n---\n", 1)
    body = "\n".join(x for x in body.splitlines() if "TODO" not in x) + "\n"
    return head.replace("status: draft\n", "") + "\n---\n" + body


def test_draft_fails_strict_check_until_completed(tmp_path):
    root = tmp_path / "kb"
    write_article(root, "component", "lb-basics")
    path = write_draft(root, INC, "olga", TODAY)
    code, out = check(root)
    assert code == 1 and "draft still missing: summary, questions (at least 3), TODO" in out
    assert check(root, strict=False)[0] == 0  # a draft is a warning, not an error
    assert [a.id for a in load_kb(root)] == ["lb-basics"]  # drafts stay out of site and search
    path.write_text(complete(path), encoding="utf-8")
    code, out = check(root)
    assert code == 0, out
    assert {a.id for a in load_kb(root)} == {"lb-basics", path.name.split(".")[0]}


def test_half_completed_draft_still_fails(tmp_path):
    root = tmp_path / "kb"
    path = write_draft(root, INC, "olga", TODAY)
    text = complete(path).replace("summary: Что делать", "summary: ''\nx: Что делать")
    path.write_text(text.replace("x: Что делать, если балансировщик отдаёт 502.\n", ""))
    code, out = check(root)
    assert code == 1 and "summary" in out
