"""The classifier: trains and predicts on a tiny fixture, abstains, explains, saves and loads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from triage.engine import abstain
from triage.engine.classifier import Classifier, Example, ModelError, Prediction, train

ACCESS = [
    "I forgot my password and cannot log in",
    "password reset link does not work",
    "how do I reset my password",
    "login fails with invalid password",
    "two-factor code is rejected at sign in",
    "my account is locked after wrong password",
    "не могу войти, забыл пароль",
    "сбросить пароль не получается",
    "Passwort vergessen, Anmeldung geht nicht",
]
OUTAGE = [
    "the whole site is down for everyone",
    "portal is down, error 502 bad gateway",
    "website not loading at all, all users affected",
    "console down since an hour, nothing works",
    "API returns 503 for every request, site down",
    "complete outage of the portal",
    "сайт не работает у всех, ошибка 502",
    "портал лежит, ничего не открывается",
    "Die Webseite ist komplett down, Fehler 503",
]
CONSULT = [
    "how can I add a second disk to my vm",
    "how to resize a virtual machine",
    "where is the documentation for snapshots",
    "can you explain how to create a vm",
    "what is the best way to migrate a vm",
    "how do I change the disk type",
    "как добавить диск к виртуальной машине",
    "как сделать снапшот",
    "Wie erstelle ich einen Snapshot meiner VM",
]
PRIORITY = {"access": "medium", "outage": "critical", "consultation": "low"}


def examples() -> list[Example]:
    """The fixture rows with the class default priority."""
    rows = [("access", t) for t in ACCESS] + [("outage", t) for t in OUTAGE]
    rows += [("consultation", t) for t in CONSULT]
    return [Example(text, label, PRIORITY[label]) for label, text in rows]


@pytest.fixture(scope="module")
def model() -> Classifier:
    """A classifier trained once on the fixture (threshold by cross-validation)."""
    return train(examples())


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I can't log in, password forgotten", "access"),
        ("site down for all users, 502", "outage"),
        ("how to add another disk to the vm", "consultation"),
        ("забыл пароль, не могу войти в аккаунт", "access"),
    ],
)
def test_predicts_class(model: Classifier, text: str, label: str) -> None:
    p = model.predict(text)
    assert isinstance(p, Prediction)
    assert (p.request_class, p.abstained) == (label, False)
    assert p.confidence == max(p.probabilities.values())
    assert sum(p.probabilities.values()) == pytest.approx(1.0)
    assert p.priority == PRIORITY[label]
    assert 0 < p.priority_confidence <= 1


@pytest.mark.parametrize(
    "text",
    ["qwxz vbnm plkj", "zzzzzzzz", "banana bread recipe with walnuts", "who won the football"],
)
def test_abstains_on_gibberish_and_out_of_domain(model: Classifier, text: str) -> None:
    p = model.predict(text)
    assert p.abstained and p.request_class == "unknown"


def test_language_detected_or_given(model: Classifier) -> None:
    assert model.predict("Ich habe mein Passwort vergessen").lang == "de"
    assert model.predict("сайт не работает").lang == "ru"
    assert model.predict("сайт не работает", lang="uk").lang == "uk"


def test_explanation_names_terms_of_the_text(model: Classifier) -> None:
    text = "password reset does not work"
    p = model.predict(text)
    assert p.explanation and all(term in text for term in p.explanation)
    assert "password" in " ".join(p.explanation)


def test_metadata_records_how_the_threshold_was_chosen(model: Classifier) -> None:
    meta = model.metadata
    assert meta["threshold"] > 0 and "cross-validation" in meta["validation"]["method"]
    assert "pseudo out-of-scope" in meta["threshold_method"]
    assert meta["rows"] == len(examples()) and len(meta["data_hash"]) == 64
    assert meta["libraries"]["scikit-learn"]


def test_threshold_on_validation_rows_with_out_of_scope() -> None:
    val = [Example("reset password please", "access"), Example("site is down", "outage")]
    val += [Example("how to make a snapshot", "consultation"), Example("pizza dough", "food")]
    m = train(examples(), val)
    assert "1 out-of-scope" in m.metadata["threshold_method"]
    assert m.metadata["validation"]["unknown_recall"] == 1.0


def test_save_load_round_trip(model: Classifier, tmp_path: Path) -> None:
    model.save(tmp_path / "model")
    again = Classifier.load(tmp_path / "model")
    for text in ["password reset", "site is down", "qwxz vbnm"]:
        assert again.predict(text) == model.predict(text)
    assert again.metadata == json.loads((tmp_path / "model" / "model.json").read_text())


def test_save_switches_atomically(model: Classifier, tmp_path: Path) -> None:
    model.save(tmp_path / "model")
    first = (tmp_path / "model").resolve()
    model.save(tmp_path / "model")
    assert (tmp_path / "model").is_symlink() and (tmp_path / "model").resolve() != first
    assert not first.exists()  # the old version is cleaned up
    assert Classifier.load(tmp_path / "model").classes == model.classes


def test_refuses_model_of_other_library_version(model: Classifier, tmp_path: Path) -> None:
    model.save(tmp_path / "model")
    meta_file = tmp_path / "model" / "model.json"
    meta = json.loads(meta_file.read_text())
    meta["libraries"]["scikit-learn"] = "0.24.2"
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="triage train"):
        Classifier.load(tmp_path / "model")


def test_missing_model_says_to_train(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="triage train"):
        Classifier.load(tmp_path / "nothing")


def test_needs_two_classes() -> None:
    with pytest.raises(ValueError, match="two classes"):
        train([Example("a b c", "x"), Example("d e f", "x")])


def test_best_threshold_by_hand() -> None:
    # in scope: scores .9 (right) .8 (right) .3 (wrong); out of scope: .2 and .5
    scores = np.array([0.9, 0.8, 0.3, 0.2, 0.5])
    correct = np.array([True, True, False, False, False])
    outside = np.array([False, False, False, True, True])
    chosen = abstain.best_threshold(scores, correct, outside)
    # at .8: accuracy 2/3 + recall 2/2 beats .3 (2/3 + 1/2) and .9 (1/3 + 1)
    assert chosen.value == 0.8


def test_pseudo_out_of_scope_threshold_by_hand() -> None:
    # no real out-of-scope rows: the in-scope rows rescored without their class stand in
    scores, correct = np.array([0.9, 0.6, 0.4]), np.array([True, True, False])
    pseudo = np.array([0.5, 0.3, 0.7])
    chosen = abstain.choose_threshold(scores, correct, np.zeros(3, bool), pseudo)
    # at .6: accuracy 2/3 + pseudo recall 2/3 = 1.33 beats .4 (2/3 + 1/3), .5 (2/3 + 1/3),
    # .7 (1/3 + 3/3 = 1.33, a tie: the lower threshold wins) and .9 (1/3 + 1)
    assert chosen.value == 0.6 and "pseudo out-of-scope" in chosen.method


def test_confidence_features_by_hand() -> None:
    decisions = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    features = abstain.confidence_features(
        decisions, np.array([0, 1]), np.array([0.8, 0.1]), np.array([0.0, 0.5]), np.ones(2)
    )
    # top score, its margin over the best other column, similarity, unseen, known pairs
    assert features.tolist() == [[2.0, 1.5, 0.8, 0.0, 1.0], [1.0, -2.0, 0.1, 0.5, 1.0]]


def test_confidence_is_a_logistic_model_that_round_trips() -> None:
    model = abstain.Confidence((0.0,) * 5, (1.0,) * 5, (1.0, 0, 0, -2.0, 0), -0.5)
    chance = model.score(np.array([[0.5, 0, 0, 0, 0], [0.5, 0, 0, 1, 0]]))
    assert chance.tolist() == pytest.approx([0.5, 1 / (1 + np.exp(2.0))])
    again = abstain.Confidence.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again == model
    with pytest.raises(ValueError, match="features"):
        abstain.Confidence.from_dict({**model.to_dict(), "features": ["top_score"]})


def test_model_of_an_older_format_is_refused(model: Classifier, tmp_path: Path) -> None:
    model.save(tmp_path / "model")
    meta_file = tmp_path / "model" / "model.json"
    meta = json.loads(meta_file.read_text())
    del meta["format"]
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="triage train"):
        Classifier.load(tmp_path / "model")


def test_temperature_fits_confident_scores() -> None:
    scores = np.array([[2.0, 0.0], [0.0, 2.0], [2.0, 0.0]])
    assert abstain.fit_temperature(scores, np.array([0, 1, 0])) > abstain.fit_temperature(
        scores, np.array([0, 1, 1])
    )


def test_train_command_writes_model(tmp_path: Path, kb_dir: Path, monkeypatch) -> None:
    from click.testing import CliRunner

    from triage.cli import main

    data = tmp_path / "data"
    data.mkdir()
    rows = [{"text": e.text, "class": e.label, "priority": e.priority} for e in examples()]
    (data / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    for key, value in {
        "DATA_DIR": data,
        "KB_DIR": kb_dir,
        "MODEL_DIR": tmp_path / "model",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}",
    }.items():
        monkeypatch.setenv(f"TRIAGE_{key}", str(value))
    result = CliRunner().invoke(main, ["train"])
    assert result.exit_code == 0, result.output
    assert "trained on 27 rows + 20 article texts" in result.output  # 4 x (3 + title, summary)
    model = Classifier.load(tmp_path / "model")
    # the Russian translation repeats the English questions and summary: the same text is kept
    # once (3 English articles x 5 texts + the Russian title)
    assert model.metadata["rows"] == 27 + 3 * 5 + 1
    assert model.predict("the site is down for everyone").request_class == "outage"


def test_train_command_rejects_unknown_class(tmp_path: Path, monkeypatch) -> None:
    from click.testing import CliRunner

    from triage.cli import main

    (tmp_path / "train.jsonl").write_text('{"text": "hi", "class": "weather"}\n')
    monkeypatch.setenv("TRIAGE_MODEL_DIR", str(tmp_path / "model"))
    result = CliRunner().invoke(main, ["train", "--data", str(tmp_path / "train.jsonl")])
    assert result.exit_code != 0 and "classes not in the policy: weather" in result.output
    assert not (tmp_path / "model").exists()
