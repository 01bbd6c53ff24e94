"""Exporting: the exchange workbook for a report's filters, read (exchange.queries) then written
(exchange.writer)."""

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
