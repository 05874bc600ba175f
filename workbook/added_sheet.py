"""The "Added series" sheet: the series a user adds (`lazarus series add`), one table with a Date column and one
column per series, oldest first; blank where a series has no value that day.

The catalogue's series keep their own tables (workbook.data_sheets), which the Dashboard's formulas read; an added
series is read with HISTORY("ID") or from this table, and never changes a Dashboard number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from openpyxl.utils import get_column_letter

from workbook.catalogue import Source
from workbook.data_sheets import DATE_FORMAT, Series
from workbook.model import Book, Sheet, Table

SHEET = "Added series"
TABLE = "AddedTable"


def added_rows(sources: Sequence[Source], data: Mapping[str, Series]) -> list[list[dt.date | float | None]]:
    """Date + one value per added series on the union of their dates, oldest first."""
    by_date: dict[dt.date, list[float | None]] = {}
    for index, source in enumerate(sources):
        dates, values = data.get(source.id, ([], []))
        for day, value in zip(dates, values, strict=True):
            by_date.setdefault(day, [None] * len(sources))[index] = value
    return [[day, *by_date[day]] for day in sorted(by_date)]


def add_added_sheet(book: Book, sources: Sequence[Source], data: Mapping[str, Series]) -> None:
    """The sheet of the user's added series; none when there are none."""
    if not sources:
        return
    sheet = Sheet(SHEET, freeze="B2")
    sheet.put_row(1, ["Date", *[source.column for source in sources]], style="header")
    rows = added_rows(sources, data)
    for row_number, row in enumerate(rows, start=2):
        sheet.put(row_number, 1, row[0], DATE_FORMAT)
        for column, value in enumerate(row[1:], start=2):
            if value is not None:
                sheet.put(row_number, column, value, sources[column - 2].number_format)
    last = get_column_letter(len(sources) + 1)
    sheet.tables.append(Table(TABLE, f"A1:{last}{max(2, len(rows) + 1)}"))
    sheet.widths["A"] = 12
    for column, source in enumerate(sources, start=2):
        sheet.widths[get_column_letter(column)] = max(10, len(source.column) + 2)
    book.sheets.append(sheet)


def read_added(grid: list[list[object]] | None) -> dict[str, Series]:
    """The series on an "Added series" sheet's cell grid (row 1 = headers), by column header."""
    if not grid:
        return {}
    header = [str(v).strip() if v is not None else "" for v in grid[0]]
    data: dict[str, Series] = {}
    for index, name in enumerate(header[1:], start=1):
        if not name:
            continue
        dates: list[dt.date] = []
        values: list[float | None] = []
        for row in grid[1:]:
            day = row[0] if row else None
            if isinstance(day, dt.datetime):
                day = day.date()
            if not isinstance(day, dt.date):
                continue
            value = row[index] if index < len(row) else None
            if isinstance(value, int | float) and not isinstance(value, bool):
                dates.append(day)
                values.append(float(value))
        data[name] = (dates, values)
    return data
