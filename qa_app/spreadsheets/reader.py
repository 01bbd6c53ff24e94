"""Read an uploaded CSV or Excel (.xlsx) table safely.

Everything a user can get wrong, and everything a hostile file can try, ends in :class:`UnreadableFile`
with a sentence a non-technical user can act on. No other exception type escapes for a bad file and
nothing is returned partially. Pure Python: no Flask, no database.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass

import openpyxl
from openpyxl.utils import get_column_letter

__all__ = ["Limits", "UnreadableFile", "Row", "Table", "read_table", "read_workbook", "sniff_kind", "stream_table",
           "check_extension", "stream_workbook", "TableStream"]


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10 * 1024 * 1024  # size of the uploaded file
    max_rows: int = 100_000  # data rows, header excluded, empty rows not counted
    max_columns: int = 200
    max_cell_chars: int = 10_000
    max_uncompressed_bytes: int = 200 * 1024 * 1024  # xlsx: all zip members together
    max_zip_entries: int = 1_000
    max_compression_ratio: int = 200  # per zip member over 1 MB unpacked


class UnreadableFile(Exception):
    """The upload can't be used; ``message`` is a sentence that is safe to show to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Row:
    number: int  # as the user sees it in Excel: header is row 1, first data row is 2
    values: dict[str, object]
    sheet: str | None = None  # the sheet it is on, when a table continues over several (read_workbook)


@dataclass(frozen=True)
class Table:
    sheet: str | None
    headers: tuple[str, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class TableStream:
    """A sheet being read (stream_workbook): its headers, and its rows as they are read (once)."""
    sheet: str | None
    headers: tuple[str, ...]
    rows: object   # an iterator of Row


EXCEL_MAX_ROWS = 1_048_576
_RATIO_MIN_SIZE = 1024 * 1024
_CHUNK = 64 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_BLANK_RE = re.compile(rb"\s*")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # C0 controls but tab, LF, CR; and DEL
_CONTROL_ESCAPE_RE = re.compile(r"_x00([01][0-9A-Fa-f])_")  # how Excel stores control characters
_FORBIDDEN_XML = tuple(w.encode(e) for w in ("<!doctype", "<!entity") for e in ("ascii", "utf-16-le", "utf-16-be"))
_OVERLAP = max(len(p) for p in _FORBIDDEN_XML) - 1
_NOT_SCANNED = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".bin")
_MAGIC_NAMES = ((b"%PDF", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
                (b"GIF8", "a GIF image"), (b"{\\rtf", "a Rich Text document"))

_ACCEPTED = "Upload a CSV file (.csv) or an Excel workbook (.xlsx)."
_RESAVE = "Open it in Excel, save it as an Excel Workbook (.xlsx) and upload the new file."
_SAVE_UTF8 = "choose File > Save As in Excel, pick 'CSV UTF-8 (Comma delimited) (*.csv)' and upload the new file."
MSG_EMPTY = "The file is empty."
MSG_DAMAGED = "The file is damaged or incomplete, so it can't be read. " + _RESAVE
MSG_OLE = ("The file is password-protected, or it is in the old Excel 97-2003 (.xls) format. Open it in Excel, "
           "remove any password (File > Info > Protect Workbook > Encrypt with Password), save it as an Excel "
           "Workbook (.xlsx) without a password and upload it again.")
MSG_XML = ("The workbook contains XML features that are not allowed (document type or entity declarations), "
           "so it can't be read safely. " + _RESAVE)
MSG_RATIO = ("The workbook is built in an unusual way (part of it unpacks to far more than its stored size), "
             "so it can't be read safely. " + _RESAVE)


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):,.1f}".removesuffix(".0") + " MB"
    if n >= 1024:
        return f"{n / 1024:,.1f}".removesuffix(".0") + " KB"
    return f"{n:,} bytes"


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


# --------------------------------------------------------------------------- the file as a whole


def _check_extension(filename: str | None) -> str:
    name = (filename or "").strip().rstrip(".").replace("\\", "/").rsplit("/", 1)[-1]
    ext = "." + name.rsplit(".", 1)[1].lower() if "." in name else ""
    if ext in (".csv", ".xlsx"):
        return ext[1:]
    if ext == ".xls":
        raise UnreadableFile("This is an old-style Excel 97-2003 file (.xls), which can't be read. " + _RESAVE
                             + " Only CSV files (.csv) and Excel workbooks (.xlsx) are accepted.")
    if not ext:
        raise UnreadableFile("The file name has no extension, so its type is unknown. " + _ACCEPTED)
    raise UnreadableFile(f"Files ending '{ext}' can't be uploaded. " + _ACCEPTED)


def _check_size(data: bytes, limits: Limits) -> None:
    if len(data) > limits.max_bytes:
        raise UnreadableFile(f"The file is too large ({_size(len(data))}). The largest file you can upload is "
                             f"{_size(limits.max_bytes)}. Split it into smaller files and upload them one at a time.")


def _sniff(data: bytes, filename: str | None) -> tuple[str, str | None]:
    """Return ("csv", decoded text) or ("xlsx", None), or raise UnreadableFile."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("data must be bytes")
    kind = _check_extension(filename)
    data = bytes(data)
    if _BLANK_RE.fullmatch(data, 3 if data.startswith(codecs.BOM_UTF8) else 0):
        raise UnreadableFile(MSG_EMPTY)
    if kind == "csv":
        return "csv", _decode_csv(data)
    if data.startswith(_OLE_MAGIC):  # what an encrypted .xlsx really is, and what an .xls is
        raise UnreadableFile(MSG_OLE)
    if not data.startswith(_ZIP_MAGIC):
        what = next((f" (it looks like {name})" for magic, name in _MAGIC_NAMES if data.startswith(magic)), "")
        raise UnreadableFile(f"The file is named .xlsx but it is not an Excel workbook{what}. " + _RESAVE)
    return "xlsx", None


def check_extension(filename: str | None) -> str:
    """"csv" or "xlsx" by the file's name alone (a quick first check before a file is kept for
    later); UnreadableFile for any other name."""
    return _check_extension(filename)


def sniff_kind(data: bytes, filename: str) -> str:
    """Return "csv" or "xlsx" judged by extension and content; raise UnreadableFile for anything else."""
    return _sniff(data, filename)[0]


# --------------------------------------------------------------------------- rows and cells, both formats


class _Where:
    """Starts messages: "Row 14, column 'Team'", naming the sheet when the workbook has several."""

    def __init__(self, sheet: str | None) -> None:
        self.sheet = sheet

    def row(self, number: int) -> str:
        return f"Sheet '{self.sheet}', row {number}" if self.sheet else f"Row {number}"

    def cell(self, number: int, index: int, header: str | None) -> str:
        column = f"column '{header}'" if header else f"column {get_column_letter(index + 1)}"
        return f"{self.row(number)}, {column}"

    def container(self) -> str:
        return f"The sheet '{self.sheet}'" if self.sheet else "The file"


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _width(raw) -> int:
    """Number of cells up to the last one that isn't blank."""
    width = len(raw)
    while width and _blank(raw[width - 1]):
        width -= 1
    return width


def _clean(value: object, number: int, index: int, header: str | None, limits: Limits, where: _Where,
           xlsx: bool) -> object:
    if not isinstance(value, str):
        return value  # xlsx numbers, dates, booleans stay as read
    if xlsx and "_x00" in value:
        value = _CONTROL_ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), value)
    value = value.strip()
    if len(value) > limits.max_cell_chars:
        raise UnreadableFile(f"{where.cell(number, index, header)}: the text is {len(value):,} characters long; "
                             f"the limit is {limits.max_cell_chars:,}.")
    control = _CONTROL_RE.search(value)
    if control:
        what = "a NUL character" if control.group() == "\x00" else f"a control character (code {ord(control.group())})"
        raise UnreadableFile(f"{where.cell(number, index, header)} contains {what}, which isn't allowed. "
                             "Remove it and upload the file again.")
    return value or None


def _too_many_columns(where: _Where, number: int, count: int, limits: Limits) -> UnreadableFile:
    return UnreadableFile(f"{where.row(number)} has {count:,} columns; the limit is {limits.max_columns:,}. "
                          "Remove the columns that aren't needed and upload the file again.")


def _parse_headers(raw, limits: Limits, where: _Where, aliases: dict[str, str] | None,
                   xlsx: bool) -> list[str | None]:
    mapping = {_norm(canonical): canonical for canonical in (aliases or {}).values()}
    for alias, canonical in (aliases or {}).items():
        mapping.setdefault(_norm(alias), canonical)
    headers: list[str | None] = []
    seen: dict[str, tuple[int, str]] = {}
    for index, value in enumerate(raw):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = _clean(None if value is None else str(value), 1, index, None, limits, where, xlsx)
        if text is None:  # a column without a heading: ignored, as long as it stays empty
            headers.append(None)
            continue
        canonical = mapping.get(_norm(text), text)
        if _norm(canonical) in seen:
            other_index, other = seen[_norm(canonical)]
            columns = f"columns {get_column_letter(other_index + 1)} and {get_column_letter(index + 1)}"
            if _norm(other) == _norm(text):
                detail = f"The column heading '{other}' appears more than once ({columns})."
            else:
                detail = f"The column headings '{other}' and '{text}' ({columns}) both mean '{canonical}'."
            raise UnreadableFile(f"{detail} Each column needs a different heading.")
        seen[_norm(canonical)] = (index, text)
        headers.append(canonical)
    return headers


def _build_table(records, *, sheet: str | None, where: _Where, limits: Limits,
                 aliases: dict[str, str] | None, xlsx: bool) -> Table:
    """records: iterable of (row number, sequence of raw cell values), starting with row 1."""
    names, rows = _stream_table(records, sheet=sheet, where=where, limits=limits, aliases=aliases, xlsx=xlsx)
    return Table(sheet=sheet, headers=names, rows=tuple(rows))


def _stream_table(records, *, sheet: str | None, where: _Where, limits: Limits,
                  aliases: dict[str, str] | None, xlsx: bool):
    """The headers, and a generator of the rows (each checked as it is read, so memory stays flat)."""
    iterator = iter(records)
    first = next(iterator, None)
    if first is None:
        raise UnreadableFile(f"{where.container()} is empty." if where.sheet else MSG_EMPTY)
    width = _width(first[1])
    if width == 0:
        place = f" of the sheet '{sheet}'" if sheet else ""
        raise UnreadableFile(f"The first row{place} is empty. Row 1 must contain the column headings.")
    if width > limits.max_columns:
        raise _too_many_columns(where, 1, width, limits)
    headers = _parse_headers(first[1][:width], limits, where, aliases, xlsx)
    names = tuple(h for h in headers if h is not None)

    def rows():
        count = 0
        slots, slot_budget = 0, (limits.max_rows + 1) * limits.max_columns * 2
        for number, raw in iterator:
            if xlsx and number > EXCEL_MAX_ROWS:
                raise UnreadableFile(f"{where.container()} has more rows than Excel allows, so it is damaged. "
                                     + _RESAVE)
            slots += len(raw)  # cells openpyxl had to fill in, even empty ones far to the right
            if slots > slot_budget:
                raise UnreadableFile(f"{where.container()} is too large to read. Delete unused rows and columns "
                                     "(including empty formatted cells) and upload it again.")
            width = _width(raw)
            if width == 0:
                continue
            if width > limits.max_columns:
                raise _too_many_columns(where, number, width, limits)
            values: dict[str, object] = {}
            for index in range(width):
                header = headers[index] if index < len(headers) else None
                value = _clean(raw[index], number, index, header, limits, where, xlsx)
                if value is not None and header is None:
                    raise UnreadableFile(f"{where.cell(number, index, None)} has a value but the column has no "
                                         "heading. Add a heading in row 1 or remove the value, then upload the "
                                         "file again.")
                if value is not None:
                    values[header] = value
            if not values:
                continue
            if count >= limits.max_rows:
                raise UnreadableFile(f"{where.container()} has more than {limits.max_rows:,} rows of data; the "
                                     f"limit is {limits.max_rows:,}. Split it into smaller files and upload them "
                                     "one at a time.")
            count += 1
            yield Row(number=number, values={name: values.get(name) for name in names})

    return names, rows()


# --------------------------------------------------------------------------- CSV


def _decode_csv(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile("The file is saved as 'Unicode Text', not as CSV UTF-8. To fix it, " + _SAVE_UTF8)
    if data.startswith(_ZIP_MAGIC):
        raise UnreadableFile("The file is named .csv but it is an Excel workbook. Rename it to end in .xlsx, "
                             "or " + _SAVE_UTF8)
    if data.startswith(_OLE_MAGIC):
        raise UnreadableFile("The file is named .csv but it is an old Excel (.xls) file. To fix it, " + _SAVE_UTF8)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile("The file is not saved as CSV UTF-8, so some characters can't be read. To fix it, "
                             + _SAVE_UTF8) from None
    nul = text.find("\x00")
    if nul >= 0:
        raise UnreadableFile(f"The file contains NUL characters (row {text.count(chr(10), 0, nul) + 1}), so it "
                             "isn't a plain CSV text file. To fix it, " + _SAVE_UTF8)
    return text


def _delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever the header line (outside quotes) has most of; comma on a tie."""
    first = re.sub(r'"[^"]*"', "", text.lstrip("\r\n").split("\n", 1)[0])
    best = max((";", "\t"), key=first.count)
    return best if first.count(best) > first.count(",") else ","


_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def _lines(text: str):
    """The lines of `text` with their endings (\r\n, \r or \n), as io.StringIO(newline="") gives
    them, one at a time: StringIO would first copy the whole text at four bytes a character."""
    for match in _LINE_RE.finditer(text):
        yield match.group()


def _csv_records(text: str):
    reader = csv.reader(_lines(text), delimiter=_delimiter(text), quotechar='"',
                        doublequote=True, skipinitialspace=False, strict=True)
    number = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise UnreadableFile(f"The file can't be read as CSV near line {reader.line_num}. Check that line for a "
                                 'stray quotation mark ("), or ' + _SAVE_UTF8) from None
        number += 1
        yield number, record


def _read_csv(text: str, limits: Limits, aliases: dict[str, str] | None) -> Table:
    if csv.field_size_limit() <= len(text):  # so only our own per-cell limit ever applies
        csv.field_size_limit(len(text) + 1)
    return _build_table(_csv_records(text), sheet=None, where=_Where(None), limits=limits, aliases=aliases,
                        xlsx=False)


# --------------------------------------------------------------------------- XLSX


def _check_zip(data: bytes, limits: Limits) -> None:
    """Inspect the zip before openpyxl sees it: bombs, lying sizes, damage, DTD/entity attacks."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        raise UnreadableFile(MSG_DAMAGED) from None
    too_big = UnreadableFile(f"The workbook is too large to read: unpacked it is more than "
                             f"{_size(limits.max_uncompressed_bytes)}. Remove unused sheets, images and formatting, "
                             "or upload the data as a CSV file.")
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_zip_entries:
            raise UnreadableFile(f"The workbook has too many internal parts (more than {limits.max_zip_entries:,}) "
                                 "to be read safely. Copy the data into a new workbook, or upload a CSV file.")
        if sum(info.file_size for info in infos) > limits.max_uncompressed_bytes:
            raise too_big
        for info in infos:
            if info.file_size > max(_RATIO_MIN_SIZE, limits.max_compression_ratio * max(info.compress_size, 1)):
                raise UnreadableFile(MSG_RATIO)
            if info.flag_bits & 0x1:  # zip-level encryption
                raise UnreadableFile(MSG_OLE)
        names = {info.filename for info in infos}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            if names & {"word/document.xml", "ppt/presentation.xml", "mimetype", "xl/workbook.bin"}:
                raise UnreadableFile("The file is named .xlsx but it is not an Excel workbook. " + _RESAVE)
            raise UnreadableFile(MSG_DAMAGED)
        actual = 0  # declared sizes can lie: count what really comes out
        try:
            for info in infos:
                if info.is_dir() or info.filename.lower().endswith(_NOT_SCANNED):
                    continue
                with zf.open(info) as member:
                    tail = b""
                    while chunk := member.read(_CHUNK):
                        actual += len(chunk)
                        if actual > limits.max_uncompressed_bytes:
                            raise too_big
                        window = (tail + chunk).lower()
                        if any(pattern in window for pattern in _FORBIDDEN_XML):
                            raise UnreadableFile(MSG_XML)
                        tail = window[-_OVERLAP:]
        except RuntimeError:  # an encrypted member
            raise UnreadableFile(MSG_OLE) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError):
            raise UnreadableFile(MSG_DAMAGED) from None


def _choose_sheets(workbook, sheets: list[str] | None, optional: tuple[str, ...] = ()) -> list:
    if sheets is None:  # the first visible worksheet (a hidden lookup sheet is not what users mean)
        candidates = [ws for ws in workbook.worksheets if ws.sheet_state == "visible"] or workbook.worksheets
        if not candidates:
            raise UnreadableFile("The workbook has no sheets with data in it.")
        return [(None, candidates[0])]
    chosen = []
    for name in sheets:
        actual = name if name in workbook.sheetnames else next(
            (n for n in workbook.sheetnames if _norm(n) == _norm(name)), None)
        chosen.append((name, None if actual is None else workbook[actual]))
    chosen = [(name, ws) for name, ws in chosen if ws is not None or name not in optional]
    missing = [name for name, ws in chosen if ws is None]
    if missing:
        listed = " or ".join(f"'{n}'" for n in missing)
        available = ", ".join(f"'{n}'" for n in workbook.sheetnames)
        raise UnreadableFile(f"The workbook has no {'sheets' if len(missing) > 1 else 'sheet'} called {listed}. "
                             f"Its sheets are: {available}.")
    for _, ws in chosen:
        if not hasattr(ws, "iter_rows"):
            raise UnreadableFile(f"The sheet '{ws.title}' is a chart, not a table of data.")
    return chosen


def _read_xlsx(data: bytes, limits: Limits, sheets: list[str] | None, aliases: dict[str, str] | None,
               optional: tuple[str, ...] = (), continued: tuple[str, ...] = ()):
    """Return [(requested name or None, Table)]; openpyxl only ever sees a zip that passed _check_zip."""
    _check_zip(data, limits)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles, extensions, ... in odd but valid files
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        except Exception:
            raise UnreadableFile(MSG_DAMAGED) from None
        try:
            tables = []
            for requested, ws in _choose_sheets(workbook, sheets, optional):
                table = _sheet_table(workbook, ws, limits, aliases)
                if requested in continued:
                    table = _with_continuations(workbook, table, limits, aliases)
                tables.append((requested, table))
            return tables
        except (UnreadableFile, MemoryError):
            raise
        except Exception:
            raise UnreadableFile(MSG_DAMAGED) from None
        finally:
            workbook.close()


def _sheet_table(workbook, ws, limits: Limits, aliases) -> Table:
    ws.reset_dimensions()  # never trust <dimension ref="...">: count the real rows
    records = enumerate(ws.iter_rows(values_only=True), start=1)
    where = _Where(ws.title if len(workbook.sheetnames) > 1 else None)
    return _build_table(records, sheet=ws.title, where=where, limits=limits, aliases=aliases, xlsx=True)


def _with_continuations(workbook, table: Table, limits: Limits, aliases) -> Table:
    """A table longer than Excel's row limit goes on over "Name (2)", "Name (3)" …, each with the
    same header row: their rows are added to the first sheet's, each row knowing its sheet."""
    rows = [Row(r.number, r.values, table.sheet) for r in table.rows]
    number = 2
    while (title := f"{table.sheet} ({number})") in workbook.sheetnames:
        part = _sheet_table(workbook, workbook[title], limits, aliases)
        if set(part.headers) != set(table.headers):
            raise UnreadableFile(f"The sheet '{title}' continues '{table.sheet}', so it must have the same column "
                                 f"headings in row 1. " + _RESAVE)
        rows.extend(Row(r.number, r.values, title) for r in part.rows)
        if len(rows) > limits.max_rows:
            raise UnreadableFile(f"The sheets '{table.sheet}' … '{title}' have more than {limits.max_rows:,} rows "
                                 "of data together. Split the workbook into smaller files and import them one at a "
                                 "time.")
        number += 1
    return Table(sheet=table.sheet, headers=table.headers, rows=tuple(rows))


# --------------------------------------------------------------------------- public API


@contextmanager
def _guard(data: bytes, filename: str, limits: Limits):
    """First checks; anything unexpected becomes UnreadableFile (a user never sees a traceback)."""
    try:
        _check_extension(filename)
        _check_size(data, limits)
        yield
    except (UnreadableFile, TypeError):
        raise
    except MemoryError:
        raise UnreadableFile("The file is too large to read. Split it into smaller files and upload them "
                             "one at a time.") from None
    except Exception:
        raise UnreadableFile("The file can't be read. " + _ACCEPTED) from None


def read_table(data: bytes, filename: str, *, limits: Limits = Limits(), sheet: str | None = None,
               header_aliases: dict[str, str] | None = None) -> Table:
    """Read one table: a CSV, or one sheet of an .xlsx (the first visible one unless ``sheet`` is given)."""
    with _guard(data, filename, limits):
        kind, text = _sniff(data, filename)
        if kind == "csv":
            return _read_csv(text, limits, header_aliases)
        return _read_xlsx(bytes(data), limits, None if sheet is None else [sheet], header_aliases)[0][1]


@contextmanager
def stream_table(data: bytes, filename: str, *, limits: Limits = Limits(),
                 header_aliases: dict[str, str] | None = None):
    """Like `read_table`, but the rows are read as they are used: `with stream_table(...) as (headers,
    rows):` then iterate `rows` once. Memory stays flat whatever the number of rows (a workbook is
    read with openpyxl's streaming reader). Anything wrong, found at any row, is UnreadableFile."""
    with _guard(data, filename, limits):
        kind, text = _sniff(data, filename)
        if kind == "csv":
            if csv.field_size_limit() <= len(text):
                csv.field_size_limit(len(text) + 1)
            headers, rows = _stream_table(_csv_records(text), sheet=None, where=_Where(None), limits=limits,
                                          aliases=header_aliases, xlsx=False)
            yield headers, rows
            return
        data = bytes(data)
        _check_zip(data, limits)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
            except Exception:
                raise UnreadableFile(MSG_DAMAGED) from None
            try:
                try:
                    (_name, ws), = _choose_sheets(workbook, None)
                    ws.reset_dimensions()
                    where = _Where(ws.title if len(workbook.sheetnames) > 1 else None)
                    headers, rows = _stream_table(enumerate(ws.iter_rows(values_only=True), start=1), sheet=ws.title,
                                                  where=where, limits=limits, aliases=header_aliases, xlsx=True)
                except (UnreadableFile, MemoryError):
                    raise
                except Exception:
                    raise UnreadableFile(MSG_DAMAGED) from None
                yield headers, _damaged_as_unreadable(rows)
            finally:
                workbook.close()


def _damaged_as_unreadable(rows):
    try:
        yield from rows
    except (UnreadableFile, MemoryError):
        raise
    except Exception:
        raise UnreadableFile(MSG_DAMAGED) from None


def read_workbook(data: bytes, filename: str, *, sheets: list[str], limits: Limits = Limits(),
                  header_aliases: dict[str, str] | None = None, optional: tuple[str, ...] = (),
                  continued: tuple[str, ...] = ()) -> dict[str, Table]:
    """Read several named sheets of one .xlsx; the keys are the names as requested. A sheet named
    in `optional` too is left out of the result when the workbook does not have it. A sheet named
    in `continued` may go on over "Name (2)", "Name (3)" … (Excel's row limit): their rows are
    added to it, and each row's `sheet` says where it is."""
    with _guard(data, filename, limits):
        if _sniff(data, filename)[0] != "xlsx":
            listed = ", ".join(f"'{n}'" for n in sheets)
            raise UnreadableFile(f"This upload needs an Excel workbook (.xlsx) with the sheets {listed}; "
                                 "a CSV file has only one sheet.")
        return dict(_read_xlsx(bytes(data), limits, list(sheets), header_aliases, tuple(optional),
                               tuple(continued)))


@contextmanager
def stream_workbook(data: bytes, filename: str, *, sheets: list[str], limits: Limits = Limits(),
                    header_aliases: dict[str, str] | None = None, optional: tuple[str, ...] = (),
                    continued: tuple[str, ...] = ()):
    """Like `read_workbook`, but each sheet's rows are read as they are used, so memory stays flat
    whatever the number of rows: `with stream_workbook(...) as tables:` gives {name: TableStream}
    (headers already checked); iterate each one's `rows` once, inside the block. A problem found
    in a row, or in a continuation sheet, is UnreadableFile raised while iterating. Exceptions of
    the caller's own code inside the block pass through unchanged."""
    with _guard(data, filename, limits):
        if _sniff(data, filename)[0] != "xlsx":
            listed = ", ".join(f"'{n}'" for n in sheets)
            raise UnreadableFile(f"This upload needs an Excel workbook (.xlsx) with the sheets {listed}; "
                                 "a CSV file has only one sheet.")
        _check_zip(data, limits)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
            except Exception:
                raise UnreadableFile(MSG_DAMAGED) from None
    try:
        with _guard(data, filename, limits):
            tables = {}
            try:
                for requested, ws in _choose_sheets(workbook, list(sheets), tuple(optional)):
                    headers, rows = _sheet_stream(workbook, ws, limits, header_aliases)
                    if requested in continued:
                        rows = _continued_rows(workbook, ws.title, headers, rows, limits, header_aliases)
                    tables[requested] = TableStream(ws.title, headers, _read_guarded(rows))
            except (UnreadableFile, MemoryError):
                raise
            except Exception:
                raise UnreadableFile(MSG_DAMAGED) from None
        yield tables
    finally:
        workbook.close()


def _sheet_stream(workbook, ws, limits: Limits, aliases):
    ws.reset_dimensions()  # never trust <dimension ref="...">: count the real rows
    where = _Where(ws.title if len(workbook.sheetnames) > 1 else None)
    return _stream_table(enumerate(ws.iter_rows(values_only=True), start=1), sheet=ws.title, where=where,
                         limits=limits, aliases=aliases, xlsx=True)


def _continued_rows(workbook, sheet: str, headers, rows, limits: Limits, aliases):
    """The rows of `sheet`, then of "sheet (2)", "sheet (3)" … (see read_workbook), each row
    knowing its sheet; their number together within limits.max_rows."""
    count = 0
    for row in rows:
        count += 1
        yield Row(row.number, row.values, sheet)
    number, title = 2, sheet
    while (title := f"{sheet} ({number})") in workbook.sheetnames:
        part_headers, part_rows = _sheet_stream(workbook, workbook[title], limits, aliases)
        if set(part_headers) != set(headers):
            raise UnreadableFile(f"The sheet '{title}' continues '{sheet}', so it must have the same column "
                                 f"headings in row 1. " + _RESAVE)
        for row in part_rows:
            count += 1
            if count > limits.max_rows:
                raise UnreadableFile(f"The sheets '{sheet}' … '{title}' have more than {limits.max_rows:,} rows "
                                     "of data together. Split the workbook into smaller files and import them one "
                                     "at a time.")
            yield Row(row.number, row.values, title)
        number += 1


def _read_guarded(rows):
    """Rows as read; anything unexpected while reading is UnreadableFile (never a traceback)."""
    try:
        yield from rows
    except UnreadableFile:
        raise
    except MemoryError:
        raise UnreadableFile("The file is too large to read. Split it into smaller files and upload them "
                             "one at a time.") from None
    except Exception:
        raise UnreadableFile(MSG_DAMAGED) from None
