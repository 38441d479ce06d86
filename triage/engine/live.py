"""The model a running service uses, swapped for a new one without a restart.

``triage train`` switches ``MODEL_DIR`` atomically (a symlink replaced in one rename, see
``model_store``). ``LiveModel.get()`` looks at that link at most once every ``interval``
seconds (one ``lstat``) and loads the new model when it changed, outside any request's work
on the old one: callers that already hold the old model keep it. A new model that cannot be
loaded is logged and the old one stays in service; it is tried again at the next check.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from triage.engine.model_store import METADATA, ModelError

log = logging.getLogger(__name__)
CHECK_SECONDS = 5.0


def model_stamp(model_dir: Path) -> tuple[int, int, int]:
    """A cheap token that changes when a new model is switched in (link, or metadata file)."""
    link = os.lstat(model_dir)
    try:
        meta = os.stat(model_dir / METADATA)
    except FileNotFoundError:
        return link.st_ino, link.st_mtime_ns, 0
    return link.st_ino, link.st_mtime_ns, meta.st_mtime_ns


def _load_classifier(model_dir: Path) -> Any:
    from triage.engine.classifier import Classifier

    return Classifier.load(model_dir)


class LiveModel:
    """The current model of ``model_dir``, reloaded when a new one is switched in."""

    def __init__(
        self,
        model_dir: Path,
        interval: float = CHECK_SECONDS,
        load: Callable[[Path], Any] = _load_classifier,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.model_dir, self.interval = Path(model_dir), interval
        self._load, self._clock = load, clock
        self._lock = threading.Lock()
        self._model: Any = None
        self._stamp: tuple[int, int, int] | None = None
        self._checked = float("-inf")

    def get(self) -> Any:
        """The live model; ModelError only when no model was ever loaded."""
        now = self._clock()
        if self._model is not None and now - self._checked < self.interval:
            return self._model
        with self._lock:
            if self._model is None or now - self._checked >= self.interval:
                self._checked = now
                self._refresh()
        return self._model

    def _refresh(self) -> None:
        try:
            stamp = model_stamp(self.model_dir)
        except FileNotFoundError:
            if self._model is None:
                raise ModelError(f"no model in {self.model_dir}: run `triage train`") from None
            return
        if stamp == self._stamp and self._model is not None:
            return
        try:
            model = self._load(self.model_dir)
        except (ModelError, OSError, ValueError) as exc:
            if self._model is None:
                raise
            log.warning("new model in %s not loaded, keeping the old one: %s", self.model_dir, exc)
            return
        self._model, self._stamp = model, stamp
        log.info("model loaded from %s", self.model_dir)
