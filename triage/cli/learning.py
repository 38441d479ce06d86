"""What `triage train` adds to learn from staff: corrections in, a gate before the switch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from triage.engine.examples import DataError, Example, read_examples
from triage.engine.learning import TOLERANCE, Corrected, Verdict, judge, merge


def staff_corrections(cfg: dict) -> list[Corrected]:
    """The staff corrections in the configured database ([] when it does not exist yet)."""
    from sqlalchemy.engine import make_url

    url = str(cfg["DATABASE_URL"])
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        return []
    from triage.cli.desk import database
    from triage.desk.corrections import corrections

    return corrections(database())


def with_corrections(rows: list[Example], corrected: list[Corrected]) -> list[Example]:
    """The training rows with the corrections merged in (newest wins); says how many."""
    merged, replaced = merge(rows, corrected)
    if corrected:
        click.echo(
            f"staff corrections: {len(corrected)} ({replaced} replace a row with the same text); "
            f"{len(merged)} rows after removing duplicates"
        )
    return merged


def _live(model_dir: Path) -> Any:
    from triage.engine.classifier import Classifier, ModelError

    try:
        return Classifier.load(model_dir)
    except ModelError:
        return None


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def gate(new: Any, cfg: dict, corrected: list[Corrected], force: bool) -> Verdict:
    """Compare with the live model; ClickException (exit 1) when the new one is worse."""
    heldout_file = Path(str(cfg["DATA_DIR"])) / "heldout.jsonl"
    try:
        heldout = read_examples(heldout_file) if heldout_file.is_file() else []
    except DataError as exc:
        raise click.ClickException(str(exc)) from None
    tolerance = float(cfg.get("TRAIN_TOLERANCE", TOLERANCE))  # TRIAGE_TRAIN_TOLERANCE=0: strict
    verdict = judge(_live(Path(str(cfg["MODEL_DIR"]))), new, heldout, corrected, force, tolerance)
    if verdict.recent_rows:
        click.echo(
            f"recent corrections ({verdict.recent_rows}): accuracy before "
            f"{_fmt(verdict.recent_before)}, after {_fmt(verdict.recent_after)}"
        )
    click.echo(
        f"held-out ({len(heldout)} rows): live model {_fmt(verdict.live_heldout)}, "
        f"new model {_fmt(verdict.new_heldout)}"
    )
    if not verdict.accepted:
        raise click.ClickException(
            f"new model refused: {verdict.reason}; the live model stays (--force replaces it)"
        )
    return verdict
