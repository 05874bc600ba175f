"""The copy for colleagues: opens in Excel, LibreOffice or Numbers with no add-in and no Python.

It is the same `Book` as the live workbook with every formula replaced by its computed value, charts and formats
kept. Because the copy is rebuilt from the layout, nothing outside the layout can reach it: no VBA, no config or
hidden sheets, no keys, no defined names or external links, no user name or file path in the properties.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from udfs.errors import NA_PREFIX
from workbook import direct
from workbook.catalogue import SOURCE_HEADER
from workbook.dashboard import AS_OF_CELL
from workbook.dashboard import SHEET as DASHBOARD
from workbook.data_sheets import read_tables
from workbook.info_sheets import LOG_HEADER
from workbook.layout import build_book
from workbook.model import Book, with_values
from workbook.xlsx import read_grids, write_book

# Excel error values the engine may produce; in a values-only copy they become empty cells, which charts draw as
# gaps (the chart data uses #N/A for exactly that) and which never read as a broken formula.
_ERRORS = {"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!"}


def shown(value: Any) -> Any:
    """How a computed value appears in the copy: a Lazarus `#N/A NAME: reason` becomes 'n/a: reason' (the reader
    has no add-in, and '#N/A' would look like a broken formula); an Excel error value becomes an empty cell."""
    if isinstance(value, str):
        if value in _ERRORS:
            return None
        if value.startswith(NA_PREFIX):
            reason = value[len(NA_PREFIX) :].split(": ", 1)[-1]
            return f"n/a: {reason}"
    return value


def values_book(book: Book, results: Mapping[str, Mapping[tuple[int, int], Any]]) -> Book:
    """`book` with every formula replaced by its computed value, and no defined names."""
    sheets = [
        with_values(sheet, {position: shown(value) for position, value in results.get(sheet.name, {}).items()})
        for sheet in book.sheets
    ]
    return Book(sheets=sheets, names={}, answers=dict(book.answers))


def export_book(
    book: Book,
    target: Path,
    results: Mapping[str, Mapping[tuple[int, int], Any]] | None = None,
    live: Path | None = None,
) -> Path:
    """Write the colleague copy of `book` to `target` (computing it first unless `results` are given). `live`: the
    live workbook just written from `book`, whose data sheets the copy takes as they are instead of writing them
    again (see workbook.xlsx.write_book)."""
    computed = results if results is not None else direct.calculate(book)
    return write_book(values_book(book, computed), target, same_data_as=(live, book) if live else None)


def _rows(grid: list[list[object]] | None, header: list[str]) -> list[list[object]]:
    if not grid or [str(v) if v is not None else "" for v in grid[0][: len(header)]] != header:
        return []
    return [list(row[: len(header)]) for row in grid[1:] if any(v is not None for v in row[: len(header)])]


def book_from_file(source: Path) -> Book:
    """Rebuild the layout of a Lazarus workbook file from its data tables, as-of cell, Sources and Log sheets.

    Only what the layout defines is read, so whatever else the file holds (VBA, a config sheet, hidden sheets,
    document properties) is left behind.
    """
    grids = read_grids(source)
    data = read_tables(grids)
    if not data:
        raise ValueError(f"{source.name}: no Lazarus data tables (Prices, Rates, Macro) found")
    as_of: dt.date | None = None
    dashboard = grids.get(DASHBOARD)
    if dashboard and len(dashboard) >= AS_OF_CELL[0] and len(dashboard[AS_OF_CELL[0] - 1]) >= AS_OF_CELL[1]:
        value = dashboard[AS_OF_CELL[0] - 1][AS_OF_CELL[1] - 1]
        if isinstance(value, dt.datetime):
            as_of = value.date()
        elif isinstance(value, dt.date):
            as_of = value
    return build_book(
        data,
        as_of,
        sources=_rows(grids.get("Sources"), SOURCE_HEADER) or None,
        log_rows=_rows(grids.get("Log"), LOG_HEADER),
        provenance=[f"Exported for colleagues on {dt.date.today().isoformat()}."],
    )


def colleague_copy_path(source: Path) -> Path:
    """Where the copy for colleagues of `source` goes by default: beside it, as '<name> (for colleagues).xlsx'."""
    return source.with_name(f"{source.stem} (for colleagues).xlsx")


def export_for_colleagues(source: Path, target: Path | None = None) -> Path:
    """The colleague copy of the Lazarus workbook file `source`, written to `target` (default: beside it)."""
    return export_book(book_from_file(source), target or colleague_copy_path(source))
