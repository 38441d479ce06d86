"""The running app's engine swaps to a newly trained model without a restart."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.web.ask_fixtures import make_public_app
from triage.engine import classifier
from triage.engine.examples import Example
from triage.web.services import services


def test_engine_picks_up_a_new_model(tmp_path, engine_dirs):
    model_dir = tmp_path / "model"
    shutil.copytree(Path(engine_dirs["MODEL_DIR"]).resolve(), model_dir)
    app = make_public_app(tmp_path, {**engine_dirs, "MODEL_DIR": str(model_dir)})
    app.config["MODEL_CHECK_SECONDS"] = 0.0
    with app.app_context():
        first = services().engine
        assert services().engine is first  # nothing changed: the same engine
        rows = [Example(f"printer toner empty {i}", "feedback") for i in range(4)]
        rows += [Example(f"cannot sign in account {i}", "access") for i in range(4)]
        classifier.train(rows, folds=2).save(model_dir)  # what `triage train` does
        second = services().engine
        assert second is not first and second.classifier is not first.classifier
        assert second.classifier.classes == ["access", "feedback"]
        assert first.classifier.classes != second.classifier.classes
        probs = second.decide("printer toner is empty").probabilities
        assert max(probs, key=probs.get) == "feedback"
