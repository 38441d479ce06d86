"""`triage train` learns from staff corrections and refuses a model worse on held-out rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.dbfixtures import fresh_url
from triage.cli import main
from triage.desk import tickets
from triage.desk.db import open_database
from triage.desk.intake import Classified, Intake
from triage.engine.classifier import Classifier

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TEXT = "Our invoice shows the same VM twice this month"


def rows(name: str, step: int) -> str:
    """Every step-th line of a data file (a smaller, faster training set)."""
    lines = (ROOT / "data" / name).read_text(encoding="utf-8").splitlines()
    return "\n".join(lines[::step]) + "\n"


@pytest.fixture
def project(tmp_path, policy):
    """A data folder (a third of train, half of held-out), a model folder and a desk database."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl").write_text(rows("train.jsonl", 3), encoding="utf-8")
    (data / "heldout.jsonl").write_text(rows("heldout.jsonl", 2), encoding="utf-8")
    tiny = [json.loads(x) for x in rows("train.jsonl", 3).splitlines()]
    few = [r for i, r in enumerate(tiny) if [x["class"] for x in tiny[:i]].count(r["class"]) < 2]
    (tmp_path / "tiny.jsonl").write_text("\n".join(json.dumps(r) for r in few))  # a poor model
    url = fresh_url("sqlite", None, tmp_path)
    env = {"DATABASE_URL": url, "TRIAGE_DATA_DIR": str(data),
           "TRIAGE_MODEL_DIR": str(tmp_path / "model")}  # fmt: skip
    db = open_database(url)
    yield env, db, tmp_path
    db.dispose()


def train(env, *args):
    """Run `triage train --no-kb` with extra args; the result."""
    return CliRunner().invoke(main, ["train", "--no-kb", "--folds", "2", *args], env=env)


@pytest.mark.slow
def test_correction_changes_the_next_prediction_and_worse_model_is_refused(project, policy):
    env, db, tmp = project
    first = train(env)
    assert first.exit_code == 0, first.output
    live = Classifier.load(tmp / "model")
    assert live.predict(TEXT).request_class != "feedback"
    intake = Intake(description=TEXT, contact="a@b.c", module="Billing", version="1")
    ref = tickets.file_ticket(db, policy, intake, Classified("consultation", "low", "L1"), T0).ref
    tickets.correct_class(db, policy, ref, "eva", T0, "feedback")

    second = train(env)
    assert second.exit_code == 0, second.output
    assert "staff corrections: 1" in second.output
    assert "recent corrections (1): accuracy before 0.0000, after 1.0000" in second.output
    learned = Classifier.load(tmp / "model")
    assert learned.predict(TEXT).request_class == "feedback"

    worse = train(env, "--data", str(tmp / "tiny.jsonl"))
    assert worse.exit_code == 1 and "new model refused: worse on held-out rows" in worse.output
    kept = Classifier.load(tmp / "model")
    assert kept.metadata["data_hash"] == learned.metadata["data_hash"]
    forced = train(env, "--data", str(tmp / "tiny.jsonl"), "--force")
    assert forced.exit_code == 0, forced.output
    assert Classifier.load(tmp / "model").metadata["rows"] < kept.metadata["rows"]
