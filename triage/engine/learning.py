"""Learning from staff: corrections become labelled rows, and a new model must not be worse.

Pure functions (no scikit-learn here: models are used through ``predict_many``). Every class
or priority correction staff make is a labelled row (text: the ticket's description). Rows are
deduplicated by normalised text; the newest wins: a correction over a file row, a later
correction over an earlier one. Before a new model replaces the live one, both are scored on
the held-out rows (the class each ranks first); a new model that is worse there (by more than
``TOLERANCE``) is refused unless forced.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from triage.engine.examples import Example
from triage.engine.metrics import accuracy

RECENT = 200  # corrections the before / after accuracy is reported on
# Worse means lower held-out accuracy by more than this: one or two held-out rows changing
# their answer after a handful of new training rows is noise, not a worse model.
TOLERANCE = 0.01


@dataclass(frozen=True)
class Corrected:
    """A ticket as staff labelled it at one correction."""

    text: str
    label: str
    priority: str
    lang: str
    ref: str
    at: datetime

    def example(self) -> Example:
        """The correction as a training row."""
        return Example(self.text, self.label, self.priority, self.lang)


@dataclass(frozen=True)
class Verdict:
    """Live and new model compared: held-out accuracy and accuracy on recent corrections."""

    live_heldout: float | None
    new_heldout: float | None
    recent_before: float | None
    recent_after: float | None
    recent_rows: int
    accepted: bool
    reason: str


def normalise(text: str) -> str:
    """Case-folded text with runs of white space made one space: the deduplication key."""
    return " ".join(text.casefold().split())


def newest(corrected: Iterable[Corrected]) -> list[Corrected]:
    """One correction per normalised text, the latest, newest first."""
    latest: dict[str, Corrected] = {}
    for c in sorted(corrected, key=lambda c: c.at):
        if normalise(c.text):
            latest[normalise(c.text)] = c
    return sorted(latest.values(), key=lambda c: c.at, reverse=True)


def merge(base: Sequence[Example], corrected: Iterable[Corrected]) -> tuple[list[Example], int]:
    """Base rows and corrections, one row per normalised text, newest wins; (rows, replaced)."""
    fixes = {normalise(c.text): c.example() for c in newest(corrected)}
    last: dict[str, Example] = {}
    for ex in base:  # a later row of the files wins over an earlier one with the same text
        last[normalise(ex.text)] = ex
    replaced = sum(1 for key in last if key in fixes)
    rows = [ex for key, ex in last.items() if key not in fixes]
    return rows + list(fixes.values()), replaced


def model_accuracy(model: Any, rows: Sequence[Example]) -> float | None:
    """Share of rows whose most probable class is the label.

    The class the model ranks first, not its answer after abstention: the abstention threshold
    is chosen anew by every training and moves a few borderline rows either way, which would
    make two equally good models look different on a small held-out set.
    """
    if model is None or not rows:
        return None
    predictions = model.predict_many([r.text for r in rows])
    top = [max(p.probabilities, key=p.probabilities.__getitem__) for p in predictions]
    return accuracy([r.label for r in rows], top)


def judge(
    live: Any,
    new: Any,
    heldout: Sequence[Example],
    corrected: Iterable[Corrected],
    force: bool = False,
    tolerance: float = TOLERANCE,
) -> Verdict:
    """Compare the live and the new model; refuse the new one if worse on held-out (not forced)."""
    recent = [c.example() for c in newest(corrected)[:RECENT]]
    live_h, new_h = model_accuracy(live, heldout), model_accuracy(new, heldout)
    before, after = model_accuracy(live, recent), model_accuracy(new, recent)
    if live is None:
        accepted, reason = True, "no live model to compare with"
    elif not heldout:
        accepted, reason = True, "no held-out rows to compare on"
    elif new_h < live_h - tolerance - 1e-9:  # rounding of equal shares is not worse
        worse = f"worse on held-out rows ({new_h:.4f} < {live_h:.4f} - {tolerance:g})"
        accepted, reason = force, f"{worse}, forced" if force else worse
    else:
        accepted, reason = True, f"held-out accuracy {live_h:.4f} -> {new_h:.4f}"
    return Verdict(live_h, new_h, before, after, len(recent), accepted, reason)
