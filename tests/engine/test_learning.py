"""Learning from staff (pure): newest label wins, and a worse model is refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from triage.engine.examples import Example
from triage.engine.learning import Corrected, judge, merge, newest, normalise

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def fix(text, label, minutes, priority="medium", ref="SUP-1"):
    """A correction made `minutes` after T0."""
    return Corrected(text, label, priority, "en", ref, T0 + timedelta(minutes=minutes))


def test_normalise():
    assert normalise("  VM   won't\tBOOT \n") == "vm won't boot"
    assert normalise("Straße") == normalise("STRASSE")


def test_newest_correction_wins_over_file_rows_and_earlier_corrections():
    base = [Example("VM won't boot", "server"), Example("reset password", "access")]
    corrected = [
        fix("vm won't  boot", "outage", 5),
        fix("VM WON'T BOOT", "infrastructure", 9),  # the latest correction of that text
        fix("printer jam", "feedback", 1),
    ]
    rows, replaced = merge(base, corrected)
    assert replaced == 1
    assert sorted((normalise(r.text), r.label) for r in rows) == [
        ("printer jam", "feedback"),
        ("reset password", "access"),
        ("vm won't boot", "infrastructure"),
    ]
    assert [c.label for c in newest(corrected)] == ["infrastructure", "feedback"]


def test_later_file_row_wins_and_empty_texts_dropped():
    rows, replaced = merge([Example("a b", "x"), Example("A  B", "y")], [fix("   ", "z", 1)])
    assert [(r.text, r.label) for r in rows] == [("A  B", "y")] and replaced == 0


@dataclass(frozen=True)
class Said:
    request_class: str

    @property
    def probabilities(self) -> dict[str, float]:
        return {self.request_class: 1.0}


class Rule:
    """A stand-in model: the class is the first word of the text, or a fixed answer."""

    def __init__(self, fixed=None):
        self.fixed = fixed

    def predict_many(self, texts):
        return [Said(self.fixed or t.split()[0]) for t in texts]


HELDOUT = [Example("access denied", "access"), Example("server down", "server")]


def test_worse_model_is_refused_unless_forced():
    corrected = [fix("access please", "access", 1)]
    verdict = judge(Rule(), Rule("access"), HELDOUT, corrected)
    assert not verdict.accepted and "0.5000 < 1.0000 - 0.01" in verdict.reason
    assert (verdict.live_heldout, verdict.new_heldout) == (1.0, 0.5)
    assert (verdict.recent_before, verdict.recent_after, verdict.recent_rows) == (1.0, 1.0, 1)
    assert judge(Rule(), Rule("access"), HELDOUT, corrected, force=True).accepted


class Misses(Rule):
    """Like Rule, but wrong on texts containing 'miss'."""

    def predict_many(self, texts):
        return [Said("x" if "miss" in t else t.split()[0]) for t in texts]


def test_one_row_in_a_hundred_is_within_the_tolerance():
    heldout = [Example(f"access {i}", "access") for i in range(99)] + [
        Example("access miss", "access")
    ]
    within = judge(Rule(), Misses(), heldout, [])
    assert within.accepted and (within.live_heldout, within.new_heldout) == (1.0, 0.99)
    assert not judge(Rule(), Misses(), heldout, [], tolerance=0.0).accepted
    assert not judge(Rule(), Misses(), heldout[50:], [], tolerance=0.01).accepted  # 1 in 50


def test_equal_or_better_or_first_model_is_accepted():
    assert judge(Rule(), Rule(), HELDOUT, []).accepted
    assert judge(Rule("server"), Rule(), HELDOUT, []).accepted
    first = judge(None, Rule("x"), HELDOUT, [])
    assert first.accepted and first.live_heldout is None and first.new_heldout == 0.0
    assert judge(Rule(), Rule("x"), [], []).accepted  # nothing to compare on
