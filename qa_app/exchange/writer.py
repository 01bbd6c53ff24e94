"""Writing the exchange workbook (format version in FORMAT_VERSION; documented in
docs/exchange-format.md): a pure function from plain rows to an .xlsx file.

Nothing here reads the database: `exchange.queries.exchange_data` gathers the report and the
rows, and `write_workbook` writes them. The tables, which grow with the data, are streamed as
sheet XML straight into the zip (`_stream_table`: one pass, rows as inline strings, memory flat),
about twenty times faster than openpyxl's write-only mode; openpyxl writes what it is good at and
what costs nothing: the Summary sheet with its native charts, the styles, the document parts.
A table longer than Excel's 1,048,576 rows continues on "Name (2)", "Name (3)" … (each with the
header row), and the About sheet says so.
"""

import itertools
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import BinaryIO
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from qa_app.audit_forms.schema import THEME_LABELS
from qa_app.exchange.cells import cell, clean_text, needs_quote_prefix

FORMAT_VERSION = "1.2"
EXCEL_MAX_ROWS = 1_048_576      # rows a sheet may have in Excel, the header row included
DATE_FORMAT, DATETIME_FORMAT = "dd/mm/yyyy", "dd/mm/yyyy hh:mm"
Progress = Callable[[str, int], None]
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_CHUNK = 1 << 16
# zlib's default level. The fastest (1) saved about a tenth of the export's time for files half as
# large again, measured on 2,000 audits; the minimal writer the benchmark compares with uses 6 too.
ZIP_LEVEL = 6


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


def write_workbook(out: BinaryIO, data: ExchangeData, progress: Progress | None = None, *,
                   sheet_rows: int = EXCEL_MAX_ROWS) -> None:
    """Write `data` to `out`: Summary, the tables in order, About. `progress(sheet, rows)` is
    called every 1,000 rows and at the end of each table (rows counted across its continuation
    sheets). `sheet_rows`: the most rows one sheet holds, header included (tests make it small)."""
    progress = progress or (lambda _sheet, _n: None)
    if sheet_rows < 2:
        raise ValueError("a sheet must hold the header row and at least one row")
    with tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024) as frame:
        _frame(frame, data)
        frame.seek(0)
        with zipfile.ZipFile(frame) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED,
                                                                             compresslevel=ZIP_LEVEL) as target:
            _fill(source, target, data, progress, sheet_rows)


def _frame(out, data: ExchangeData) -> None:
    """openpyxl's part: the Summary sheet and its charts, an empty sheet for each table and for
    About (replaced by the streamed ones), the styles (with the two date formats) and the rest."""
    workbook = Workbook(write_only=True)
    _summary(workbook, data.report)
    for index, title in enumerate([sheet.title for sheet in data.sheets] + ["About"]):
        ws = workbook.create_sheet(title)
        if index == 0:  # register the date and quote-prefix styles the streamed sheets refer to
            day, moment = WriteOnlyCell(ws, value=date(2000, 1, 1)), WriteOnlyCell(ws, value=datetime(2000, 1, 1))
            day.number_format, moment.number_format = DATE_FORMAT, DATETIME_FORMAT
            ws.append([day, moment, cell(ws, "=quoted")])
    workbook.save(out)


def _fill(source: zipfile.ZipFile, target: zipfile.ZipFile, data: ExchangeData, progress: Progress,
          sheet_rows: int) -> None:
    workbook_xml = source.read("xl/workbook.xml").decode()
    rels_xml = source.read("xl/_rels/workbook.xml.rels").decode()
    types_xml = source.read("[Content_Types].xml").decode()
    path_of = _sheet_paths(workbook_xml, rels_xml)
    styles = _cell_styles(source.read("xl/styles.xml").decode())
    tables = {sheet.title: sheet for sheet in data.sheets}
    about = Sheet("About", ["Field", "Value"], data.about, {"Value": 80})
    streamed = {path_of[title]: title for title in list(tables) + ["About"]}
    numbers = itertools.count(len(path_of) + 1)   # new sheet parts: sheetN.xml after openpyxl's
    continued: dict[str, list[str]] = {}   # table → its continuation sheets' names
    added: list[tuple[str, str, str]] = []  # (after sheet, new sheet, its path)
    for entry in source.infolist():
        name = entry.filename
        if name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
            continue  # written last, with any continuation sheets added
        title = streamed.get(name)
        if title is None:
            target.writestr(entry, source.read(name))
            continue
        if title == "About" and continued:
            about.rows = list(data.about) + [[
                "Continued sheets", "; ".join(f"{table} continues on " + ", ".join(names)
                                              for table, names in continued.items())
                + f". A sheet holds at most {sheet_rows:,} rows"
                + (" (Excel's limit)" if sheet_rows == EXCEL_MAX_ROWS else "")
                + ", so longer tables continue on sheets named like this, each with the header row."]]
        sheet = tables.get(title, about)
        parts = _stream_table(target, name, sheet, styles, progress,
                              EXCEL_MAX_ROWS if sheet is about else sheet_rows,  # About stays one sheet
                              lambda: f"xl/worksheets/sheet{next(numbers)}.xml")
        for part_title, part_path in parts:
            continued.setdefault(title, []).append(part_title)
            added.append((title, part_title, part_path))
    target.writestr("xl/workbook.xml", _add_sheets(workbook_xml, added, rels_offset=_max_rel_id(rels_xml)))
    target.writestr("xl/_rels/workbook.xml.rels", _add_rels(rels_xml, added))
    target.writestr("[Content_Types].xml", _add_types(types_xml, added))


def _stream_table(target: zipfile.ZipFile, path: str, sheet: Sheet, styles: tuple[str, str, str], progress: Progress,
                  sheet_rows: int, new_path: Callable[[], str]) -> list[tuple[str, str]]:
    """Write `sheet` to `path` (and its continuation sheets); returns the continuations (title, path)."""
    columns = [get_column_letter(i) for i in range(1, len(sheet.headers) + 1)]
    header = _row_xml(1, list(sheet.headers), columns, styles)
    parts: list[tuple[str, str]] = []
    count = 0
    rows = iter(sheet.rows)
    part_title, part_path = sheet.title, path
    while True:
        written = 0
        with target.open(part_path, "w", force_zip64=True) as stream:
            buffer = [_sheet_start(sheet, columns), header]
            size = 0
            for row in rows:
                written += 1
                count += 1
                text = _row_xml(written + 1, row, columns, styles)
                buffer.append(text)
                size += len(text)
                if size > _CHUNK:
                    stream.write("".join(buffer).encode("utf-8"))
                    buffer, size = [], 0
                if count % 1000 == 0:
                    progress(sheet.title, count)
                if written == sheet_rows - 1:
                    break
            buffer.append(f'</sheetData><autoFilter ref="A1:{columns[-1]}{written + 1}"/></worksheet>')
            stream.write("".join(buffer).encode("utf-8"))
        if written < sheet_rows - 1:
            break
        # The sheet is full: go on to the next only if there is another row.
        try:
            first = next(rows)
        except StopIteration:
            break
        rows = _chain_one(first, rows)
        part_title = f"{sheet.title} ({len(parts) + 2})"
        part_path = new_path()
        parts.append((part_title, part_path))
    progress(sheet.title, count)
    return parts


def _chain_one(first, rest):
    yield first
    yield from rest


def _sheet_start(sheet: Sheet, columns: list[str]) -> str:
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{sheet.widths.get(h, max(12, min(len(h) + 4, 30)))}" customWidth="1"/>'
        for i, h in enumerate(sheet.headers, start=1))
    return (f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetPr><outlinePr summaryBelow="1" summaryRight="1"/>'
            '</sheetPr><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            f'</sheetView></sheetViews><sheetFormatPr baseColWidth="8" defaultRowHeight="15"/><cols>{cols}</cols>'
            '<sheetData>')


def _row_xml(number: int, values, columns: list[str], styles: tuple[str, str, str]) -> str:
    """One <row>: text as inline strings (cleaned by cells.clean_text, then escaped), numbers,
    booleans, and dates as Excel serial numbers with the UK date style; None writes no cell."""
    n = str(number)
    parts = [f'<row r="{n}">']
    append = parts.append
    for column, value in zip(columns, values):
        kind = value.__class__
        if kind is str:
            append(f'<c r="{column}{n}{_text(value, styles[2])}')
        elif value is None:
            continue
        elif kind is int:
            append(f'<c r="{column}{n}" t="n"><v>{value}</v></c>')
        elif kind is float:
            append(f'<c r="{column}{n}" t="n"><v>{"%.16g" % value}</v></c>')
        elif kind is bool:
            append(f'<c r="{column}{n}" t="b"><v>{int(value)}</v></c>')
        elif isinstance(value, datetime):
            append(f'<c r="{column}{n}" s="{styles[1]}" t="n"><v>{"%.16g" % to_excel(value)}</v></c>')
        elif isinstance(value, date):
            append(f'<c r="{column}{n}" s="{styles[0]}" t="n"><v>{"%.16g" % to_excel(value)}</v></c>')
        elif isinstance(value, int):   # an int subclass (an enum's value, say)
            append(f'<c r="{column}{n}" t="n"><v>{int(value)}</v></c>')
        else:
            append(f'<c r="{column}{n}{_text(str(value), styles[2])}')
    append("</row>")
    return "".join(parts)


@lru_cache(maxsize=16384)
def _text(value: str, quoted_style: str) -> str:
    """The end of a text cell (after its reference): cleaned as cells.clean_text, escaped for XML,
    with the quote-prefix style when the text looks like a formula."""
    if not value:
        return '" t="inlineStr"/>'
    text = clean_text(value)
    style = f' s="{quoted_style}"' if needs_quote_prefix(text) else ""
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'"{style} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


def _sheet_paths(workbook_xml: str, rels_xml: str) -> dict[str, str]:
    targets = {m.group(2): m.group(1) for m in re.finditer(r'<Relationship [^>]*Target="([^"]+)"[^>]*Id="([^"]+)"',
                                                           rels_xml)}
    paths = {}
    for m in re.finditer(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', workbook_xml):
        target = targets[m.group(2)]
        paths[_unescape(m.group(1))] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return paths


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


def _cell_styles(styles_xml: str) -> tuple[str, str, str]:
    """The cell style ids (cellXfs positions) of the two date formats and the quote prefix that
    openpyxl registered."""
    formats = {code: num for num, code in re.findall(r'<numFmt numFmtId="(\d+)" formatCode="([^"]+)"', styles_xml)}
    xfs = re.findall(r"<xf [^>]*>", re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles_xml, re.S).group(1))
    ids = [re.search(r'numFmtId="(\d+)"', xf).group(1) for xf in xfs]
    quoted = next(n for n, xf in enumerate(xfs) if 'quotePrefix="1"' in xf)
    return str(ids.index(formats[DATE_FORMAT])), str(ids.index(formats[DATETIME_FORMAT])), str(quoted)


def _max_rel_id(rels_xml: str) -> int:
    return max(int(n) for n in re.findall(r'Id="rId(\d+)"', rels_xml))


def _add_sheets(workbook_xml: str, added, rels_offset: int) -> str:
    if not added:
        return workbook_xml
    next_id = max(int(n) for n in re.findall(r'sheetId="(\d+)"', workbook_xml)) + 1
    for number, (after, title, _path) in enumerate(added):
        anchor = re.search(r'<sheet [^>]*name="' + re.escape(escape(after, {'"': "&quot;"})) + r'"[^>]*/>', workbook_xml)
        # After the table's last continuation sheet so far, so "Answers (2)" comes before "Answers (3)".
        previous = [t for a, t, _ in added[:number] if a == after]
        if previous:
            anchor = re.search(r'<sheet [^>]*name="' + re.escape(escape(previous[-1])) + r'"[^>]*/>', workbook_xml)
        element = (f'<sheet xmlns:r="{_REL}" name="{escape(title)}" sheetId="{next_id + number}" state="visible" '
                   f'r:id="rId{rels_offset + number + 1}"/>')
        workbook_xml = workbook_xml[:anchor.end()] + element + workbook_xml[anchor.end():]
    return workbook_xml


def _add_rels(rels_xml: str, added) -> str:
    offset = _max_rel_id(rels_xml)
    extra = "".join(f'<Relationship Type="{_REL}/worksheet" Target="/{path}" Id="rId{offset + n + 1}"/>'
                    for n, (_after, _title, path) in enumerate(added))
    return rels_xml.replace("</Relationships>", extra + "</Relationships>")


def _add_types(types_xml: str, added) -> str:
    extra = "".join(f'<Override PartName="/{path}" ContentType="{_SHEET_TYPE}"/>' for _a, _t, path in added)
    return types_xml.replace("</Types>", extra + "</Types>")


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
    rows.extend(_summary_targets_and_compliance(report))
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


def _summary_targets_and_compliance(report: dict) -> list[list]:
    """The Summary's targets (each with its figure and red/amber/green status) and compliance
    answers (count and % per option); a figure from fewer than 5 audits says so."""
    rows: list[list] = []
    if report.get("targets"):
        rows += [[], ["Target", "Target %", "Actual %", "Status", "Audits", "Note"]]
        for t in report["targets"]:
            rows.append([t["name"], t["value"], t["actual"], (t["status"] or "no figure").capitalize(), t["audits"],
                         "Fewer than 5 audits" if t.get("small_number") else ""])
    if report.get("compliance"):
        rows += [[], ["Compliance question", "Answer", "Count", "%", "Answers", "Median"]]
        for entry in report["compliance"].values():
            note = " (fewer than 5 audits)" if 0 < entry["answers"] < 5 else ""
            for index, (label, n) in enumerate(entry["options"].items()):
                rows.append([entry["question"] + note if index == 0 else "", label, n, entry["percent"][label],
                             entry["answers"] if index == 0 else None, entry["median"] if index == 0 else None])
    return rows


__all__ = ["FORMAT_VERSION", "ExchangeData", "Sheet", "write_workbook"]
