"""Making user text safe in a spreadsheet cell.

User text is always written as a string cell, never a formula. On top of that, text a spreadsheet
program would turn into a formula when someone edits the cell or saves it as CSV (a leading
= + - @, their full-width forms, tab, CR or LF) gets a visible apostrophe in front; `read_text`
takes it off again, so an export imported back is unchanged. Numbers stay numbers. Control
characters become U+FFFD and text over Excel's cell limit is cut and marked.
"""

import re
from functools import lru_cache
from datetime import date, datetime

from openpyxl.cell import WriteOnlyCell

EXCEL_CELL_LIMIT = 32_767
TRUNCATED_MARK = " [truncated: the full text is in the application]"
# Characters openpyxl (and the XML it writes) cannot hold: C0 controls except tab, LF, CR.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@lru_cache(maxsize=8192)
def clean_text(text: str) -> str:
    """Text that is safe to write: control characters replaced, cut to Excel's limit (and marked),
    and a leading formula character neutralised with an apostrophe prefix."""
    if not text.isprintable():  # the common case, printable text, skips the regular expression
        text = _ILLEGAL.sub("\ufffd", text)
    if (text.startswith(_FORMULA_START) and not _NUMBER.match(text)) or text.startswith("'"):
        text = "'" + text
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - len(TRUNCATED_MARK)] + TRUNCATED_MARK
    return text


def cell(ws, value):
    """What to append for `value` in a write-only sheet.

    Text is cleaned: after `clean_text` it can no longer start with "=", which is the only way
    openpyxl writes a formula, so it goes in as a plain string cell. Dates get a UK format (that
    needs a cell object); numbers and empty cells go in as they are, which is the fast path.
    """
    if isinstance(value, str):
        return clean_text(value)
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
    """The original text of a cell written by `clean_text` (the guard apostrophe removed)."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith("'") and (text[1:].startswith(_FORMULA_START) or text[1:].startswith("'")):
        return text[1:]
    return text
