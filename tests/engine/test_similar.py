"""Nearest resolved tickets by TF-IDF cosine."""

from __future__ import annotations

from triage.engine.similar import similar, terms

CANDIDATES = [
    ("SUP-000001", "I cannot reset my password, the reset email never arrives"),
    ("SUP-000002", "The virtual machine does not boot after resizing the disk"),
    ("SUP-000003", "Invoice for October shows the wrong amount"),
    ("SUP-000004", "Не приходит письмо для сброса пароля"),
    ("SUP-000005", "Die virtuelle Maschine startet nach dem Vergrößern der Festplatte nicht"),
]


def test_nearest_first():
    got = similar("password reset email does not arrive", CANDIDATES, k=3)
    assert got[0][0] == "SUP-000001"
    assert all(ref != "SUP-000003" for ref, _ in got)
    assert got == sorted(got, key=lambda r: -r[1])


def test_russian_inflected_forms_match():
    got = similar("письма о сбросе пароля не приходят", CANDIDATES, k=1)
    assert got[0][0] == "SUP-000004"


def test_german_inflected_forms_match():
    got = similar("Virtuelle Maschinen starten nicht", CANDIDATES, k=1)
    assert got[0][0] == "SUP-000005"


def test_k_and_threshold_bound_the_result():
    assert len(similar("disk", CANDIDATES, k=1)) == 1
    assert similar("completely unrelated words here", CANDIDATES, k=5) == []
    assert similar("", CANDIDATES) == []
    assert similar("password", []) == []


def test_identical_text_scores_one():
    (ref, score), *_ = similar(CANDIDATES[2][1], CANDIDATES, k=1)
    assert ref == "SUP-000003" and score == 1.0


def test_terms_fold_and_stem():
    assert terms("Größere PASSWORDS 2024") == ["grosse", "passwo"]
