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
from workbook.names import VINTAGE_COLUMN, VINTAGE_DATES, VINTAGE_SERIES, vintage_names

SHEET = "Vintages"
SERIES = VINTAGE_SERIES  # what the Dashboard replays as known that day
MOST_COLUMNS = 240  # the newest vintage days kept (20 years of monthly releases), so a full ALFRED history stays small

VintageRow = tuple[dt.date, dt.date, float | None]

# What a figure as known that day rests on, in the Dashboard's and the Claims sheet's words: the vintage day of
# UNRATE_KNOWN (a formula, no "="), or, without a vintage that was known that day, today's data replayed.
PUBLISHED_ON = f'TEXT(INDEX({VINTAGE_DATES},1,{VINTAGE_COLUMN}),"yyyy-mm-dd")'
REVISED_RULE = "revised data, publication delays"


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


def vintage_cells(rows: Sequence[VintageRow]) -> list[list[object]]:
    """The sheet's cells, row 1 the headers (the vintage days), column A the observation dates, None where blank;
    with no vintages, one empty column whose header is text, so the names exist and a lookup of the as-of day fails
    into the formula's own words. What the sheet holds, whether a build writes it or a refresh rewrites it."""
    dates, days, grid = snapshots(rows)
    header: list[object] = [f"{SERIES} date", *(days or ["no vintages stored"])]
    return [header, *([day, *values] for day, values in zip(dates, grid, strict=True))]


def cells_names(cells: Sequence[Sequence[object]]) -> dict[str, str]:
    """The Vintages names (workbook.names.vintage_names) over the sheet holding `cells`."""
    return vintage_names(SHEET, max(2, len(cells[0])), max(2, len(cells)))


def add_vintage_sheet(book: Book, vintages: Mapping[str, Sequence[VintageRow]]) -> None:
    """The Vintages sheet of `vintages` (vintage_cells) and its names."""
    sheet = Sheet(SHEET, freeze="B2")
    book.sheets.append(sheet)
    cells = vintage_cells(vintages.get(SERIES, ()))
    for j, day in enumerate(cells[0], start=1):
        sheet.put(1, j, day, DATE_FORMAT if isinstance(day, dt.date) else None, style="header")
    for i, (day, *values) in enumerate(cells[1:], start=2):
        sheet.put(i, 1, day, DATE_FORMAT)
        for j, value in enumerate(values, start=2):
            if value is not None:
                sheet.put(i, j, value, "0.0")
    book.names.update(cells_names(cells))
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
