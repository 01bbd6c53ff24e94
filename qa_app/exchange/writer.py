"""Writing the exchange workbook (format version in FORMAT_VERSION; documented in
docs/exchange-format.md): a pure function from plain rows to an .xlsx file.

Nothing here reads the database: `exchange.queries.exchange_data` gathers the report and the
rows, and `write_workbook` writes them. Written with openpyxl's write-only mode, so rows stream
to the file and memory stays flat however many audits there are.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.utils import get_column_letter

from qa_app.audit_forms.schema import THEME_LABELS
from qa_app.exchange.cells import cell, row_cells

FORMAT_VERSION = "1.1"
Progress = Callable[[str, int], None]


@dataclass
class Sheet:
    """One table of the workbook: its headers, its rows (any iterable, consumed once) and the
    columns that need more than the default width."""

    title: str
    headers: list[str]
    rows: Iterable[list]
    widths: dict[str, int] = field(default_factory=dict)


@dataclass
class ExchangeData:
    """Everything the workbook holds: the report (for the Summary sheet and its charts), the
    tables in order, and the About sheet's (field, value) rows."""

    report: dict
    sheets: list[Sheet]
    about: list[list]


def write_workbook(out: BinaryIO, data: ExchangeData, progress: Progress | None = None) -> None:
    """Write `data` to `out`: Summary, the tables in order, About. `progress(sheet, rows)` is
    called every 1,000 rows and at the end of each table."""
    progress = progress or (lambda _sheet, _n: None)
    workbook = Workbook(write_only=True)
    _summary(workbook, data.report)
    for sheet in data.sheets:
        _table(workbook, sheet.title, sheet.headers, sheet.rows, progress, widths=sheet.widths)
    _table(workbook, "About", ["Field", "Value"], iter(data.about), progress, widths={"Value": 80})
    workbook.save(out)


def _table(workbook: Workbook, title: str, headers: list[str], rows: Iterable[list], progress: Progress,
           widths: dict[str, int] | None = None) -> int:
    ws = workbook.create_sheet(title)
    widths = widths or {}
    for index, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(index)].width = widths.get(header, max(12, min(len(header) + 4, 30)))
    ws.freeze_panes = "A2"
    ws.append([cell(ws, header) for header in headers])
    count = 0
    for row in rows:
        ws.append(row_cells(ws, row))
        count += 1
        if count % 1000 == 0:
            progress(title, count)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"
    progress(title, count)
    return count


def _summary(workbook: Workbook, report: dict) -> None:
    ws = workbook.create_sheet("Summary")
    for column, width in zip("ABCDEF", (42, 16, 16, 16, 16, 16)):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = "A2"
    rows: list[list] = [
        ["Figure", "Value"],
        ["Audits completed", report["audits"]],
        ["% Inadequate (final grade)", report["percent_inadequate"]],
        ["% Good or better (final grade)", report["percent_good_or_better"]],
        ["% Inadequate (auditors' grades)", report["auditor_percent_inadequate"]],
        ["% Good or better (auditors' grades)", report["auditor_percent_good_or_better"]],
    ]
    rows.append([])
    rows.append(["Grade", "Final", "Auditors'"])
    for label, n in report["final_grades"].items():
        rows.append([label, n, report["auditor_grades"].get(label, 0)])
    rows.append([])
    theme_header = len(rows) + 1
    rows.append(["Theme", "% Good or better", "% Inadequate"])
    themes = list(report["themes"].items())
    for theme, figures in themes:
        rows.append([THEME_LABELS.get(theme, theme), figures["percent_good_or_better"], figures["percent_inadequate"]])
    rows.append([])
    trend_header = len(rows) + 1
    rows.append(["Round", "% Inadequate", "% Good or better"])
    for point in report["trend"]:
        rows.append([point["round"], point["percent_inadequate"], point["percent_good_or_better"]])
    ws.auto_filter.ref = "A1:B6"
    if themes:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "Final grades by theme"
        chart.y_axis.title = "% of graded answers"
        data = Reference(ws, min_col=2, max_col=3, min_row=theme_header, max_row=theme_header + len(themes))
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=theme_header + 1, max_row=theme_header + len(themes)))
        chart.height, chart.width = 12, 22
        ws.add_chart(chart, "E2")
    if report["trend"]:
        line = LineChart()
        line.title = "Trend across rounds"
        line.y_axis.title = "% of audits"
        count = len(report["trend"])
        line.add_data(Reference(ws, min_col=2, max_col=3, min_row=trend_header, max_row=trend_header + count),
                      titles_from_data=True)
        line.set_categories(Reference(ws, min_col=1, min_row=trend_header + 1, max_row=trend_header + count))
        line.height, line.width = 10, 22
        ws.add_chart(line, "E28")
    for row in rows:
        ws.append([cell(ws, value) for value in row])


__all__ = ["FORMAT_VERSION", "ExchangeData", "Sheet", "write_workbook"]
