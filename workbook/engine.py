"""Compute a Lazarus workbook without Excel, with the `formulas` engine and every Lazarus function registered.

The engine's own parser and function library (INDEX, MATCH, MAXIFS, LOOKUP, IF, …, and INDEX:INDEX references)
evaluate each formula; Lazarus functions are added to its function table and run through udfs.cells exactly as a
cell in Excel does. What differs from `formulas.ExcelModel` is the bookkeeping around it, for speed:
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

from udfs.cells import ALL
from workbook.model import Book, Sheet

_EPOCH = dt.date(1899, 12, 30)
_PLACEHOLDER = "LZARG"
# A cell reference such as B3 or $AB$12 that is not part of a name, a sheet reference or a range.
_CELL = re.compile(r"(?<![A-Za-z0-9_.!:$'])\$?([A-Z]{1,3})\$?([0-9]+)(?![A-Za-z0-9_(:!])")
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.$])([0-9]+(?:\.[0-9]+)?(?:E[+-]?[0-9]+)?)(?![A-Za-z0-9_(.])")
_REFERENCE = re.compile(r"^'?(?P<sheet>[^'!]+)'?!\$?(?P<c1>[A-Z]+)\$?(?P<r1>\d+)(?::\$?(?P<c2>[A-Z]+)\$?(?P<r2>\d+))?$")
_registered = False


def _letters(index: int) -> str:
    # Placeholder suffixes are letters only, so a placeholder can never read as a cell address.
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(65 + rest) + text
    return text


def _from_engine(value: Any) -> Any:
    """Engine values to what the cell functions take: a range stays a 2-D object array with blanks as None (error
    values and text are not numbers, so the cleaning rules count them as missing); a single cell becomes a scalar."""
    import schedula

    if isinstance(value, np.ndarray):
        if value.size == 1:
            return _from_engine(value.ravel()[0])
        grid = np.array(value, dtype=object)
        grid[grid == schedula.EMPTY] = None  # one C-level pass; a per-cell Python loop cost 5 s per workbook
        return grid
    return _scalar(value)


def _scalar(value: Any) -> Any:
    """One engine value as Python: blank -> None, an error value -> its text ('#N/A'), NumPy numbers -> Python."""
    import schedula
    from formulas.functions import XlError

    if value is schedula.EMPTY:
        return None
    if isinstance(value, XlError):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def register() -> None:
    """Add every Lazarus function to the engine's function table (once per process)."""
    global _registered
    if _registered:
        return
    import formulas
    from formulas.functions import Array, wrap_ranges_func

    table = formulas.get_functions()
    for function in ALL:

        def call(*args: Any, _function=function) -> Any:
            result = _function(*[_from_engine(a) for a in args])
            return np.asarray(result, dtype=object).view(Array) if isinstance(result, list) else result

        call.__name__ = function.__name__
        table[function.__name__] = wrap_ranges_func(call)
    table["INDEX"] = _fast_index(table["INDEX"])
    table["ROWS"] = _size_of_arrays(table["ROWS"], axis=0)
    table["COLUMNS"] = _size_of_arrays(table["COLUMNS"], axis=1)
    _registered = True


def _size_of_arrays(original: Any, axis: int) -> Any:
    """ROWS/COLUMNS that also take a computed array (Excel's ROWS(RALLY_ANALOGS(...))); the engine's own
    versions accept only references."""
    from formulas.ranges import Ranges

    def size(value: Any) -> Any:
        if isinstance(value, Ranges):
            return original(value)
        if isinstance(value, np.ndarray):
            return value.shape[axis] if value.ndim == 2 else 1
        return 1

    return size


def _scalar_number(value: Any) -> float | None:
    from formulas.ranges import Ranges

    if isinstance(value, Ranges):
        value = value.value
    if isinstance(value, np.ndarray):
        if value.size != 1:
            return None
        value = value.ravel()[0]
    if isinstance(value, np.generic):
        value = value.item()
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _fast_index(original: dict[str, Any]) -> dict[str, Any]:
    """INDEX(range, row[, column]) that picks one cell directly.

    The engine's INDEX builds a reference object for every cell of the range before picking one: ~90 ms on an
    8,000-row column, and the as-of names and chart data call it hundreds of times. For one range and whole
    numbers ≥ 1 this builds only the chosen cell's reference, exactly as the engine's INDEX builds it; anything
    else (row 0, arrays of rows, several areas, out of range) goes to the engine's INDEX unchanged.
    """
    from formulas.ranges import Ranges
    from formulas.tokens.operand import _index2col

    engine_index = original["function"]

    def index(compiling: bool, array: Any, row_num: Any, col_num: Any = None, area_num: Any = 1) -> Any:
        if not compiling and isinstance(array, Ranges) and not array.is_set and _scalar_number(area_num) == 1:
            base = array.ranges[0]
            first_row, first_col = int(base["r1"]), int(base["n1"])
            rows, cols = int(base["r2"]) - first_row + 1, int(base["n2"]) - first_col + 1
            row, col = _scalar_number(row_num), 1.0 if col_num is None else _scalar_number(col_num)
            if col_num is None and rows == 1:
                row, col = 1.0, row
            if row is not None and col is not None and 1 <= row <= rows and 1 <= col <= cols:
                r, n = first_row + int(row) - 1, first_col + int(col) - 1
                values = Ranges((base,), array.values).value
                sheet_id = base["sheet_id"]
                ref = f"{_index2col(n)}{r}"
                cell = {
                    "r1": r,
                    "r2": r,
                    "c1": _index2col(n),
                    "c2": _index2col(n),
                    "n1": n,
                    "n2": n,
                    "ref": ref,
                    "name": f"{sheet_id}!{ref}" if sheet_id else ref,
                    "sheet_id": sheet_id,
                }
                return Ranges(values=dict(array.values)).set_value(cell, values[r - first_row, n - first_col])
        return engine_index(compiling, array, row_num, col_num, area_num)

    return {**original, "function": index}


def plain(value: Any) -> Any:
    """An engine result as a Python value: a number, text, None for blank, or error text such as '#N/A'."""
    if hasattr(value, "value") and not isinstance(value, np.ndarray):
        value = value.value
    if isinstance(value, np.ndarray):
        value = value.ravel()[0] if value.size else None
    return _scalar(value)


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
            return _PLACEHOLDER + _letters(len(arguments) - 1)

        return replace

    for i in range(0, len(parts), 2):  # even parts are outside string literals
        parts[i] = _NUMBER.sub(lift("number"), _CELL.sub(lift("cell"), parts[i]))
    return '"'.join(parts), arguments


@functools.cache
def _compiled(formula: str) -> Any:
    import formulas

    return formulas.Parser().ast(formula)[1].compile()


def _serial(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return float((value - _EPOCH).days)
    return value


class BookEngine:
    """Evaluates the formulas of a `Book`: every formula cell, each name and range at most once."""

    def __init__(self, book: Book):
        register()
        self.book = book
        self.sheets: dict[str, Sheet] = {sheet.name.upper(): sheet for sheet in book.sheets}
        self.names = {name.upper(): text for name, text in book.names.items()}
        self.memo: dict[str, Any] = {}

    def compute(self) -> dict[str, dict[tuple[int, int], Any]]:
        """Every formula cell's value, by sheet name then (row, column)."""
        results: dict[str, dict[tuple[int, int], Any]] = {}
        for sheet in self.book.sheets:
            values = results.setdefault(sheet.name, {})
            for (row, column), cell in sheet.cells.items():
                if cell.is_formula:
                    values[(row, column)] = plain(self.cell(sheet.name.upper(), row, column))
        return results

    def cell(self, sheet: str, row: int, column: int) -> Any:
        key = f"{sheet}!{row},{column}"
        if key not in self.memo:
            cell = self.sheets[sheet].cells.get((row, column))
            if cell is None:
                import schedula

                self.memo[key] = schedula.EMPTY
            elif cell.is_formula:
                self.memo[key] = self.formula(str(cell.value), sheet)
            else:
                self.memo[key] = _serial(cell.value)
        return self.memo[key]

    def formula(self, text: str, sheet: str) -> Any:
        shape, arguments = template(text)
        function = _compiled(shape)
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
        import formulas
        import schedula
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
            grid = np.full((last_row - first_row + 1, last_col - first_col + 1), schedula.EMPTY, dtype=object)
            cells = self.sheets[sheet].cells
            for r in range(first_row, last_row + 1):
                for c in range(first_col, last_col + 1):
                    cell = cells.get((r, c))
                    if cell is not None and cell.value is not None:
                        value = self.cell(sheet, r, c) if cell.is_formula else _serial(cell.value)
                        grid[r - first_row, c - first_col] = value
            reference = f"{sheet}!{match['c1']}{first_row}:{match['c2']}{last_row}"
            self.memo[key] = formulas.Ranges().push(reference, grid)
        return self.memo[key]


def calculate(book: Book) -> dict[str, dict[tuple[int, int], Any]]:
    """Every formula cell of `book`, computed: sheet name -> (row, column) -> value."""
    return BookEngine(book).compute()
