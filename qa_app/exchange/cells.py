"""Making user text safe in a spreadsheet cell.

User text is always written as a string cell, never a formula. Text a spreadsheet program would
turn into a formula when someone edits the cell (a leading = + - @, their full-width forms, tab, CR
or LF) also gets a cell style with the quote prefix (`quotePrefix`): Excel and LibreOffice show the
text as it is, with no visible apostrophe, and keep it text when the cell is edited or the file
saved again. Numbers stay numbers. Control characters become U+FFFD and text over Excel's cell
limit is cut and marked.

Workbooks of format 1.0 and 1.1 guarded such text with a visible leading apostrophe instead;
`read_text` takes it off again when reading one of those (`legacy_guards`).
"""

import re
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from datetime import date, datetime

from openpyxl.cell import WriteOnlyCell

EXCEL_CELL_LIMIT = 32_767
TRUNCATED_MARK = " [truncated: the full text is in the application]"
# Characters openpyxl (and the XML it writes) cannot hold: C0 controls except tab, LF, CR.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_LEGACY = ContextVar("legacy_apostrophe_guards", default=False)


@lru_cache(maxsize=8192)
def clean_text(text: str) -> str:
    """Text that is safe to write: control characters replaced, cut to Excel's limit (and marked)."""
    if not text.isprintable():  # the common case, printable text, skips the regular expression
        text = _ILLEGAL.sub("\ufffd", text)
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - len(TRUNCATED_MARK)] + TRUNCATED_MARK
    return text


def needs_quote_prefix(text: str) -> bool:
    """True for text a spreadsheet would read as a formula if it were typed in (not a plain number)."""
    return text.startswith(_FORMULA_START) and not _NUMBER.match(text)


def cell(ws, value):
    """What to append for `value` in a write-only sheet.

    Text is cleaned (`clean_text`) and always written as a string; formula-like text gets the quote
    prefix style (that needs a cell object, as do dates, which get a UK format); numbers, plain
    text and empty cells go in as they are, which is the fast path.
    """
    if isinstance(value, str):
        text = clean_text(value)
        if not needs_quote_prefix(text):
            return text
        result = WriteOnlyCell(ws, value=text)
        result.data_type = "s"      # text, even though it starts with "=" (openpyxl would make it a formula)
        result.quotePrefix = True
        return result
    if isinstance(value, datetime):
        result = WriteOnlyCell(ws, value=value)
        result.number_format = "dd/mm/yyyy hh:mm"
        return result
    if isinstance(value, date):
        result = WriteOnlyCell(ws, value=value)
        result.number_format = "dd/mm/yyyy"
        return result
    return value


def read_text(value) -> str:
    """The original text of a cell: as it is, or, in a workbook of format 1.0 or 1.1 (inside
    `legacy_guards()`), without the guard apostrophe those versions put before formula-like text."""
    if value is None:
        return ""
    text = str(value)
    if _LEGACY.get() and text.startswith("'") and (text[1:].startswith(_FORMULA_START) or text[1:].startswith("'")):
        return text[1:]
    return text


@contextmanager
def legacy_guards(legacy: bool = True):
    """Read cells as a workbook of format 1.0 or 1.1 wrote them (a visible guard apostrophe)."""
    token = _LEGACY.set(legacy)
    try:
        yield
    finally:
        _LEGACY.reset(token)
