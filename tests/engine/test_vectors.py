"""Sentence vectors in suggestions: the blend by hand, the cache, and meaning beyond words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import write_article
from triage.engine import embed, indexdir, vectors
from triage.engine.search import SearchIndex, build_index
from triage.kb.articles import load_kb


def test_blend_by_hand() -> None:
    lexical = np.array([4.0, 2.0, 0.0, 1.0])
    similarity = np.array([0.1, 0.6, 0.9, -0.3])
    # shares 1, .5, -, .25 plus weight x similarity (negative counts as 0); no word, no score
    got = vectors.blend(lexical, similarity, weight=1.0)
    assert got.tolist() == pytest.approx([1.1, 1.1, 0.0, 0.25])
    assert vectors.blend(np.zeros(3), np.ones(3)).tolist() == [0.0, 0.0, 0.0]


def test_meaning_lifts_the_article_that_answers(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    # both share only "editor" with the question; the second means what it asks
    write_article(
        root,
        "consultation",
        "editor-fonts",
        title="Editor fonts",
        body="# Fonts\n\nChoose a font family and size for your text in the editor.\n",
    )
    write_article(root, "consultation", "editor-undo", title="Undo and redo in the editor",
                  body="# Undo\n\nRestore what you removed by mistake: press Undo.\n")  # fmt: skip
    build_index(load_kb(root), tmp_path / "index")
    index = SearchIndex.open(tmp_path / "index")
    found = index.suggest("I accidentally erased a section in the editor, get it back")
    assert [s.id for s in found][:1] == ["editor-undo"]
    assert index.suggest("zzqxv qwvvx") == []  # no shared word: nothing suggested


def test_rebuild_embeds_only_changed_articles(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "kb"
    write_article(root, "server", "disk-slow", title="Disk is slow", body="# Slow\n\nIOPS.\n")
    build_index(load_kb(root), tmp_path / "index")
    vectors._MEMO.clear()  # only the index folder's cache remains
    calls: list[int] = []
    real = embed.encoder()
    monkeypatch.setattr(real, "encode", lambda texts, progress=None: calls.append(len(texts)))
    version = build_index(load_kb(root), tmp_path / "index")  # nothing changed
    assert calls == [] and vectors.load(version).shape == (1, real.dim)
    assert (tmp_path / "index" / vectors.CACHE_FILE).is_file()
    assert indexdir.current(tmp_path / "index") == version
