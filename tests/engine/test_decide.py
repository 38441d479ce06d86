"""decide(): class and line from the policy, suggestions boosted by class, abstention to L1."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from tests.conftest import write_article
from triage.engine.classifier import Classifier, Example, train
from triage.engine.decide import Decision, Engine, top_share
from triage.engine.policy import Policy
from triage.engine.search import SearchIndex, Suggestion, build_index
from triage.kb.articles import load_kb

QUESTIONS = {
    "access": [
        "forgot my password",
        "password reset link expired",
        "cannot sign in to the console",
        "two-factor code is rejected",
        "account locked after failed logins",
        "не могу войти, забыл пароль",
    ],
    "outage": [
        "the whole site is down",
        "portal returns 502 for everyone",
        "everything is down since this morning",
        "console unreachable for all users",
        "all services offline right now",
        "сайт полностью лежит",
    ],
    "server": [
        "disk full on my vm",
        "server unreachable over ssh",
        "high cpu load on the server",
        "vm does not boot after reboot",
        "out of memory on the server",
        "диск заполнен на сервере",
    ],
}


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    """A tiny real model trained on the questions above."""
    return train([Example(t, k, "", "") for k, texts in QUESTIONS.items() for t in texts])


@pytest.fixture
def engine(policy: Policy, classifier: Classifier, tmp_path: Path) -> Engine:
    """An engine over a three-article KB."""
    kb = tmp_path / "kb"
    write_article(kb, "access", "reset-password", title="Reset a forgotten password")
    write_article(kb, "server", "disk-full", title="The disk is full")
    write_article(kb, "outage", "site-down", title="The whole site is down")
    build_index(load_kb(kb), tmp_path / "index")
    return Engine(policy, classifier, SearchIndex.open(tmp_path / "index"))


def test_decide_fills_class_line_and_suggestions(engine: Engine, policy: Policy) -> None:
    d = engine.decide("I forgot my password and the reset link expired", lang="en")
    assert isinstance(d, Decision) and not d.abstained
    assert d.request_class == "access"
    assert d.line == policy.classes["access"].line
    assert d.priority in policy.priorities
    assert d.lang == "en"
    assert d.suggestions[0].id == "reset-password"
    assert set(d.probabilities) == set(QUESTIONS)
    assert 0 < d.confidence <= 1


def test_each_class_gets_its_own_line(engine: Engine, policy: Policy) -> None:
    d = engine.decide("the whole site is down for all users")
    assert d.request_class == "outage" and d.line == policy.classes["outage"].line
    assert d.line != policy.classes["access"].line  # L3 vs L1 in the shipped policy


def test_abstention_goes_to_the_unknown_class(
    policy: Policy, classifier: Classifier, engine: Engine
) -> None:
    never_sure = dataclasses.replace(classifier, metadata={**classifier.metadata, "threshold": 2})
    cautious = Engine(policy, never_sure, engine.index)
    d = cautious.decide("disk full on my vm")
    assert d.abstained and d.request_class == policy.unknown_class.id
    assert d.line == policy.unknown_class.line
    assert d.suggestions and d.suggestions[0].id == "disk-full"  # still suggested, no boost


def test_language_is_detected_when_not_given(engine: Engine) -> None:
    assert engine.decide("диск заполнен на сервере").lang == "ru"
    assert engine.decide("диск заполнен на сервере", lang="uk").lang == "uk"


def test_to_dict_is_json_ready(engine: Engine) -> None:
    out = engine.decide("forgot my password").to_dict()
    again = json.loads(json.dumps(out))
    assert again["suggestions"][0]["id"] == "reset-password"
    assert isinstance(again["suggestions"][0]["translations"], list)
    assert set(again) >= {"request_class", "line", "self_service", "abstained", "explanation"}


def test_self_service_follows_the_top_share(engine: Engine, policy: Policy) -> None:
    d = engine.decide("forgot my password")
    assert d.self_service == (top_share(d.suggestions) >= engine.self_service_score)
    strict = Engine(policy, engine.classifier, engine.index, self_service_score=1.01)
    assert strict.decide("forgot my password").self_service is False
    lenient = Engine(policy, engine.classifier, engine.index, self_service_score=0.0)
    assert lenient.decide("forgot my password").self_service is True
    assert lenient.decide("zzqxv").self_service is False  # nothing suggested


def _s(score: float) -> Suggestion:
    return Suggestion("a", "A", "en", "a/", score, "", "access", ())


def test_top_share_by_hand() -> None:
    assert top_share([]) == 0.0
    assert top_share([_s(3.0)]) == 1.0
    assert top_share([_s(3.0), _s(1.0), _s(0.5)]) == 0.75


def test_from_config_loads_policy_model_and_index(
    classifier: Classifier, engine: Engine, tmp_path: Path
) -> None:
    classifier.save(tmp_path / "model")
    config = {
        "POLICY_FILE": str(Path(__file__).resolve().parents[2] / "policy.yml"),
        "MODEL_DIR": str(tmp_path / "model"),
        "INDEX_DIR": str(tmp_path / "index"),
    }
    loaded = Engine.from_config(config)
    assert loaded.decide("disk full on my vm").suggestions[0].id == "disk-full"
