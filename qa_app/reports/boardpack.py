"""The board pack: a dated, printable PDF of a report (charts, tables, targets, themes, learning,
moderation, completion), marked OFFICIAL-SENSITIVE on every page, drawn from HTML by WeasyPrint.

WeasyPrint needs Pango (Debian: libpango-1.0-0, libpangoft2-1.0-0) and a font; `make test`
installs them (system-test-deps). A round takes a few seconds and a report over every round
longer, so the report page draws it as a background job (qa_app/reports/jobs.py); the CLI
(`report round ROUND --pdf FILE`) calls `board_pack_pdf` directly.
"""

from datetime import date, datetime

from flask import render_template

from qa_app.audit_forms.schema import THEME_LABELS
from qa_app.reports import charts

MARKING = "OFFICIAL-SENSITIVE"


def board_pack_html(report: dict, *, title: str, scope: str, generated: datetime) -> str:
    return render_template(
        "reports/board_pack.html", report=report, title=title, scope=scope, generated=generated, marking=MARKING,
        theme_labels=THEME_LABELS,
        theme_chart=charts.stacked_bars(report["grades_by_theme"], "Final grades by theme", THEME_LABELS),
        team_chart=charts.stacked_bars(report["grades_by_team"], "Final grades by team"),
        trend_chart=charts.trend_lines(report["trend"], "Trend across rounds"),
        compliance_charts=charts.compliance_trend_charts(report),
    )


def board_pack_pdf(report: dict, *, title: str, scope: str, generated: datetime | None = None) -> bytes:
    """The PDF's bytes. Needs an app context (the HTML is a Jinja template)."""
    from weasyprint import HTML

    html = board_pack_html(report, title=title, scope=scope, generated=generated or datetime.now())
    return HTML(string=html, base_url=None).write_pdf()


def file_name(title: str, day: date) -> str:
    safe = "".join(ch if ch.isalnum() else "-" for ch in title).strip("-")
    while "--" in safe:
        safe = safe.replace("--", "-")
    return f"board-pack-{safe[:80] or 'report'}-{day.isoformat()}.pdf"
