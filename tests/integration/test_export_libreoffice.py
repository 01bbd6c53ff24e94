"""The exported workbook opened by a real spreadsheet program (LibreOffice, headless)."""

import csv
import io
import shutil
import subprocess

import pytest

from qa_app.exchange.export import write_exchange_workbook
from qa_app.reports.builder import round_report
from qa_app.reports.queries import ReportFilter
from tests.integration.test_export_workbook import FIXED_AUDIT_HEADERS, PAYLOADS, data  # noqa: F401

SOFFICE = shutil.which("soffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (make test installs it)")


def convert(path, tmp_path):
    out = tmp_path / "csv"
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless", "--convert-to",
         "csv:Text - txt - csv (StarCalc):44,34,UTF8,1,,0,false,true,false,false,false,-1", "--outdir", str(out),
         str(path)],
        check=True, capture_output=True, timeout=180,
    )
    return {p.stem.split("-", 1)[1]: list(csv.reader(io.StringIO(p.read_text(encoding="utf-8"))))
            for p in out.glob("*.csv")}


def test_libreoffice_opens_the_workbook_and_sees_the_same_figures(data, tmp_path):  # noqa: F811
    first, _second, _ = data
    path = tmp_path / "export.xlsx"
    with path.open("wb") as out:
        write_exchange_workbook(out, filters=ReportFilter(round_ids=(first.id,)), generated_by="test")
    sheets = convert(path, tmp_path)
    assert {"Summary", "Audits", "Answers", "Themes", "Moderation", "Actions", "Challenges", "About"} <= set(sheets)
    assert sheets["Audits"][0][:18] == FIXED_AUDIT_HEADERS
    report = round_report(first)
    summary = {row[0]: row[1] for row in sheets["Summary"] if len(row) > 1}
    assert int(summary["Audits completed"]) == report["audits"]
    assert float(summary["% Inadequate (final grade)"]) == report["percent_inadequate"]
    # LibreOffice computed nothing from user text: every payload is still text, shown as typed
    # (the quote-prefix style, no apostrophe in front).
    shown = {row[19] for row in sheets["Audits"][1:]}  # Overall summary
    for payload in PAYLOADS[:6]:
        assert payload.strip() in {value.strip() for value in shown}, payload
    assert "2" not in shown  # "=1+1" was never evaluated


def test_formula_like_text_stays_text_when_libreoffice_saves_the_workbook_again(data, tmp_path):  # noqa: F811
    from openpyxl import load_workbook

    path = tmp_path / "export.xlsx"
    with path.open("wb") as out:
        write_exchange_workbook(out, filters=ReportFilter(), generated_by="test")
    out = tmp_path / "saved"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=180)
    saved = load_workbook(out / "export.xlsx")
    cells = {c.value: c for row in saved["Audits"].iter_rows(min_row=2) for c in row if isinstance(c.value, str)}
    for payload in ("=1+1", '=HYPERLINK("http://evil.example","click me")', "+1", "-1+1", "@SUM(1)"):
        # The same text, no apostrophe, still a text cell (LibreOffice 7 does not write the quote
        # prefix style back, but keeps the cell text).
        assert cells[payload].data_type == "s", payload
    assert not any(c.data_type == "f" for row in saved["Audits"].iter_rows() for c in row)


def test_libreoffice_opens_a_workbook_whose_tables_continue(app, data, tmp_path):  # noqa: F811
    app.config["EXPORT_SHEET_ROWS"] = 4
    path = tmp_path / "split.xlsx"
    with path.open("wb") as out:
        write_exchange_workbook(out, filters=ReportFilter(), generated_by="test")
    sheets = convert(path, tmp_path)
    answers = [name for name in sheets if name == "Answers" or name.startswith("Answers (")]
    assert len(answers) > 2 and "Audits (4)" in sheets
    assert all(sheets[name][0] == sheets["Answers"][0] for name in answers)   # the header on each
    assert sum(len(sheets[name]) - 1 for name in answers) == 50
