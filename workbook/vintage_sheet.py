"""The Vintages sheet: a revised series as it was known on each stored vintage day, one column per day, and its names
(workbook.names): `UNRATE_KNOWN` is the column of the latest vintage day on or before the as-of day (INDEX:INDEX, which
Excel, LibreOffice and the headless engine all read), for the Dashboard's Sahm rule as known that day.
Built from the store's (or the sample's) vintages: (date, known_from, value).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from workbook.data_sheets import DATE_FORMAT
from workbook.model import Book, Sheet
from workbook.names import VINTAGE_SERIES, vintage_names

SHEET = "Vintages"
SERIES = VINTAGE_SERIES  # what the Dashboard replays as known that day
MOST_COLUMNS = 240  # the newest vintage days kept (20 years of monthly releases), so a full ALFRED history stays small

VintageRow = tuple[dt.date, dt.date, float | None]


def snapshots(rows: Sequence[VintageRow]) -> tuple[list[dt.date], list[dt.date], list[list[float | None]]]:
    """(observation dates, vintage days, grid): grid[i][j] is the value of date i as known on day j (the latest
    vintage of date i known by then), None where date i was not yet published."""
    days = sorted({known for _, known, _ in rows})[-MOST_COLUMNS:]
    dates = sorted({day for day, _, _ in rows})
    index = {day: i for i, day in enumerate(dates)}
    grid: list[list[float | None]] = [[None] * len(days) for _ in dates]
    for day, known, value in sorted(rows, key=lambda row: row[1]):  # later vintages overwrite earlier ones
        for j, vintage in enumerate(days):
            if known <= vintage:
                grid[index[day]][j] = value
    return dates, days, grid


def add_vintage_sheet(book: Book, vintages: Mapping[str, Sequence[VintageRow]]) -> None:
    """The Vintages sheet and its two names; with no vintages stored, one empty column whose header is text, so the
    names exist and a lookup of the as-of day fails into the formula's own words."""
    sheet = Sheet(SHEET, freeze="B2")
    book.sheets.append(sheet)
    dates, days, grid = snapshots(vintages.get(SERIES, ()))
    sheet.put(1, 1, f"{SERIES} date", style="header")
    if not days:
        sheet.put(1, 2, "no vintages stored", style="header")
    for j, day in enumerate(days, start=2):
        sheet.put(1, j, day, DATE_FORMAT, style="header")
    for i, (day, values) in enumerate(zip(dates, grid, strict=True), start=2):
        sheet.put(i, 1, day, DATE_FORMAT)
        for j, value in enumerate(values, start=2):
            if value is not None:
                sheet.put(i, j, value, "0.0")
    book.names.update(vintage_names(SHEET, 1 + max(1, len(days)), max(2, len(dates) + 1)))
    sheet.widths["A"] = 12


def read_vintage_sheet(grid: list[list[object]] | None) -> dict[str, list[VintageRow]]:
    """The vintages a Vintages sheet holds (cell grid, row 1 = headers), as `add_vintage_sheet` takes them: the
    inverse used to export a workbook file. A cell per vintage day, so a value repeated across days comes back once
    per day (the sheet shows the same numbers)."""
    if not grid or not grid[0] or grid[0][0] != f"{SERIES} date":
        return {}

    def day(value: object) -> dt.date | None:
        if isinstance(value, dt.datetime):
            return value.date()
        return value if isinstance(value, dt.date) else None

    days = [day(value) for value in grid[0][1:]]
    rows: list[VintageRow] = []
    for line in grid[1:]:
        date = day(line[0]) if line else None
        if date is None:
            continue
        for known, value in zip(days, line[1:], strict=False):
            if known is not None and isinstance(value, (int, float)):
                rows.append((date, known, float(value)))
    return {SERIES: rows} if rows else {}
