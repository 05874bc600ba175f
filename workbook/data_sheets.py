"""The data sheets (Prices, Rates, Macro) as Excel tables; their defined names are workbook.names'.

Every table is Date + one column per source. Each column has a name for the whole column (`ALL_<name>`) and one for
the column up to the as-of date (`<name>`), so one as-of cell replays the whole dashboard on a past day with only
what was published by then. Plain ranges and INDEX:INDEX are understood by Excel, LibreOffice and the headless engine
alike (structured references `Table[Column]` and OFFSET are not), and INDEX:INDEX is not volatile in Excel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from udfs.excel_facts import SHEET_ROWS
from workbook.catalogue import CATALOGUE, Source
from workbook.model import Book, Sheet, Table
from workbook.names import table_names

Series = tuple[list[dt.date], list[float | None]]

DATE_FORMAT = "yyyy-mm-dd"


@dataclass(frozen=True)
class DataTable:
    """One Excel table on a data sheet: a Date column, then one column per catalogue source with this `table`."""

    sheet: str
    table: str
    dates_name: str  # defined name of the date column as of the as-of date
    row_name: str  # defined name of the as-of row
    first_column: int = 1  # where the Date column sits on its sheet (1 = A)
    date_header: str = "Date"

    @property
    def columns(self) -> tuple[Source, ...]:
        return tuple(source for source in CATALOGUE if source.table == self.table)

    @property
    def published_days(self) -> int:
        """Days after its date until a row is published: the latest of its columns (a replay never looks ahead)."""
        return max((source.published_days for source in self.columns), default=0)

    @property
    def header(self) -> list[str]:
        return [self.date_header, *[source.column for source in self.columns]]


# Different frequencies live in separate tables: a monthly series interleaved with weekly dates would show blanks
# that SAHM_RULE must read as missing months.
DATA_TABLES: tuple[DataTable, ...] = (
    DataTable("Prices", "PricesTable", "PRICE_DATES", "PRICE_ROW"),
    DataTable("Rates", "RatesTable", "RATE_DATES", "RATE_ROW"),
    # Fed funds rates carry a value on every calendar day, unlike the Treasury rates: a table of their own.
    DataTable("Rates", "PolicyTable", "POLICY_DATES", "POLICY_ROW", first_column=7),
    DataTable("Macro", "MonthlyTable", "MONTH_DATES", "MONTH_ROW"),
    # Housing starts and construction spending: monthly too, but published weeks later than unemployment.
    DataTable("Macro", "ActivityTable", "ACTIVITY_DATES", "ACTIVITY_ROW", first_column=5),
    DataTable("Macro", "WeeklyTable", "WEEK_DATES", "WEEK_ROW", first_column=9),
    DataTable("Macro", "SpreadTable", "SPREAD_DATES", "SPREAD_ROW", first_column=12),
)


def series_ids() -> list[str]:
    """Every series the data sheets show, table by table."""
    return [source.id for table in DATA_TABLES for source in table.columns]


def table_rows(table: DataTable, data: Mapping[str, Series]) -> list[list[dt.date | float | None]]:
    """Date + one value per column on the union of the columns' dates, oldest first; None where a series has none."""
    by_date: dict[dt.date, list[float | None]] = {}
    width = len(table.columns)
    for index, column in enumerate(table.columns):
        dates, values = data.get(column.id, ([], []))
        for day, value in zip(dates, values, strict=True):
            by_date.setdefault(day, [None] * width)[index] = value
    return [[day, *by_date[day]] for day in sorted(by_date)]


class SheetFull(ValueError):
    """A data table has more dates than a sheet has rows: the workbook is not built, rather than silently cut."""


def add_data_sheets(book: Book, data: Mapping[str, Series]) -> None:
    """Write every data table onto its sheet and define its ALL_/as-of names. Raises `SheetFull` when a table's
    dates do not fit below its header (Excel would drop the rest and the names would point past the sheet)."""
    sheets: dict[str, Sheet] = {}
    for table in DATA_TABLES:
        sheet = sheets.get(table.sheet)
        if sheet is None:
            sheet = sheets[table.sheet] = Sheet(table.sheet, freeze="A2")
            book.sheets.append(sheet)
        rows = table_rows(table, data)
        if len(rows) + 1 > SHEET_ROWS:
            raise SheetFull(
                f"the {table.table} on the {table.sheet} sheet would need {len(rows):,} rows of dates "
                f"({rows[0][0]} to {rows[-1][0]}), more than the {SHEET_ROWS - 1:,} a sheet holds below its header; "
                f"{len(rows) + 1 - SHEET_ROWS:,} would be cut, so no workbook was written. Look for rows with "
                "implausible dates in the store."
            )
        first = table.first_column
        sheet.put_row(1, table.header, first, style="header")
        # 150k cells: the columns and their formats are looked up once per table, not once per row.
        formats = [(first + index, column.number_format) for index, column in enumerate(table.columns, start=1)]
        put = sheet.put
        for offset, row in enumerate(rows, start=2):
            put(offset, first, row[0], DATE_FORMAT)
            for value, (column, number_format) in zip(row[1:], formats, strict=True):
                if value is not None:
                    put(offset, column, value, number_format)
        # An Excel table needs at least one data row; an empty source keeps one blank row.
        last_row = max(2, len(rows) + 1)
        last_column = first + len(table.columns)
        sheet.tables.append(
            Table(table.table, f"{get_column_letter(first)}1:{get_column_letter(last_column)}{last_row}")
        )
        sheet.widths[get_column_letter(first)] = 12
        for index in range(1, len(table.columns) + 1):
            sheet.widths[get_column_letter(first + index)] = max(10, len(table.columns[index - 1].column) + 2)
        book.names.update(table_names(table, last_row))


def read_tables(sheets: Mapping[str, list[list[object]]]) -> dict[str, Series]:
    """The series held in the data tables of a workbook's sheets (cell grids, row 1 = headers), by series id.

    The inverse of `add_data_sheets`, used to export a workbook that Excel or refresh has changed.
    """
    data: dict[str, Series] = {}
    for table in DATA_TABLES:
        grid = sheets.get(table.sheet)
        if not grid:
            continue
        first = table.first_column - 1
        header = [str(v).strip() if v is not None else "" for v in grid[0][first : first + 1 + len(table.columns)]]
        for index, column in enumerate(table.columns, start=1):
            if index >= len(header) or header[index] != column.column:
                continue
            dates: list[dt.date] = []
            values: list[float | None] = []
            for row in grid[1:]:
                day = row[first] if first < len(row) else None
                if isinstance(day, dt.datetime):
                    day = day.date()
                if not isinstance(day, dt.date):
                    continue
                value = row[first + index] if first + index < len(row) else None
                dates.append(day)
                # A blank keeps its date: a missing month must stay a missing month.
                values.append(float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None)
            data[column.id] = (dates, values)
    return data
