"""Tests for qa_app.spreadsheets.reader: every hostile file is built here, in the test."""
from __future__ import annotations

import io
import random
import struct
import zipfile
from datetime import date, datetime

import openpyxl
import openpyxl.xml
import pytest

from qa_app.spreadsheets.reader import (
    Limits,
    Row,
    Table,
    UnreadableFile,
    read_table,
    read_workbook,
    sniff_kind,
)


# --------------------------------------------------------------------------- helpers


def make_xlsx(sheets: dict[str, list[list[object]]] | None = None, rows: list[list[object]] | None = None) -> bytes:
    """A real workbook written by openpyxl; ``rows`` is shorthand for one sheet called 'Cases'."""
    sheets = sheets if sheets is not None else {"Cases": rows or []}
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, sheet_rows in sheets.items():
        ws = wb.create_sheet(title)
        for r, values in enumerate(sheet_rows, start=1):
            for c, value in enumerate(values, start=1):
                if value is not None:
                    ws.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rewrite_zip(data: bytes, changes: dict[str, object] | None = None, drop: tuple[str, ...] = (),
                add: dict[str, bytes] | None = None, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """Copy a zip, replacing members (bytes, or a function old bytes -> new bytes), dropping or adding some."""
    changes = changes or {}
    src = zipfile.ZipFile(io.BytesIO(data))
    assert set(changes) <= set(src.namelist()), "changing a member that isn't there"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            content = src.read(info.filename)
            change = changes.get(info.filename)
            if change is not None:
                content = change(content) if callable(change) else change
            dst.writestr(info.filename, content)
        for name, content in (add or {}).items():
            dst.writestr(name, content)
    return out.getvalue()


def replace_in(old: str, new: str):
    def change(content: bytes) -> bytes:
        assert old.encode() in content, f"{old!r} not found"
        return content.replace(old.encode(), new.encode())
    return change


SHEET = "xl/worksheets/sheet1.xml"


def replace_dimension(ref: str):
    """Claim another size in the sheet's <dimension> (however the writer spaced the tag)."""
    import re

    def change(content: bytes) -> bytes:
        new, count = re.subn(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), content)
        assert count == 1, "no <dimension> in the sheet"
        return new
    return change


def with_shared_strings(data: bytes, strings: list[str], prefix: str = "") -> bytes:
    """Turn the inline strings 'SS0', 'SS1', ... of sheet1 into shared strings (openpyxl writes inline ones)."""
    items = "".join(f"<si><t>{s}</t></si>" for s in strings)
    table = (f'{prefix}<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             f'count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>')

    def sheet(content: bytes) -> bytes:
        for i in range(len(strings)):
            content = replace_in(f't="inlineStr"><is><t>SS{i}</t></is>', f't="s"><v>{i}</v>')(content)
        return content

    return rewrite_zip(data, changes={
        SHEET: sheet,
        "xl/_rels/workbook.xml.rels": replace_in("</Relationships>", (
            '<Relationship Id="rIdSS" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/sharedStrings"/></Relationships>')),
        "[Content_Types].xml": replace_in("</Types>", (
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')),
    }, add={"xl/sharedStrings.xml": table.encode("utf-16" if "UTF-16" in prefix else "utf-8")})


def unreadable(data: bytes, filename: str, **kwargs) -> str:
    with pytest.raises(UnreadableFile) as info:
        read_table(data, filename, **kwargs)
    assert type(info.value) is UnreadableFile
    message = info.value.message
    assert isinstance(message, str) and message.endswith((".", ")")) and "Traceback" not in message
    return message


GOOD = [["Child ID", "Team", "Score", "Audited on"],
        ["C001", "  North  ", 3, datetime(2024, 5, 1, 0, 0)],
        [None, None, None, None],
        ["C002", "South", 2.5, datetime(2024, 6, 2, 13, 30)]]


# --------------------------------------------------------------------------- good files


def test_csv_without_bom():
    table = read_table(b"Child ID,Team,Score\nC001, North ,3\nC002,,\n", "cases.csv")
    assert table == Table(sheet=None, headers=("Child ID", "Team", "Score"), rows=(
        Row(2, {"Child ID": "C001", "Team": "North", "Score": "3"}),
        Row(3, {"Child ID": "C002", "Team": None, "Score": None}),
    ))


def test_csv_with_bom_crlf_quotes_and_blank_rows():
    data = '\ufeffChild ID,Note\r\nC001,"Says ""hi"", then, leaves"\r\n,\r\n\r\nC002,Zoë\r\n'.encode()
    table = read_table(data, "CASES.CSV")
    assert table.headers == ("Child ID", "Note")
    assert [(r.number, r.values) for r in table.rows] == [
        (2, {"Child ID": "C001", "Note": 'Says "hi", then, leaves'}),
        (5, {"Child ID": "C002", "Note": "Zoë"}),
    ]


def test_csv_fewer_cells_than_headers_are_none():
    table = read_table(b"A,B,C\n1\n", "x.csv")
    assert table.rows == (Row(2, {"A": "1", "B": None, "C": None}),)


@pytest.mark.parametrize("sep", [";", "\t"])
def test_semicolon_and_tab_csv(sep):
    data = f"Child ID{sep}Score{sep}Note\nC001{sep}3,5{sep}a, b\n".encode()
    table = read_table(data, "x.csv")
    assert table.headers == ("Child ID", "Score", "Note")
    assert table.rows[0].values == {"Child ID": "C001", "Score": "3,5", "Note": "a, b"}


def test_xlsx_first_sheet_types_and_row_numbers():
    data = make_xlsx({"Cases": GOOD, "Other": [["X"], ["y"]]})
    table = read_table(data, "audit.xlsx")
    assert table.sheet == "Cases"
    assert table.headers == ("Child ID", "Team", "Score", "Audited on")
    assert [r.number for r in table.rows] == [2, 4]
    first, second = (r.values for r in table.rows)
    assert first == {"Child ID": "C001", "Team": "North", "Score": 3, "Audited on": datetime(2024, 5, 1)}
    assert isinstance(first["Score"], int) and isinstance(second["Score"], float)
    assert second["Audited on"] == datetime(2024, 6, 2, 13, 30)


def test_xlsx_named_sheet_case_insensitive_and_date_only():
    data = make_xlsx({"Cases": GOOD, "Team list": [["Team", "Since"], ["North", date(2020, 1, 31)]]})
    table = read_table(data, "audit.xlsx", sheet="team LIST")
    assert table.sheet == "Team list"
    assert table.rows[0].values["Since"] == datetime(2020, 1, 31)


def test_xlsx_missing_sheet():
    message = unreadable(make_xlsx({"Cases": GOOD}), "a.xlsx", sheet="Teams")
    assert "'Teams'" in message and "'Cases'" in message


def test_hidden_first_sheet_is_skipped():
    data = make_xlsx({"Lookup": [["Code"], ["x"]], "Cases": GOOD})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    wb["Lookup"].sheet_state = "hidden"
    out = io.BytesIO()
    wb.save(out)
    assert read_table(out.getvalue(), "a.xlsx").sheet == "Cases"


def test_read_workbook_several_sheets():
    data = make_xlsx({"Cases": GOOD, "Teams": [["team"], ["North"]]})
    tables = read_workbook(data, "a.xlsx", sheets=["Teams", "Cases"])
    assert set(tables) == {"Teams", "Cases"}
    assert tables["Teams"].rows == (Row(2, {"team": "North"}),)
    assert len(tables["Cases"].rows) == 2
    with pytest.raises(UnreadableFile, match="'Missing'"):
        read_workbook(data, "a.xlsx", sheets=["Cases", "Missing"])
    with pytest.raises(UnreadableFile, match="Excel workbook"):
        read_workbook(b"a,b\n1,2\n", "a.csv", sheets=["Cases"])


def test_header_aliases_and_case_insensitivity():
    aliases = {"team name": "Team", "child id": "Child ID", "id": "Child ID"}
    table = read_table(b"  CHILD   id ,Team  Name\nC1,North\n", "x.csv", header_aliases=aliases)
    assert table.headers == ("Child ID", "Team")
    assert table.rows[0].values == {"Child ID": "C1", "Team": "North"}
    table = read_table(make_xlsx(rows=[["ID", "team"], ["C1", "N"]]), "x.xlsx", header_aliases=aliases)
    assert table.headers == ("Child ID", "Team")


def test_duplicate_headers():
    assert "'Team'" in unreadable(b"Team,Score,team\n", "x.csv")
    message = unreadable(b"Team,Team name\n", "x.csv", header_aliases={"team name": "Team"})
    assert "'Team name'" in message and "both mean 'Team'" in message
    assert "'Score'" in unreadable(make_xlsx(rows=[["Score", "Score"], [1, 2]]), "x.xlsx")


def test_empty_header_row():
    assert "Row 1 must contain the column headings" in unreadable(b",,\nC1,2,3\n", "x.csv")
    assert "Row 1 must contain" in unreadable(make_xlsx(rows=[[], ["C1", 2]]), "x.xlsx")
    assert "empty" in unreadable(make_xlsx(rows=[]), "x.xlsx")


def test_value_in_column_without_heading():
    assert "Row 2, column C" in unreadable(b"A,B\n1,2,3\n", "x.csv")
    assert read_table(b"A,B\n1,2,,\n", "x.csv").rows[0].values == {"A": "1", "B": "2"}


def test_sniff_kind():
    assert sniff_kind(b"a,b\n", "x.csv") == "csv"
    assert sniff_kind(make_xlsx(rows=[["a"]]), "x.XLSX") == "xlsx"
    with pytest.raises(UnreadableFile):
        sniff_kind(b"%PDF-1.7", "x.xlsx")


# --------------------------------------------------------------------------- defences: the file as a whole


@pytest.mark.parametrize("data", [b"", b"   \r\n\t ", b"\xef\xbb\xbf", b"\xef\xbb\xbf \n"])
@pytest.mark.parametrize("name", ["x.csv", "x.xlsx"])
def test_empty_file(data, name):
    assert unreadable(data, name) == "The file is empty."


def test_too_big():
    message = unreadable(b"a,b\n" + b"1,2\n" * 2_700_000, "x.csv")
    assert "10 MB" in message
    assert "1 KB" in unreadable(b"a\n" + b"x\n" * 1000, "x.csv", limits=Limits(max_bytes=1024))


@pytest.mark.parametrize("name", ["x.xls", "x.txt", "x.pdf", "noextension", "x.xlsm", None])
def test_wrong_extension(name):
    message = unreadable(b"a,b\n1,2\n", name)
    assert ".csv" in message and ".xlsx" in message


@pytest.mark.parametrize("data, what", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
    (b"Child ID,Team\nC1,North\n", ""),
])
def test_other_file_renamed_xlsx(data, what):
    message = unreadable(data, "cases.xlsx")
    assert "not an Excel workbook" in message and what in message


def test_ole_file_is_password_protected_or_xls():
    data = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)
    message = unreadable(data, "cases.xlsx")
    assert "password-protected" in message and ".xls" in message and "without a password" in message
    assert ".xls" in unreadable(data, "cases.csv")


def test_xlsx_renamed_csv():
    assert ".xlsx" in unreadable(make_xlsx(rows=[["a"]]), "cases.csv")


def test_truncated_xlsx():
    data = make_xlsx(rows=GOOD)
    assert "damaged or incomplete" in unreadable(data[: len(data) // 2], "x.xlsx")


def test_corrupt_zip_bad_crc():
    data = rewrite_zip(make_xlsx(rows=GOOD), compression=zipfile.ZIP_STORED)
    at = data.index(b"<sheetData>") + 3
    corrupt = data[:at] + bytes([data[at] ^ 0x20]) + data[at + 1:]
    assert "damaged or incomplete" in unreadable(corrupt, "x.xlsx")


@pytest.mark.parametrize("missing", ["[Content_Types].xml", "xl/workbook.xml"])
def test_zip_missing_required_part(missing):
    data = rewrite_zip(make_xlsx(rows=GOOD), drop=(missing,))
    assert "damaged or incomplete" in unreadable(data, "x.xlsx")


def test_lying_declared_size_is_caught():
    data = rewrite_zip(make_xlsx(rows=GOOD), compression=zipfile.ZIP_STORED)
    # Shrink the declared uncompressed size of the sheet in the central directory and local header.
    name = b"xl/worksheets/sheet1.xml"
    for signature, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        header = data.rindex(signature, 0, data.rindex(name) if signature == b"PK\x01\x02" else data.index(name))
        data = data[:header + offset] + struct.pack("<I", 10) + data[header + offset + 4:]
    assert "damaged" in unreadable(data, "x.xlsx")


def test_zip_bomb_too_many_entries():
    data = rewrite_zip(make_xlsx(rows=GOOD), add={f"xl/media/pad{i}.txt": b"x" for i in range(1_001)})
    assert "too many internal parts" in unreadable(data, "x.xlsx")
    assert "1,000" in unreadable(data, "x.xlsx")


def test_zip_bomb_declared_size():
    filler = " " * 2_000_000
    data = rewrite_zip(make_xlsx(rows=GOOD), changes={
        SHEET: replace_in("<sheetData>", f"<sheetData>{filler}")})
    assert len(data) < 100_000
    message = unreadable(data, "x.xlsx", limits=Limits(max_uncompressed_bytes=1_000_000))
    assert "too large" in message and "976.6 KB" in message


def test_zip_bomb_compression_ratio():
    filler = " " * 5_000_000
    data = rewrite_zip(make_xlsx(rows=GOOD), changes={
        SHEET: replace_in("<sheetData>", f"<sheetData>{filler}")})
    assert "unpacks to far more than its stored size" in unreadable(data, "x.xlsx")


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]>"
)


def test_billion_laughs_in_sheet():
    data = rewrite_zip(make_xlsx(rows=GOOD), changes={
        SHEET: lambda c: BILLION_LAUGHS.encode() + c.replace(b"C001", b"&lol9;")})
    assert "XML features that are not allowed" in unreadable(data, "x.xlsx")


def test_shared_strings_are_read():
    data = with_shared_strings(make_xlsx(rows=[["SS0"], ["SS1"]]), ["Team", " North "])
    assert read_table(data, "x.xlsx").rows == (Row(2, {"Team": "North"}),)


@pytest.mark.parametrize("prefix", [
    '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    '<?xml version="1.0" encoding="UTF-16"?><!doctype x [<!entity xxe SYSTEM "file:///etc/passwd">]>',
])
def test_doctype_in_shared_strings(prefix):
    data = with_shared_strings(make_xlsx(rows=[["SS0"], ["SS1"]]), ["Team", "&xxe;"], prefix=prefix)
    assert "XML features that are not allowed" in unreadable(data, "x.xlsx")


def test_openpyxl_uses_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True


# --------------------------------------------------------------------------- defences: rows, columns, cells


def test_dimension_claiming_a_million_rows():
    data = rewrite_zip(make_xlsx(rows=[["A", "B"], [1, 2], [3, 4], [5, 6]]), changes={
        SHEET: replace_dimension("A1:Z1000000")})
    table = read_table(data, "x.xlsx", limits=Limits(max_rows=3))
    assert [r.values["B"] for r in table.rows] == [2, 4, 6]


def test_too_many_rows_xlsx_but_trailing_empty_rows_do_not_count():
    rows = [["A"]] + [[i] for i in range(3)]
    ok = rewrite_zip(make_xlsx(rows=rows), changes={SHEET: replace_in(
        "</sheetData>", "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t> </t></is></c></row>'
                                for r in range(5, 50)) + "</sheetData>")})
    assert len(read_table(ok, "x.xlsx", limits=Limits(max_rows=3)).rows) == 3
    message = unreadable(make_xlsx(rows=rows + [[4]]), "x.xlsx", limits=Limits(max_rows=3))
    assert "more than 3 rows" in message and "the limit is 3" in message


def test_too_many_rows_csv():
    data = b"A\n" + b"x\n" * 6
    assert "more than 5 rows" in unreadable(data, "x.csv", limits=Limits(max_rows=5))
    assert len(read_table(b"A\n" + b"x\n" * 5 + b"\n,\n" * 10, "x.csv", limits=Limits(max_rows=5)).rows) == 5


def test_row_beyond_excel_limit():
    data = rewrite_zip(make_xlsx(rows=[["A"], [1]]), changes={SHEET: replace_in(
        "</sheetData>", '<row r="1048577"><c r="A1048577"><v>1</v></c></row></sheetData>')})
    assert "more rows than Excel allows" in unreadable(data, "x.xlsx")


def test_too_many_columns():
    limits = Limits(max_columns=5)
    assert "6 columns; the limit is 5" in unreadable(b"a,b,c,d,e,f\n", "x.csv", limits=limits)
    assert "Row 3 has 7 columns" in unreadable(b"a,b\n1,2\n1,2,3,4,5,6,7\n", "x.csv", limits=limits)
    data = make_xlsx(rows=[[f"h{i}" for i in range(6)]])
    assert "6 columns; the limit is 5" in unreadable(data, "x.xlsx", limits=limits)
    assert "250 columns" in unreadable((",".join(f"h{i}" for i in range(250)) + "\n").encode(), "x.csv")


def test_nul_in_csv():
    message = unreadable(b"A,B\n1,2\n3,x\x00y\n", "x.csv")
    assert "NUL characters (row 3)" in message and "CSV UTF-8" in message


def test_nul_in_xlsx_cell():
    rows = [["Child ID", "Team"], ["C1", "North"], ["C2", "SS0"]]
    data = with_shared_strings(make_xlsx(rows=rows), ["Sou_x0000_th"])  # how Excel stores a NUL
    message = unreadable(data, "x.xlsx")
    assert "Row 3, column 'Team'" in message and "NUL" in message
    raw = rewrite_zip(make_xlsx(rows=rows), changes={SHEET: replace_in("SS0", "Sou\x00th")})
    assert "damaged" in unreadable(raw, "x.xlsx")  # a raw NUL byte is not well-formed XML


def test_excel_escaped_control_characters_are_decoded():
    data = with_shared_strings(make_xlsx(rows=[["Note"], ["SS0"]]), ["one_x000D_\ntwo"])
    assert read_table(data, "x.xlsx").rows[0].values["Note"] == "one\r\ntwo"


def test_huge_cell_csv():
    data = b"Child ID,Team\n" + b"C1,North\n" * 12 + b"C13," + b"x" * 200_000 + b"\n"
    assert unreadable(data, "x.csv") == (
        "Row 14, column 'Team': the text is 200,000 characters long; the limit is 10,000.")


def test_huge_cell_xlsx():
    rows = [["Child ID", "Team"]] + [[f"C{i}", "North"] for i in range(12)] + [["C13", "SS0"]]
    data = with_shared_strings(make_xlsx({"Cases": rows, "Other": [["x"]]}), ["x" * 200_000])
    assert unreadable(data, "x.xlsx") == (
        "Sheet 'Cases', row 14, column 'Team': the text is 200,000 characters long; the limit is 10,000.")


def test_huge_header_cell():
    assert "column A: the text is 20,000" in unreadable(b"x" * 20_000 + b"\n1\n", "x.csv")


def test_non_utf8_csv():
    message = unreadable("Child ID,Name\nC1,Zoë Brontë\n".encode("latin-1"), "x.csv")
    assert "CSV UTF-8" in message
    assert "CSV UTF-8" in unreadable("A,B\n".encode("utf-16"), "x.csv")


def test_csv_syntax_error_is_friendly():
    message = unreadable(b'A,B\n1,2\n"3"x,4\n', "x.csv")
    assert "line 3" in message and "quotation mark" in message
    assert "line" in unreadable(b'A,B\n1,"unterminated\n', "x.csv")


def test_formula_cells_give_cached_values_or_none():
    table = read_table(make_xlsx(rows=[["A", "B"], [1, "=A2*2"]]), "x.xlsx")
    assert table.rows[0].values == {"A": 1, "B": None}


def test_mutated_workbooks_only_ever_raise_unreadable_file():
    data = make_xlsx({"Cases": GOOD, "Teams": [["Team"], ["North"]]})
    rng = random.Random(1234)
    for _ in range(60):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        try:
            result = read_table(bytes(mutated), "x.xlsx")
        except UnreadableFile:
            continue
        assert isinstance(result, Table)


def test_defusedxml_still_refuses_entities_if_the_scan_missed_them(monkeypatch):
    from qa_app.spreadsheets import reader
    monkeypatch.setattr(reader, "_FORBIDDEN_XML", ())
    data = rewrite_zip(make_xlsx(rows=GOOD), changes={
        SHEET: lambda c: BILLION_LAUGHS.encode() + c.replace(b"C001", b"&lol9;")})
    assert "damaged" in unreadable(data, "x.xlsx")


def test_chart_sheet_and_csv_given_a_sheet_name():
    from openpyxl.chart import BarChart, Reference
    wb = openpyxl.Workbook()
    wb.active.append(["A"])
    wb.active.append([1])
    chart = BarChart()
    chart.add_data(Reference(wb.active, min_col=1, min_row=1, max_row=2), titles_from_data=True)
    wb.create_chartsheet("Chart", 0).add_chart(chart)  # the chart comes first: the table is still found
    out = io.BytesIO()
    wb.save(out)
    assert "is a chart" in unreadable(out.getvalue(), "x.xlsx", sheet="Chart")
    assert read_table(out.getvalue(), "x.xlsx").rows == (Row(2, {"A": 1}),)
    assert read_table(b"A\n1\n", "x.csv", sheet="ignored").rows == (Row(2, {"A": "1"}),)


def test_a_table_continues_on_numbered_sheets_when_asked():
    from openpyxl import Workbook

    from qa_app.spreadsheets.reader import read_workbook

    workbook = Workbook()
    first = workbook.active
    first.title = "Answers"
    for values in (["ID", "Key"], [1, "a"], [2, "b"]):
        first.append(values)
    second = workbook.create_sheet("Answers (2)")
    for values in (["ID", "Key"], [3, "c"]):
        second.append(values)
    workbook.create_sheet("Answers (4)").append(["ID", "Key"])   # not after (3): not read
    out = io.BytesIO()
    workbook.save(out)
    table = read_workbook(out.getvalue(), "x.xlsx", sheets=["Answers"], continued=("Answers",))["Answers"]
    assert [(r.sheet, r.number, r.values["ID"]) for r in table.rows] == [
        ("Answers", 2, 1), ("Answers", 3, 2), ("Answers (2)", 2, 3)]
    plain = read_workbook(out.getvalue(), "x.xlsx", sheets=["Answers"])["Answers"]
    assert [r.values["ID"] for r in plain.rows] == [1, 2]
    other = workbook["Answers (2)"]
    other["B1"] = "Something else"
    out = io.BytesIO()
    workbook.save(out)
    with pytest.raises(UnreadableFile, match="must have the same column headings"):
        read_workbook(out.getvalue(), "x.xlsx", sheets=["Answers"], continued=("Answers",))


def _workbook_bytes(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_streamed_workbook_gives_the_rows_read_workbook_gives():
    from openpyxl import Workbook

    from qa_app.spreadsheets.reader import stream_workbook

    workbook = Workbook()
    first = workbook.active
    first.title = "Answers"
    for values in (["ID", "Key"], [1, "a"], [2, "b"]):
        first.append(values)
    second = workbook.create_sheet("Answers (2)")
    for values in (["ID", "Key"], [3, "c"]):
        second.append(values)
    workbook.create_sheet("About").append(["Field", "Value"])
    data = _workbook_bytes(workbook)
    read = read_workbook(data, "x.xlsx", sheets=["Answers", "About", "Actions"], optional=("Actions",),
                         continued=("Answers",))
    with stream_workbook(data, "x.xlsx", sheets=["Answers", "About", "Actions"], optional=("Actions",),
                         continued=("Answers",)) as streamed:
        assert set(streamed) == set(read) == {"Answers", "About"}
        for name, table in read.items():
            assert streamed[name].headers == table.headers
            assert tuple(streamed[name].rows) == table.rows

    # A continuation sheet with other headings is refused when the reading gets there.
    workbook["Answers (2)"]["B1"] = "Something else"
    with stream_workbook(_workbook_bytes(workbook), "x.xlsx", sheets=["Answers"], continued=("Answers",)) as streamed:
        rows = streamed["Answers"].rows
        assert next(rows).values == {"ID": 1, "Key": "a"}
        with pytest.raises(UnreadableFile, match="must have the same column headings"):
            list(rows)
    # Missing sheets, a CSV, too many rows: the same sentences as read_workbook.
    with pytest.raises(UnreadableFile, match="has no sheet called 'Audits'"):
        with stream_workbook(data, "x.xlsx", sheets=["Audits"]):
            pass
    with pytest.raises(UnreadableFile, match="a CSV file has only one sheet"):
        with stream_workbook(b"ID\n1\n", "x.csv", sheets=["Answers"]):
            pass
    with stream_workbook(data, "x.xlsx", sheets=["Answers"], continued=("Answers",),
                         limits=Limits(max_rows=2)) as streamed:
        with pytest.raises(UnreadableFile, match="more than 2 rows of data together"):
            list(streamed["Answers"].rows)


def test_a_streamed_workbook_is_read_in_flat_memory():
    """read_workbook holds every row at once; stream_workbook one at a time (what stays is openpyxl's
    table of shared strings, which an .xlsx keeps in one part, read whole)."""
    import tracemalloc

    from openpyxl import Workbook

    from qa_app.spreadsheets.reader import stream_workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Answers")
    sheet.append(["Audit ID", "Question key", "Auditor answer", "Evidence"])
    for n in range(3_000):
        sheet.append([f"A{n // 40}", f"q{n % 40}", "Yes", f"Evidence text number {n} " * 3])
    data = _workbook_bytes(workbook)

    def peak(read) -> int:
        tracemalloc.start()
        try:
            read()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    def streamed():
        with stream_workbook(data, "x.xlsx", sheets=["Answers"], continued=("Answers",)) as tables:
            assert sum(1 for _ in tables["Answers"].rows) == 3_000

    whole = peak(lambda: read_workbook(data, "x.xlsx", sheets=["Answers"], continued=("Answers",)))
    flat = peak(streamed)
    assert flat * 2 < whole, (flat, whole)
