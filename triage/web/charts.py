"""Charts of the managers' report, drawn on the server as SVG: the only matplotlib module.

Agg backend (no display), text kept as text in the SVG (small files, selectable labels) and a
fixed hash salt, so the same report gives the same bytes. Each function takes report values and
returns the SVG document as a string.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable, Sequence

import matplotlib
from flask_babel import gettext as _

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402 - the backend is chosen first
from matplotlib.figure import Figure  # noqa: E402

from triage.desk.reports import Count, Report, SlaRow, TimeRow  # noqa: E402

#: Words of the charts, looked up when drawn (the page's language; English outside a request).
STATES: dict[str, Callable[[], str]] = {
    "met": lambda: _("met"),
    "on_track": lambda: _("on track"),
    "at_risk": lambda: _("at risk"),
    "breached": lambda: _("breached"),
}
TARGETS: dict[str, Callable[[], str]] = {
    "reaction": lambda: _("reaction"),
    "resolution": lambda: _("resolution"),
}
COLOURS = {"met": "#2e7d32", "on_track": "#90caf9", "at_risk": "#f9a825", "breached": "#c62828"}
SIZE = (7.0, 3.2)
STYLE = {"svg.fonttype": "none", "svg.hashsalt": "frontline", "font.size": 9}


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    with plt.rc_context(STYLE):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return buf.getvalue()


def _figure(title: str) -> tuple[Figure, object]:
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=SIZE)
    ax.set_title(title, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _empty(ax) -> None:
    text = _("no data in this period")
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#666")
    ax.set_xticks([])
    ax.set_yticks([])


def sla_chart(rows: Sequence[SlaRow], target: str = "resolution") -> str:
    """Stacked bars per priority: met, on track, at risk, breached tickets of one target."""
    picked = [r for r in rows if r.by == "priority" and r.target == target]
    picked = [r for r in picked if r.met + r.breached + r.at_risk + r.on_track]
    fig, ax = _figure(_("SLA, %(target)s: tickets per priority", target=TARGETS[target]()))
    if not picked:
        _empty(ax)
        return _svg(fig)
    keys = [r.key for r in picked]
    bottom = [0] * len(picked)
    for state, colour in COLOURS.items():
        values = [getattr(r, state) for r in picked]
        ax.bar(keys, values, bottom=bottom, color=colour, label=STATES[state]())
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.legend(frameon=False, ncols=4, loc="upper right")
    ax.set_ylabel(_("tickets"))
    return _svg(fig)


def times_chart(rows: Sequence[TimeRow]) -> str:
    """Median and p90 support hours to first reaction and to resolution, per priority."""
    picked = [r for r in rows if r.reacted or r.resolved]
    fig, ax = _figure(_("Support hours per priority (median, p90)"))
    if not picked:
        _empty(ax)
        return _svg(fig)
    x = range(len(picked))
    series = (
        (_("reaction median"), "reaction_median", -0.3), (_("reaction p90"), "reaction_p90", -0.1),
        (_("resolution median"), "resolution_median", 0.1),
        (_("resolution p90"), "resolution_p90", 0.3),
    )  # fmt: skip
    for label, field, shift in series:
        values = [getattr(r, field) or 0.0 for r in picked]
        ax.bar([i + shift for i in x], values, width=0.2, label=label)
    ax.set_xticks(list(x), [r.priority if r.priority != "*" else _("all") for r in picked])
    ax.set_ylabel(_("support hours"))
    ax.legend(frameon=False, ncols=2)
    return _svg(fig)


def volume_chart(rows: Sequence[Count], title: str) -> str:
    """Tickets per week, one line per key (class or channel)."""
    fig, ax = _figure(title)
    weeks = sorted({c.period for c in rows})
    if not weeks:
        _empty(ax)
        return _svg(fig)
    series: dict[str, dict[str, int]] = defaultdict(dict)
    for c in rows:
        series[c.key][c.period] = c.count
    for key in sorted(series):
        ax.plot(weeks, [series[key].get(w, 0) for w in weeks], marker="o", label=key)
    ax.set_ylabel(_("tickets"))
    ax.legend(frameon=False, fontsize=8, ncols=2)
    return _svg(fig)


def escalation_chart(rows: Sequence[Count]) -> str:
    """Moves between support lines, one horizontal bar per move."""
    fig, ax = _figure(_("Escalation flow between lines"))
    if not rows:
        _empty(ax)
        return _svg(fig)
    labels = [f"{c.key} ({c.period})" for c in rows]
    ax.barh(labels, [c.count for c in rows], color="#5c6bc0")
    ax.set_xlabel(_("moves"))
    return _svg(fig)


CHARTS: dict[str, Callable[[Report], str]] = {
    "sla-reaction": lambda r: sla_chart(r.sla, "reaction"),
    "sla-resolution": lambda r: sla_chart(r.sla, "resolution"),
    "times": lambda r: times_chart(r.times),
    "volume-class": lambda r: volume_chart(r.by_class, _("Tickets per week and class")),
    "volume-channel": lambda r: volume_chart(r.by_channel, _("Tickets per week and channel")),
    "escalations": lambda r: escalation_chart(r.escalations),
}


def render(r: Report, name: str) -> str:
    """One chart of a report by name (KeyError for an unknown name)."""
    return CHARTS[name](r)
