"""A new model switched into MODEL_DIR is picked up without a restart, at most every N seconds."""

from __future__ import annotations

import json

import pytest

from triage.engine.live import LiveModel
from triage.engine.model_store import METADATA, ModelError, save_model


class Clock:
    """A clock the test moves."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def load(model_dir):
    """A stand-in loader: the model is the number in model.json (a ValueError when broken)."""
    meta = json.loads((model_dir / METADATA).read_text())
    if "n" not in meta:
        raise ModelError("broken model")
    return meta["n"]


def test_switch_is_noticed_after_the_interval(tmp_path):
    model_dir, clock = tmp_path / "model", Clock()
    save_model(model_dir, {}, {"n": 1})
    live = LiveModel(model_dir, interval=5.0, load=load, clock=clock)
    assert live.get() == 1
    save_model(model_dir, {}, {"n": 2})
    clock.now = 4.9
    assert live.get() == 1  # not looked at before the interval has passed
    clock.now = 5.0
    assert live.get() == 2
    clock.now = 20.0
    assert live.get() == 2


def test_unchanged_model_is_not_reloaded(tmp_path):
    model_dir, clock, loads = tmp_path / "model", Clock(), []
    save_model(model_dir, {}, {"n": 1})
    live = LiveModel(model_dir, interval=1.0, load=lambda d: loads.append(d) or 1, clock=clock)
    for t in range(5):
        clock.now = float(t)
        live.get()
    assert len(loads) == 1


def test_broken_new_model_keeps_the_old_one(tmp_path):
    model_dir, clock = tmp_path / "model", Clock()
    save_model(model_dir, {}, {"n": 1})
    live = LiveModel(model_dir, interval=0.0, load=load, clock=clock)
    assert live.get() == 1
    save_model(model_dir, {}, {"broken": True})
    clock.now = 1.0
    assert live.get() == 1
    save_model(model_dir, {}, {"n": 3})  # the next good model is taken
    clock.now = 2.0
    assert live.get() == 3


def test_no_model_at_all(tmp_path):
    with pytest.raises(ModelError):
        LiveModel(tmp_path / "model", load=load).get()
