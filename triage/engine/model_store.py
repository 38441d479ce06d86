"""Saving and loading the classifier: skops (trusted types only) plus ``model.json`` metadata.

A save writes a new folder beside ``model_dir`` and then switches the ``model_dir`` symlink to
it in one rename, so a reader sees the old model or the new one, never half of one. A model saved
under other library versions is refused: the user is told to run ``triage train``.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import time
from importlib.metadata import version
from pathlib import Path

from skops.io import dump, get_untrusted_types, load

OBJECTS = "model.skops"
METADATA = "model.json"
CHECKED = ("scikit-learn", "numpy", "scipy")
# types skops does not trust by default that our model holds (and nothing else)
ALLOWED_TYPES = frozenset(
    {
        "scipy.sparse._csr.csr_matrix",
        "numpy.ndarray",
        "numpy.dtype",
        "triage.engine.terms.stem_terms",
        "triage.engine.classifier.SentenceVectors",
    }
)


class ModelError(Exception):
    """No usable model: missing, unreadable, or saved under other library versions."""


def library_versions() -> dict[str, str]:
    """The versions of the libraries a saved model depends on."""
    found = {name: version(name) for name in (*CHECKED, "skops")}
    return {**found, "python": platform.python_version()}


def save_model(model_dir: Path | str, objects: dict, metadata: dict) -> Path:
    """Write objects and metadata into a new folder, then point model_dir at it atomically."""
    model_dir = Path(model_dir)
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    stamp = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    new = model_dir.parent / f".{model_dir.name}-{stamp}"
    new.mkdir()
    dump(objects, new / OBJECTS)
    (new / METADATA).write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n")
    _switch(model_dir, new)
    return new


def _switch(model_dir: Path, new: Path) -> None:
    """Point model_dir at new in one rename; remove the folders it pointed at before."""
    link = model_dir.parent / f"{new.name}.link"
    link.symlink_to(new.name)
    old = model_dir.resolve() if model_dir.is_symlink() else None
    if model_dir.is_dir() and not model_dir.is_symlink():  # a plain folder from elsewhere
        shutil.rmtree(model_dir)
    os.replace(link, model_dir)
    if old is not None and old != new.resolve() and old.parent == model_dir.parent:
        shutil.rmtree(old, ignore_errors=True)


def read_metadata(model_dir: Path | str) -> dict:
    """The metadata of a saved model; ModelError when there is none."""
    path = Path(model_dir) / METADATA
    if not path.is_file():
        raise ModelError(f"no model in {model_dir}: run `triage train` to build one")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ModelError(f"{path} is not valid JSON ({exc.msg}): run `triage train`") from None


def check_versions(metadata: dict) -> None:
    """ModelError unless the model was saved under the libraries installed now."""
    saved, now = metadata.get("libraries", {}), library_versions()
    for name in CHECKED:
        if saved.get(name) != now[name]:
            raise ModelError(
                f"the model was saved with {name} {saved.get(name)} but {now[name]} is "
                "installed: run `triage train` to rebuild it"
            )


def load_model(model_dir: Path | str) -> tuple[dict, dict]:
    """The saved objects and metadata; ModelError when missing, foreign or of other versions."""
    metadata = read_metadata(model_dir)
    check_versions(metadata)
    path = Path(model_dir) / OBJECTS
    try:
        untrusted = get_untrusted_types(file=path)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {path} ({exc}): run `triage train`") from None
    strange = sorted(set(untrusted) - ALLOWED_TYPES)
    if strange:
        raise ModelError(f"{path} holds types we do not trust: {', '.join(strange)}")
    return load(path, trusted=list(untrusted)), metadata
