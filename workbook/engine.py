"""Compute a Lazarus workbook without Excel, with the `formulas` engine and every Lazarus function registered.

The engine's own parser and function library (INDEX, MATCH, MAXIFS, LOOKUP, IF, …, and INDEX:INDEX references)
evaluate each formula; Lazarus functions are added to its function table while a formula compiles and run through
udfs.cells exactly as a cell in Excel does. Everything that touches the inside of `formulas` is in
workbook/formulas_shim.py. What differs from `formulas.ExcelModel` is the bookkeeping around it, for speed:
- ExcelModel makes a graph node of every one of the ~150,000 data cells (25 s for this workbook); here a formula
  asks for the names, cells and ranges it uses, and a data range is handed over as one array;
- compiling a formula costs ~9 ms, so numbers and cell references are lifted out into inputs and each formula
  *shape* is compiled once: the 252 rows of chart data share a handful of compiled templates.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

import numpy as np
from openpyxl.utils import get_column_letter

from udfs.functions import SELF_CONTAINED
from udfs.inputs import date_to_serial
from workbook import formulas_shim as shim
from workbook.model import Book, Sheet

_PLACEHOLDER = "LZARG"
# A cell reference such as B3 or $AB$12 that is not part of a name, a sheet reference or a range.
_CELL = re.compile(r"(?<![A-Za-z0-9_.!:$'])\$?([A-Z]{1,3})\$?([0-9]+)(?![A-Za-z0-9_(:!])")
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.$])([0-9]+(?:\.[0-9]+)?(?:E[+-]?[0-9]+)?)(?![A-Za-z0-9_(.])")
_REFERENCE = re.compile(r"^'?(?P<sheet>[^'!]+)'?!\$?(?P<c1>[A-Z]+)\$?(?P<r1>\d+)(?::\$?(?P<c2>[A-Z]+)\$?(?P<r2>\d+))?$")


@functools.cache
def functions() -> dict[str, Any]:
    """The function-table entries the engine compiles with: every Lazarus function, run through udfs.cells exactly
    as a cell in Excel does, and the faster INDEX, ROWS and COLUMNS. They are installed only while a formula
    compiles (formulas_shim.compile_formula), so the `formulas` package's own table stays as it is for everyone
    else in the process."""
    table = {function.name: shim.cell_function(function.call) for function in SELF_CONTAINED}
    table.update(shim.fast_lookups())
    return table


def plain(value: Any) -> Any:
    """An engine result as a Python value: a number, text, None for blank, or error text such as '#N/A'."""
    if hasattr(value, "value") and not isinstance(value, np.ndarray):
        value = value.value
    if isinstance(value, np.ndarray):
        value = value.ravel()[0] if value.size else None
    return shim.scalar(value)


def template(formula: str) -> tuple[str, list[tuple[str, str]]]:
    """The formula with numbers and cell references replaced by placeholder names, and what each stands for.

    '=IF(ISNUMBER(AB2),C17,NA())' -> ('=IF(ISNUMBER(LZARGA),LZARGB,NA())', [('cell', 'AB2'), ('cell', 'C17')]).
    Text inside quotes is left alone.
    """
    parts = formula.split('"')
    arguments: list[tuple[str, str]] = []

    def lift(kind: str):
        def replace(match: re.Match[str]) -> str:
            arguments.append((kind, match.group(0).replace("$", "")))
            # Letters only, so a placeholder can never read as a cell address.
            return _PLACEHOLDER + get_column_letter(len(arguments))

        return replace

    for i in range(0, len(parts), 2):  # even parts are outside string literals
        parts[i] = _NUMBER.sub(lift("number"), _CELL.sub(lift("cell"), parts[i]))
    return '"'.join(parts), arguments


@functools.cache
def _compiled(formula: str, extra: tuple[tuple[str, Any], ...] = ()) -> Any:
    table = functions()
    if extra:
        table = {**table, **{name: shim.cell_function(function) for name, function in extra}}
    return shim.compile_formula(formula, table)


def _serial(value: Any) -> Any:
    return date_to_serial(value) if isinstance(value, dt.date) else value


class BookEngine:
    """Evaluates the formulas of a `Book`: every formula cell, each name and range at most once."""

    def __init__(self, book: Book, reuse: BookEngine | None = None, extra: tuple[tuple[str, Any], ...] = ()):
        """`reuse`: an engine that computed another book sharing sheets with this one (`build_book(same_data_as=…)`):
        the cells and ranges of a shared sheet without formulas are taken from it, not read again. `extra`: cell
        functions beyond udfs.cells, as (name, function) pairs, e.g. HISTORY over a store."""
        self.book = book
        self.extra = extra  # cell functions beyond udfs.cells, e.g. HISTORY over a store: (name, function)
        self.sheets: dict[str, Sheet] = {sheet.name.upper(): sheet for sheet in book.sheets}
        self.names = {name.upper(): text for name, text in book.names.items()}
        self.memo: dict[str, Any] = {}
        if reuse is not None:
            shared = {
                name
                for name, sheet in self.sheets.items()
                if reuse.sheets.get(name) is sheet and not any(cell.is_formula for cell in sheet.cells.values())
            }
            for key, value in reuse.memo.items():
                sheet_name = key.removeprefix("range:").split("!", 1)[0]
                if "!" in key and not key.startswith(("name:", "array:")) and sheet_name in shared:
                    self.memo[key] = value
        # Every cell of a legacy array formula's block -> (its top-left cell, row and column within the block).
        self.filled: dict[tuple[str, int, int], tuple[int, int, int, int]] = {}
        for name, sheet in self.sheets.items():
            for (row, column), cell in sheet.cells.items():
                if cell.array is not None and cell.is_formula:
                    rows, columns = _block_size(cell.array)
                    for i in range(rows):
                        for j in range(columns):
                            self.filled[(name, row + i, column + j)] = (row, column, i, j)

    def compute(self) -> dict[str, dict[tuple[int, int], Any]]:
        """Every formula cell's value, by sheet name then (row, column)."""
        with shim.calls_remembered():
            return self._compute()

    def _compute(self) -> dict[str, dict[tuple[int, int], Any]]:
        results: dict[str, dict[tuple[int, int], Any]] = {}
        for sheet in self.book.sheets:
            values = results.setdefault(sheet.name, {})
            name = sheet.name.upper()
            for (row, column), cell in sheet.cells.items():
                if cell.is_formula or (name, row, column) in self.filled:
                    values[(row, column)] = plain(self.cell(name, row, column))
        return results

    def cell(self, sheet: str, row: int, column: int) -> Any:
        key = f"{sheet}!{row},{column}"
        if key not in self.memo:
            cell = self.sheets[sheet].cells.get((row, column))
            place = self.filled.get((sheet, row, column))
            if place is not None:
                top, left, i, j = place
                self.memo[key] = self._array(sheet, top, left)[i, j]
            elif cell is None:
                self.memo[key] = shim.EMPTY
            elif cell.is_formula:
                self.memo[key] = self.formula(str(cell.value), sheet)
            else:
                self.memo[key] = _serial(cell.value)
        return self.memo[key]

    def _array(self, sheet: str, row: int, column: int) -> np.ndarray:
        """The values of the array formula whose top-left cell is (row, column), computed once, as Excel fills its
        block: a single value fills every cell, one row or one column is repeated across the block, and cells beyond
        the result's size are #N/A."""
        key = f"array:{sheet}!{row},{column}"
        if key not in self.memo:
            cell = self.sheets[sheet].cells[(row, column)]
            result = self.formula(str(cell.value), sheet)
            if hasattr(result, "value") and not isinstance(result, np.ndarray):
                result = result.value
            grid = np.asarray(result, dtype=object)
            grid = grid.reshape(1, 1) if grid.ndim == 0 else grid.reshape(len(grid), -1) if grid.ndim == 1 else grid
            rows, columns = _block_size(str(cell.array))
            block = np.full((rows, columns), shim.NA, dtype=object)
            source = np.broadcast_to(
                grid, (rows if grid.shape[0] == 1 else grid.shape[0], columns if grid.shape[1] == 1 else grid.shape[1])
            )
            height, width = min(rows, source.shape[0]), min(columns, source.shape[1])
            block[:height, :width] = source[:height, :width]
            self.memo[key] = block
        return self.memo[key]

    def formula(self, text: str, sheet: str) -> Any:
        shape, arguments = template(text)
        function = _compiled(shape, self.extra)
        inputs = [self._input(name, arguments, sheet) for name in function.inputs]
        return function(*inputs)

    def _input(self, name: str, arguments: list[tuple[str, str]], sheet: str) -> Any:
        if name.startswith(_PLACEHOLDER):
            kind, text = arguments[self._placeholder_index(name[len(_PLACEHOLDER) :])]
            if kind == "number":
                return float(text)
            return self._reference(f"{sheet}!{text}")
        if name.upper() in self.names:
            return self._name(name.upper())
        return self._reference(name)

    @staticmethod
    def _placeholder_index(letters: str) -> int:
        index = 0
        for letter in letters:
            index = index * 26 + (ord(letter) - 64)
        return index - 1

    def _name(self, name: str) -> Any:
        key = f"name:{name}"
        if key not in self.memo:
            text = self.names[name]
            self.memo[key] = self._reference(text) if _REFERENCE.match(text) else self.formula("=" + text, "")
        return self.memo[key]

    def _reference(self, text: str) -> Any:
        """A cell's value, or a range as the engine's Ranges object (so INDEX can return references into it)."""
        from openpyxl.utils import column_index_from_string

        match = _REFERENCE.match(text.replace("$", ""))
        if match is None:
            raise ValueError(f"cannot resolve reference {text!r}")
        sheet = match["sheet"].upper()
        if match["c2"] is None:
            return self.cell(sheet, int(match["r1"]), column_index_from_string(match["c1"]))
        key = f"range:{sheet}!{match['c1']}{match['r1']}:{match['c2']}{match['r2']}"
        if key not in self.memo:
            first_row, last_row = int(match["r1"]), int(match["r2"])
            first_col, last_col = column_index_from_string(match["c1"]), column_index_from_string(match["c2"])
            grid = np.full((last_row - first_row + 1, last_col - first_col + 1), shim.EMPTY, dtype=object)
            cells = self.sheets[sheet].cells
            for r in range(first_row, last_row + 1):
                for c in range(first_col, last_col + 1):
                    cell = cells.get((r, c))
                    if (sheet, r, c) in self.filled:
                        grid[r - first_row, c - first_col] = self.cell(sheet, r, c)
                    elif cell is not None and cell.value is not None:
                        value = self.cell(sheet, r, c) if cell.is_formula else _serial(cell.value)
                        grid[r - first_row, c - first_col] = value
            reference = f"{sheet}!{match['c1']}{first_row}:{match['c2']}{last_row}"
            self.memo[key] = shim.reference(reference, grid)
        return self.memo[key]


def _block_size(block: str) -> tuple[int, int]:
    """Rows and columns of a block such as 'AA2:AA253'."""
    from openpyxl.utils.cell import range_boundaries

    first_col, first_row, last_col, last_row = range_boundaries(block)
    return last_row - first_row + 1, last_col - first_col + 1


def calculate(
    book: Book, reuse: BookEngine | None = None, extra: dict[str, Any] | None = None
) -> dict[str, dict[tuple[int, int], Any]]:
    """Every formula cell of `book`, computed: sheet name -> (row, column) -> value. `extra` adds cell functions by
    name (the caller's, such as HISTORY reading a store, which this package may not import)."""
    return BookEngine(book, reuse, tuple(sorted((extra or {}).items()))).compute()
