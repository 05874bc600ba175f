"""The Sources, Log and Methods sheets: what refresh fetches, what it did, and how every number is computed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from udfs.functions import FUNCTIONS
from workbook.catalogue import SOURCE_HEADER
from workbook.data_sheets import DATA_TABLES, DATE_FORMAT
from workbook.model import Book, Sheet, Table

LOG_HEADER = ["Time (UTC)", "Source", "Vendor", "Rows added", "Last date", "Status"]


def _table_sheet(name: str, header: list[str], rows: Sequence[Sequence[object]], table: str) -> Sheet:
    sheet = Sheet(name, freeze="A2")
    sheet.put_row(1, list(header), style="header")
    for offset, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            # Vendor text is written as a value, never as a formula: no vendor may run a formula in a user's book.
            if isinstance(value, str) and value.startswith("="):
                value = "'" + value
            if value is not None:
                sheet.put(offset, column, value, DATE_FORMAT if isinstance(value, dt.date) else None)
    last_row = max(2, len(rows) + 1)
    sheet.tables.append(Table(table, f"A1:{chr(ord('A') + len(header) - 1)}{last_row}"))
    for column, title in enumerate(header):
        sheet.widths[chr(ord("A") + column)] = max(14, min(60, len(title) + 4))
    return sheet


def add_info_sheets(
    book: Book,
    source_rows: Sequence[Sequence[object]],
    log_rows: Sequence[Sequence[object]],
    provenance: Sequence[str],
    as_of: dt.date | None,
) -> None:
    book.sheets.append(_table_sheet("Sources", SOURCE_HEADER, source_rows, "SourcesTable"))
    book.sheets.append(_table_sheet("Log", LOG_HEADER, log_rows, "LogTable"))
    methods = Sheet("Methods")
    methods.put(1, 1, "Methods", style="title")
    methods.put(
        2, 1, "What each cell function computes, in short; the conventions below hold for all of them.", style="note"
    )
    methods.put_row(4, ["Function", "What it computes"], style="header")
    row = 5
    for function in FUNCTIONS:
        methods.put(row, 1, function.name, style="label")
        methods.put(row, 2, function.summary)
        row += 1
    row += 1
    methods.put(row, 1, "Conventions", style="heading")
    conventions = [
        "Returns are simple returns over overlapping windows; percentiles are mean ranks (ties count half).",
        "Sigma uses the sample standard deviation (ddof 1); MA sigma the population one (ddof 0), as Bollinger.",
        "A year is 252 observations without dates; with dates, (last − first) / 365.25 calendar days.",
        "Dashboard parameters: six-day window, RSI 14, moving average 50, bear line 20%, curve persist 5 days.",
        "As of: every answer uses only data up to the date in Dashboard!B3, and only what was published by then:",
        *[
            f"    {table.table} ({', '.join(s.id for s in table.columns)}): rows dated up to the as-of date minus "
            f"{table.published_days} days"
            for table in DATA_TABLES
            if table.published_days
        ],
        "Easing cycles: a cut of 0.25 point or more after a hike, with no cut in the 183 days before.",
    ]
    for text in conventions:
        row += 1
        methods.put(row, 1, text)
    row += 2
    methods.put(row, 1, "Data", style="heading")
    methods.put(row + 1, 1, "As-of date of this workbook")
    methods.put(row + 1, 2, as_of if as_of else "latest in the data", DATE_FORMAT if as_of else None)
    row += 1
    for text in provenance:
        row += 1
        methods.put(row, 1, text)
    methods.widths.update({"A": 28, "B": 110})
    methods.wrap_columns = "B"  # long formulas and provenance lines wrap on the page instead of running off it
    book.sheets.append(methods)
