"""The report's charts render to valid SVG documents that show the figures' labels."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from triage.desk.reports import Count, SlaRow, TimeRow, build_report
from triage.web import charts

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SLA = [
    SlaRow("priority", "critical", "reaction", 1, 0, 1, 0, 1.0),
    SlaRow("priority", "high", "reaction", 0, 1, 0, 0, 0.0),
    SlaRow("priority", "low", "reaction", 0, 0, 0, 0, None),
]
TIMES = [TimeRow("medium", 2, 1.5, 2.0, 2, 6.5, 9.0), TimeRow("*", 4, 1.5, 3.0, 4, 6.5, 18.0)]
WEEKS = [Count("2026-W47", "feedback", 1), Count("2026-W48", "access", 2)]
FLOW = [Count("escalate", "L1->L2", 3), Count("de-escalate", "L2->L1", 1)]


def svg_root(text: str) -> ET.Element:
    """Parse an SVG document and check its root element."""
    root = ET.fromstring(text)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def texts(root: ET.Element) -> str:
    return " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))


@pytest.mark.parametrize(
    ("svg", "labels"),
    [
        (lambda: charts.sla_chart(SLA, "reaction"), ["critical", "high", "at risk", "breached"]),
        (lambda: charts.times_chart(TIMES), ["medium", "all", "resolution p90"]),
        (lambda: charts.volume_chart(WEEKS, "Per class"), ["2026-W47", "access", "Per class"]),
        (lambda: charts.escalation_chart(FLOW), ["L1->L2 (escalate)", "moves"]),
    ],
)
def test_charts_are_svg_with_their_labels(svg, labels):
    words = texts(svg_root(svg()))
    for label in labels:
        assert label in words
    assert "low" not in words.split()  # a priority without tickets gets no bar


def test_every_chart_of_an_empty_report(policy):
    report = build_report([], policy, NOW)
    for name in charts.CHARTS:
        assert "no data in this period" in texts(svg_root(charts.render(report, name)))
    with pytest.raises(KeyError):
        charts.render(report, "nope")


def test_same_report_same_bytes():
    assert charts.sla_chart(SLA, "reaction") == charts.sla_chart(SLA, "reaction")
