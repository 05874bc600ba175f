"""The copy for colleagues: opens in Excel, LibreOffice or Numbers with no add-in and no Python.

It is the same `Book` as the live workbook with every formula replaced by its computed value, charts and formats
kept. Because the copy is rebuilt from the layout, nothing outside the layout can reach it: no VBA, no config or
hidden sheets, no keys, no defined names or external links, no user name or file path in the properties.

It is a dated snapshot: every printed page says what it is, of which workbook, as of which day and when it was made;
the data sheets stop at the as-of day; prompts that only work in the live workbook are gone; the chart data is
hidden; an "About this copy" sheet gives each series' terms of use. `with_data=False` leaves the data sheets out (the
charts keep their points: their data lives on the Dashboard).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

from udfs.errors import NA_PREFIX
from udfs.excel_facts import EXCEL_EPOCH
from workbook import direct
from workbook.added_sheet import SHEET as ADDED_SHEET
from workbook.added_sheet import read_added
from workbook.catalogue import CATALOGUE, SERIES_TERMS, SOURCE_HEADER, VENDOR_TERMS, Source
from workbook.dashboard import AS_OF_CELL
from workbook.dashboard import SHEET as DASHBOARD
from workbook.data_sheets import DATA_TABLES, read_tables
from workbook.info_sheets import LOG_HEADER
from workbook.layout import build_book
from workbook.model import Book, Cell, Sheet, with_values
from workbook.vintage_sheet import SHEET as VINTAGE_SHEET
from workbook.vintage_sheet import read_vintage_sheet
from workbook.xlsx import read_grids, write_book

COPY_SUFFIX = " (for colleagues)"
ABOUT = "About this copy"
# A data table prints its last rows to the as-of day (its header repeated): a page per table, not hundreds.
PRINTED_ROWS = 30

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


@dataclass(frozen=True)
class Snapshot:
    """What the copy says about itself."""

    workbook: str = "lazarus.xlsx"  # the live workbook it was made from
    exported: dt.datetime | None = None  # UTC; None = now
    with_data: bool = True  # False leaves the data sheets (Prices, Rates, Macro) out


def as_of_day(book: Book, results: Mapping[str, Mapping[tuple[int, int], Any]]) -> dt.date | None:
    """The day the book answers for: its as-of cell, computed."""
    position = AS_OF_CELL
    cell = book.sheet(DASHBOARD).cells.get(position) if any(s.name == DASHBOARD for s in book.sheets) else None
    value = (
        results.get(DASHBOARD, {}).get(position)
        if cell is not None and cell.is_formula
        else getattr(cell, "value", None)
    )
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return EXCEL_EPOCH + dt.timedelta(days=int(value))
    return None


def _cut_at(sheet: Sheet, as_of: dt.date) -> Sheet:
    """The data sheet with each table's rows after `as_of` removed, its table refs shortened and its print area set
    to each table's last PRINTED_ROWS rows."""
    cells = dict(sheet.cells)
    tables = list(sheet.tables)
    areas = []
    for ref in sheet.tables:  # each table's first column holds its dates
        first_col, _, last_col, last_row = range_boundaries(ref.ref)
        letters = (get_column_letter(first_col), get_column_letter(last_col))
        kept = 1
        for row in range(2, last_row + 1):
            day = cells.get((row, first_col))
            if isinstance(getattr(day, "value", None), dt.date) and day.value > as_of:
                for column in range(first_col, last_col + 1):
                    cells.pop((row, column), None)
            elif day is not None:
                kept = row
        if kept < 2:  # an empty table (an Excel table keeps one data row) prints nothing
            tables[tables.index(ref)] = replace(ref, ref=f"{letters[0]}1:{letters[1]}2")
            continue
        tables[tables.index(ref)] = replace(ref, ref=f"{letters[0]}1:{letters[1]}{kept}")
        areas.append(f"{letters[0]}{max(2, kept - PRINTED_ROWS + 1)}:{letters[1]}{kept}")
    return replace(sheet, cells=cells, tables=tables, print_area=",".join(areas) or None)


def _in_copy(sheet: Sheet) -> Sheet:
    """The sheet without what only works in the live workbook: prompts replaced, input cells shown as plain values."""
    cells = {}
    for position, cell in sheet.cells.items():
        if position in sheet.in_copy:
            text = sheet.in_copy[position]
            if not text:
                continue
            cell = replace(cell, value=text)
        if cell.style == "input":
            cell = replace(cell, style=None)
        cells[position] = cell
    return replace(sheet, cells=cells, in_copy={})


def _source_rows(book: Book) -> list[tuple[str, list[str]]]:
    """(series id, vendor ids in order) of each row of the book's Sources sheet."""
    sources = next((sheet for sheet in book.sheets if sheet.name == "Sources"), None)
    if sources is None:
        return []
    vendors_column = SOURCE_HEADER.index("vendors") + 1
    rows = []
    row = 2
    while (row, 1) in sources.cells:
        cell = sources.cells.get((row, vendors_column))
        links = str(cell.value if cell is not None else "").split("|")
        rows.append((str(sources.cells[(row, 1)].value), [link.split(":", 1)[0].strip().lower() for link in links]))
        row += 1
    return rows


def _about_sheet(book: Book, snapshot: Snapshot, as_of: dt.date | None, exported: dt.datetime) -> Sheet:
    sheet = Sheet(ABOUT, wrap_columns="B:D")
    sheet.put(1, 1, "About this copy", style="title")
    facts = [
        (
            "What it is",
            "A copy of a Lazarus workbook for colleagues: values, charts and formats only. It has no formulas, "
            "needs no add-in and does not update.",
        ),
        ("Copy of", snapshot.workbook),
        ("As of", as_of.isoformat() if as_of else "the latest day in its data"),
        ("Exported", exported.strftime("%Y-%m-%d %H:%M UTC")),
        (
            "Data",
            "The data sheets stop at the as-of day."
            if snapshot.with_data
            else "The data sheets are left out of this copy; the charts keep their points.",
        ),
        (
            "Printing",
            f"The Dashboard, one part per page; each data table's last {PRINTED_ROWS} rows to the as-of day; the "
            "other sheets whole. To print a whole data table, select it and print the selection.",
        ),
    ]
    row = 3
    for label, text in facts:
        sheet.put(row, 1, label, style="label")
        sheet.put(row, 2, text)
        row += 1
    sources = _source_rows(book)
    row += 1
    sheet.put(row, 1, "Terms of use: data handed on carries its vendor's terms", style="heading")
    sheet.put_row(row + 1, ["Vendor", "Terms"], style="header")
    row += 2
    for vendor in dict.fromkeys(v for _, vendors in sources for v in vendors):
        sheet.put_row(row, [vendor, VENDOR_TERMS.get(vendor, "see the vendor's own terms")])
        row += 1
    row += 1
    heading = "Each series: what it is and where it comes from (the Log sheet says which vendor served it)"
    sheet.put(row, 1, heading, style="heading")
    sheet.put_row(row + 1, ["Series", "What it is", "Vendors, tried in order", "Terms of its own"], style="header")
    row += 2
    labels = {source.id: source.label for source in CATALOGUE}
    for series_id, vendors in sources:
        sheet.put_row(row, [series_id, labels.get(series_id, ""), ", ".join(vendors), SERIES_TERMS.get(series_id)])
        row += 1
    sheet.widths.update({"A": 16, "B": 56, "C": 34, "D": 50})
    return sheet


def snapshot_book(
    book: Book, results: Mapping[str, Mapping[tuple[int, int], Any]], snapshot: Snapshot = Snapshot()
) -> Book:
    """The colleague copy of `book` as plain data: values only, cut at the as-of day, marked as a dated copy."""
    exported = snapshot.exported or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    as_of = as_of_day(book, results)
    copy = values_book(book, results)
    data_sheets = {table.sheet for table in DATA_TABLES} | {ADDED_SHEET}
    sheets = []
    for sheet in copy.sheets:
        if sheet.name in data_sheets:
            if not snapshot.with_data:
                continue
            sheet = _cut_at(sheet, as_of or dt.date.max)
        sheets.append(_in_copy(sheet))
    sheets.insert(1 if sheets and sheets[0].name == DASHBOARD else 0, _about_sheet(book, snapshot, as_of, exported))
    day = as_of.isoformat() if as_of else "the latest data"
    stamp = exported.strftime("%Y-%m-%d %H:%M UTC")
    what = f"Copy for colleagues of {snapshot.workbook}, as of {day}, exported {stamp}: values only, does not update"
    dashboard = next((s for s in sheets if s.name == DASHBOARD), None)
    if dashboard is not None and (2, 1) not in dashboard.cells:
        dashboard.cells[(2, 1)] = Cell(what + f" (see '{ABOUT}').", style="note")
    return replace(copy, sheets=sheets, page_header=what, hide_helper_columns=True)


def export_book(
    book: Book,
    target: Path,
    results: Mapping[str, Mapping[tuple[int, int], Any]] | None = None,
    snapshot: Snapshot = Snapshot(),
    live: Path | None = None,
) -> Path:
    """Write the colleague copy of `book` to `target` (computing it first unless `results` are given). `live`: the
    live workbook just written from `book`: a data sheet the copy keeps as it is (nothing after the as-of day, at the
    same place) is taken from that file instead of being written again (see workbook.xlsx.write_book)."""
    computed = results if results is not None else direct.calculate(book)
    return write_book(snapshot_book(book, computed, snapshot), target, same_data_as=(live, book) if live else None)


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
    source_rows = _rows(grids.get("Sources"), SOURCE_HEADER)
    added_data = read_added(grids.get(ADDED_SHEET))
    added = [
        Source(str(row[0]), (), ADDED_SHEET, str(row[2] or row[0]))
        for row in source_rows
        if row[1] == ADDED_SHEET and str(row[2] or row[0]) in added_data
    ]
    data.update({source.id: added_data[source.column] for source in added})
    return build_book(
        data,
        as_of,
        sources=source_rows or None,
        log_rows=_rows(grids.get("Log"), LOG_HEADER),
        provenance=[f"Exported for colleagues on {dt.date.today().isoformat()}."],
        vintages=read_vintage_sheet(grids.get(VINTAGE_SHEET)),
        added=added,
    )


def is_colleague_copy_name(path: Path) -> bool:
    return path.stem.endswith(COPY_SUFFIX)


def colleague_copy_path(source: Path) -> Path:
    """Where the copy for colleagues of `source` goes by default: beside it, as '<name> (for colleagues).xlsx'
    (a name that already says so is kept, never doubled)."""
    if is_colleague_copy_name(source):
        return source.with_suffix(".xlsx")
    return source.with_name(f"{source.stem}{COPY_SUFFIX}.xlsx")


def export_for_colleagues(source: Path, target: Path | None = None, with_data: bool = True) -> Path:
    """The colleague copy of the Lazarus workbook file `source`, written to `target` (default: beside it)."""
    book = book_from_file(source)
    snapshot = Snapshot(workbook=source.name, with_data=with_data)
    return export_book(book, target or colleague_copy_path(source), snapshot=snapshot)
