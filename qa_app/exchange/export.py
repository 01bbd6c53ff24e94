"""Exporting: the exchange workbook for a report's filters, read (exchange.queries) then written
(exchange.writer)."""

import re
import unicodedata
from datetime import date
from typing import BinaryIO

from flask import current_app

from qa_app.exchange.queries import exchange_data
from qa_app.exchange.writer import EXCEL_MAX_ROWS, Progress, write_workbook
from qa_app.reports.queries import ReportFilter


def write_exchange_workbook(out: BinaryIO, *, filters: ReportFilter, generated_by: str, today: date | None = None,
                            progress: Progress | None = None) -> dict:
    """Write the workbook of everything `filters` selects to `out`; returns the report it summarises."""
    data = exchange_data(filters, today=today or date.today(), generated_by=generated_by)
    write_workbook(out, data, progress, sheet_rows=current_app.config.get("EXPORT_SHEET_ROWS", EXCEL_MAX_ROWS))
    return data.report


def file_name(*, rounds: list[str], team: str | None = None, case_type: str | None = None,
              date_from: date | None = None, date_to: date | None = None, today: date) -> str:
    """A file name that says what the workbook holds: one round's name, "all-rounds" or
    "3-rounds", then the team, case type and dates it is limited to, then the day it was made:
    qa-results-monthly-cin-and-cp-audit-march-2027-2027-04-02.xlsx. Safe on every system."""
    parts = ["qa-results"]
    parts.append("all-rounds" if not rounds else _slug(rounds[0]) if len(rounds) == 1 else f"{len(rounds)}-rounds")
    parts += [_slug(part) for part in (team, case_type) if part]
    if date_from or date_to:
        parts.append(f"{date_from.isoformat() if date_from else 'start'}-to-{date_to.isoformat() if date_to else 'today'}")
    return "-".join(part for part in parts if part)[:160] + f"-{today.isoformat()}.xlsx"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80]
