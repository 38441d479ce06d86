"""The managers' report in the console (``/staff/reports``): tables, SVG charts, CSV export.

Admins only (``staff_roles.CONSOLE["reports"]``). The period comes from ``?since=`` and
``?until=`` (days in the desk's time zone; default: the last ``REPORT_DAYS`` days). Charts are
drawn on the server (``triage.web.charts``) and inlined in the page: one computation per view.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, Response, current_app, render_template, request
from markupsafe import Markup

from triage.web.api_fields import now
from triage.web.auth import allowed
from triage.web.services import services
from triage.web.writers import console_headers

bp = Blueprint("reports", __name__, url_prefix="/staff/reports")
DEFAULTS = {"REPORT_DAYS": 28}


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def period() -> tuple[date, date | None, datetime, datetime | None]:
    """(first day, day after or None, and both as aware moments) from the query string."""
    tz = services().policy.calendar.tz
    today = now().astimezone(tz).date()
    first = _day("since") or today - timedelta(days=int(current_app.config["REPORT_DAYS"]))
    after = _day("until")
    if after is not None and after <= first:
        after = None
    start = datetime.combine(first, datetime.min.time(), tz)
    end = datetime.combine(after, datetime.min.time(), tz) if after else None
    return first, after, start, end


def _report():
    from triage.desk.reports import report

    first, after, start, end = period()
    return first, after, report(services().db, services().policy, now(), start, end)


def inline(svg: str) -> Markup:
    """An SVG document as markup to place in HTML (XML prologue dropped)."""
    return Markup(svg[svg.index("<svg") :])  # noqa: S704 - drawn by us; matplotlib escapes text


@bp.get("")
@allowed("reports")
def page():
    """The report of the period with its charts."""
    from triage.web import charts

    first, after, r = _report()
    drawn = {name: inline(charts.render(r, name)) for name in charts.CHARTS}
    query = {"since": first.isoformat(), **({"until": after.isoformat()} if after else {})}
    return render_template(
        "staff/reports.html", r=r, charts=drawn, since=first, until=after, query=query
    )


@bp.get("/export.csv")
@allowed("reports")
def csv_export():
    """The report of the period as CSV (section, group, key, measure, value)."""
    from triage.desk.reports import to_csv

    first, after, r = _report()
    name = f"frontline-report-{first.isoformat()}{'-' + after.isoformat() if after else ''}.csv"
    return Response(
        to_csv(r),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def init_app(app) -> None:
    """Register the report pages."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.register_blueprint(bp)
    app.after_request(console_headers("reports"))
