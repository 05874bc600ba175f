"""The workbook as plain data: sheets of cells, tables, defined names and charts.

The layout builds a `Book`, the xlsx writer turns it into a file, the engine computes its formulas, and the export
writes the same `Book` with values in place of formulas. Nothing here does I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from openpyxl.utils import get_column_letter

Value = float | int | str | dt.date | None


@dataclass(frozen=True)
class Cell:
    """One cell: a value, or a formula (text starting with '='), with an optional number format and style."""

    value: Value
    number_format: str | None = None
    style: str | None = None  # "title", "heading", "label", "note", "header"
    # On the top-left cell of a legacy array formula (Ctrl+Shift+Enter in Excel): the block it fills, e.g. "AA2:AA253".
    # The formula is computed once and its values fill the block; the other cells of the block hold no value.
    array: str | None = None

    @property
    def is_formula(self) -> bool:
        return isinstance(self.value, str) and self.value.startswith("=")


@dataclass(frozen=True)
class Table:
    """An Excel table over `ref` (header row included), e.g. "A1:G8222"."""

    name: str
    ref: str


@dataclass(frozen=True)
class ChartSeries:
    title: str
    values: str  # e.g. "Dashboard!$AB$2:$AB$253"


@dataclass(frozen=True)
class Chart:
    """A native line chart placed at `anchor`, x axis = `categories` (dates)."""

    title: str
    anchor: str
    categories: str
    series: tuple[ChartSeries, ...]
    y_title: str = ""
    number_format: str = "General"
    width_cm: float = 15.0
    height_cm: float = 8.5
    # The value axis: "data" spans the plotted values (a price or a ratio, not from zero) and the date axis starts at
    # the first date with a value, where the plotted cells are values (formulas change them, so there both axes stay
    # automatic); "auto" leaves both to the application; or fixed (low, high) bounds.
    y_scale: str | tuple[float, float] = "auto"


@dataclass
class Sheet:
    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    widths: dict[str, float] = field(default_factory=dict)
    freeze: str | None = None
    print_area: str | None = None  # what prints (default: every cell); landscape, one page wide
    # Printing (workbook.xlsx.apply_page_setup): rows repeated at the top of every printed page, e.g. "1:3" (default:
    # the rows above `freeze`), and the rows that start a new printed page (between a sheet's sections).
    print_titles: str | None = None
    page_breaks: list[int] = field(default_factory=list)
    wrap_columns: str | None = None  # e.g. "A:F": long text wraps within the column, on screen and on paper
    # Columns that only feed the sheet's charts, e.g. "Z:AI": shown in the live workbook, hidden in the colleague copy
    # (the charts still plot them).
    helper_columns: str | None = None
    # Cells that only make sense in the live workbook (a prompt to type, a pointer to a command): position -> what the
    # colleague copy shows there instead ("" leaves the cell empty).
    in_copy: dict[tuple[int, int], str] = field(default_factory=dict)

    def put(self, row: int, column: int, value: Value, number_format: str | None = None, style: str | None = None):
        self.cells[(row, column)] = Cell(value, number_format, style)

    def put_array(self, first_row: int, column: int, rows: int, formula: str, number_format: str | None = None):
        """One legacy array formula filling `rows` cells of `column` from `first_row` down (Excel 2016/2019 compute
        it as one formula; Excel 365 too)."""
        letter = get_column_letter(column)
        block = f"{letter}{first_row}:{letter}{first_row + rows - 1}"
        self.cells[(first_row, column)] = Cell(formula, number_format, array=block)
        for row in range(first_row + 1, first_row + rows):
            self.cells[(row, column)] = Cell(None, number_format)

    def put_block(self, first_row: int, first_column: int, rows: int, columns: int, formula: str) -> None:
        """One legacy array formula filling a block of `rows` × `columns` cells (a table computed once)."""
        last = f"{get_column_letter(first_column + columns - 1)}{first_row + rows - 1}"
        block = f"{get_column_letter(first_column)}{first_row}:{last}"
        self.cells[(first_row, first_column)] = Cell(formula, array=block)
        for row in range(first_row, first_row + rows):
            for column in range(first_column, first_column + columns):
                if (row, column) != (first_row, first_column):
                    self.cells[(row, column)] = Cell(None)

    def put_row(self, row: int, values: list[Value], first_column: int = 1, style: str | None = None) -> None:
        for offset, value in enumerate(values):
            if value is not None:
                self.cells[(row, first_column + offset)] = Cell(value, None, style)


@dataclass
class Book:
    sheets: list[Sheet]
    names: dict[str, str] = field(default_factory=dict)  # defined name -> formula text without '='
    # Cells whose computed value the command line and tests read back, by key: key -> (sheet, "C5").
    answers: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Printed at the top of every page, e.g. what the colleague copy is and when it was made ("" = the sheet's name).
    page_header: str = ""
    hide_helper_columns: bool = False  # the colleague copy hides each sheet's helper_columns

    def sheet(self, name: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        raise KeyError(name)


def with_values(sheet: Sheet, values: dict[tuple[int, int], Value]) -> Sheet:
    """A copy of `sheet` where each formula cell, and each cell an array formula fills, holds its computed value
    instead (same format and style), as a plain value."""
    if not values and not any(cell.is_formula for cell in sheet.cells.values()):
        return sheet  # nothing computed on it (a data sheet): the same sheet, so a writer can reuse what it wrote
    cells = {
        position: replace(cell, value=values.get(position), array=None)
        if cell.is_formula or (cell.value is None and position in values)
        else cell
        for position, cell in sheet.cells.items()
    }
    return replace(sheet, cells=cells)
