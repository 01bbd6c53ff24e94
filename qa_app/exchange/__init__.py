"""The exchange workbook: an adapter between this service and Excel.

Export: `export.write_exchange_workbook` = `queries.exchange_data` (the report and the rows, read
from the database) written by `writer.write_workbook` (a pure function of those rows).
Import: `importing.import_results` parses and checks a workbook, then stores it through the
services that own each record (cases, rounds, audits, moderation, actions).
"""
