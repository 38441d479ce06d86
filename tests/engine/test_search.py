"""Article suggestions: language-aware matching, translations, class boost, atomic rebuilds."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import write_article
from triage.cli import main
from triage.engine import indexdir
from triage.engine.search import IndexMissing, SearchIndex, build_index
from triage.engine.textnorm import fold, snippet, stem_uk
from triage.kb.articles import load_kb


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """Articles in four languages; reset-password exists in English and Russian."""
    root = tmp_path / "kb"
    write_article(
        root,
        "access",
        "reset-password",
        title="Reset a forgotten password",
        body="# Reset\n\nChoose **Forgot password**. Error `x < 3 && y > 2` token.\n",
        questions=["I forgot my password", "reset link expired", "cannot sign in"],
    )
    write_article(
        root,
        "access",
        "reset-password",
        lang="ru",
        title="Как восстановить доступ",
        body="# Доступ\n\nЧтобы сбросить пароль, откройте страницу входа.\n",
        questions=["не могу войти", "ссылка устарела", "доступ к консоли"],
    )
    write_article(
        root,
        "server",
        "disk-full",
        lang="de",
        title="Speicherplatz erschöpft",
        body="# Speicher\n\nWenn die Festplatte voll ist, löschen Sie alte Protokolle.\n",
        questions=["kein Speicher mehr", "Protokolle löschen", "Speicher erweitern"],
    )
    write_article(
        root,
        "access",
        "account-locked",
        lang="uk",
        title="Обліковий запис заблоковано",
        body="# Блокування\n\nПісля п'яти невдалих спроб обліковий запис блокується.\n",
        questions=["не можу увійти", "забагато спроб", "розблокувати"],
    )
    write_article(
        root,
        "server",
        "disk-slow",
        title="Disk is slow",
        body="# Slow disk\n\nThe disk latency of a volume is high: check IOPS limits.\n",
        questions=["disk latency high", "volume slow", "iops limit"],
    )
    write_article(
        root,
        "consultation",
        "add-disk",
        title="Add a disk",
        body="# Add a disk\n\nAttach a new volume to a VM; the disk latency depends on its type.\n",
        questions=["attach a volume", "more storage", "new disk"],
    )
    return root


@pytest.fixture
def index(kb: Path, tmp_path: Path) -> SearchIndex:
    """A built index over the kb fixture."""
    build_index(load_kb(kb), tmp_path / "index")
    return SearchIndex.open(tmp_path / "index")


def ids(suggestions) -> list[str]:
    """The article ids of suggestions, in order."""
    return [s.id for s in suggestions]


def test_russian_inflected_forms_find_their_article(index: SearchIndex) -> None:
    found = index.suggest("сбросил пароля", lang="ru")
    assert ids(found)[:1] == ["reset-password"]
    assert found[0].lang == "ru" and found[0].url == "ru/access/reset-password/"


def test_german_plural_finds_singular(index: SearchIndex) -> None:
    assert ids(index.suggest("Festplatten", lang="de")) == ["disk-full"]
    assert ids(index.suggest("Protokoll gelöscht", lang="de"))[:1] == ["disk-full"]


def test_ukrainian_is_folded_and_stemmed(index: SearchIndex) -> None:
    assert ids(index.suggest("ОБЛІКОВОГО ЗА́ПИСУ", lang="uk"))[:1] == ["account-locked"]


def test_english_is_stemmed(index: SearchIndex) -> None:
    assert ids(index.suggest("resetting passwords", lang="en"))[:1] == ["reset-password"]


def test_translations_collapse_into_one_suggestion(index: SearchIndex) -> None:
    query = "reset password сбросить пароль"
    for lang, shown in (("ru", "ru"), ("en", "en"), ("uk", "en")):  # no uk: English
        found = index.suggest(query, lang=lang)
        assert ids(found).count("reset-password") == 1
        top = found[0]
        assert top.id == "reset-password"
        assert top.lang == shown
        assert {top.lang, *top.translations} == {"en", "ru"}


def test_class_boost_reorders_but_never_filters(index: SearchIndex) -> None:
    plain = ids(index.suggest("disk latency", lang="en"))
    assert plain[:2] == ["disk-slow", "add-disk"]
    boosted = ids(index.suggest("disk latency", lang="en", boost_class="consultation"))
    assert boosted[:2] == ["add-disk", "disk-slow"]
    other = ids(index.suggest("disk latency", lang="en", boost_class="outage"))
    assert other[:2] == plain[:2]


def test_suggestion_fields_and_snippet_are_safe(index: SearchIndex) -> None:
    top = index.suggest("forgot password token", lang="en")[0]
    assert (top.id, top.request_class, top.url) == (
        "reset-password",
        "access",
        "access/reset-password/",
    )
    assert top.score > 0
    assert "<mark>password</mark>" in top.snippet.lower()
    assert "x &lt; 3 &amp;&amp; y &gt; 2" in top.snippet
    assert top.snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_limit_and_empty_queries(index: SearchIndex) -> None:
    assert len(index.suggest("disk", limit=1)) == 1
    assert index.suggest("the and of", lang="en") == []
    assert index.suggest("", lang="en") == []
    assert index.suggest("zzqxv", lang="en") == []


def test_labelled_questions_make_an_article_findable_in_another_language(
    kb: Path, tmp_path: Path
) -> None:
    questions = [("disk-slow", "uk", "диск дуже повільний, затримка велика")]
    build_index(load_kb(kb), tmp_path / "ix", questions)
    found = SearchIndex.open(tmp_path / "ix").suggest("повільний диск", lang="uk")
    assert ids(found)[:1] == ["disk-slow"]
    assert found[0].lang == "en"  # no Ukrainian version: shown in English


def test_missing_index_is_reported(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match="triage index"):
        SearchIndex.open(tmp_path / "nothing")


def test_rebuild_while_searching_never_fails_or_comes_back_empty(kb: Path, tmp_path: Path) -> None:
    root = tmp_path / "index"
    articles = load_kb(kb)
    build_index(articles, root)
    index = SearchIndex.open(root)
    errors: list[BaseException] = []
    empty: list[int] = []
    searched = [0]
    stop = threading.Event()

    def search_loop() -> None:
        while not stop.is_set():
            try:
                if not index.suggest("disk latency", lang="en"):
                    empty.append(1)
                searched[0] += 1
            except BaseException as exc:  # noqa: BLE001 - any failure fails the test
                errors.append(exc)
                return

    worker = threading.Thread(target=search_loop)
    worker.start()
    versions = [build_index(articles, root) for _ in range(2)]
    stop.set()
    worker.join(timeout=30)
    assert not errors and not empty and searched[0] > 0
    assert indexdir.current(root) == versions[-1]
    assert ids(index.suggest("Festplatten", lang="de")) == ["disk-full"]


def test_old_versions_are_cleaned_up(kb: Path, tmp_path: Path) -> None:
    root = tmp_path / "index"
    articles = load_kb(kb)
    built = [build_index(articles, root) for _ in range(indexdir.KEEP_OLD + 3)]
    left = sorted(p.name for p in root.glob("v*"))
    assert left == [p.name for p in built[-(indexdir.KEEP_OLD + 1) :]]


def test_index_command_builds_from_kb_dir(kb: Path, tmp_path: Path, monkeypatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl").write_text(
        '{"text": "диск дуже повільний", "class": "server", "lang": "uk",'
        ' "article": "disk-slow"}\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("TRIAGE_KB_DIR", str(kb))
    monkeypatch.setenv("TRIAGE_INDEX_DIR", str(tmp_path / "ix"))
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(data))
    result = CliRunner().invoke(main, ["index"])
    assert result.exit_code == 0, result.output
    assert (
        "indexed 5 articles (6 files" in result.output and "1 labelled questions" in result.output
    )
    found = SearchIndex.open(tmp_path / "ix").suggest("повільний диск", lang="uk")
    assert ids(found)[:1] == ["disk-slow"]


def test_index_command_refuses_a_broken_kb(kb: Path, tmp_path: Path, monkeypatch) -> None:
    (kb / "access" / "broken.en.md").write_text("no front matter\n", encoding="utf-8")
    monkeypatch.setenv("TRIAGE_KB_DIR", str(kb))
    monkeypatch.setenv("TRIAGE_INDEX_DIR", str(tmp_path / "ix"))
    result = CliRunner().invoke(main, ["index", "--no-data"])
    assert result.exit_code != 0 and "broken.en.md" in result.output
    assert not (tmp_path / "ix").exists()


def test_snippet_marks_spans_and_escapes_the_rest() -> None:
    text = "<b>x</b> & the password, then PASSWORD again"
    low, up = text.index("password"), text.index("PASSWORD")
    spans = [(low, low + 8), (up, up + 4), (up, up + 8)]  # overlapping: the longest is marked
    out = snippet(text, spans)
    assert out.startswith("&lt;b&gt;x&lt;/b&gt; &amp; the <mark>password</mark>")
    assert out.count("<mark>") == 2 and "<mark>PASSWORD</mark>" in out
    assert snippet("a < b", []) == "a &lt; b"


def test_folding_and_ukrainian_stemming() -> None:
    assert fold("Festplättenß Ёлка Café") == "festplattenss елка cafe"
    assert stem_uk("скинути") == stem_uk("скинув") == "скин"
    assert stem_uk("пароля") == stem_uk("паролі") == "парол"
