"""Compute a Lazarus workbook's formulas directly: the model's own formulas parsed once and evaluated on NumPy arrays
with the cell functions, without a general spreadsheet engine.

The model writes formulas in a small part of Excel's language: names, cell and range references, INDEX(…):INDEX(…)
ranges, arithmetic, comparison and `&`, and IF, IFERROR, ISNUMBER, INDEX, MATCH, ROWS, COUNT, MAX, MIN, MAXIFS,
MINIFS, LOOKUP, TEXT, ABS, ROUND, NA, OR, AND and LEFT besides the Lazarus functions. That part is evaluated here, with
Excel's rules as the `formulas` engine (workbook/engine.py) applies them; the engine stays the independent proof that
the two agree on every formula cell (tests/test_direct.py). A formula outside that part (another function, an
argument of a kind not handled here) raises `Uncovered` and that cell is computed by the engine instead, with a debug
log line naming the cell and the reason, so a new formula shape is never wrong, only slower until it is covered.

Every name, range and formula cell is evaluated at most once, and a Lazarus function called again with the same
arguments (the Dashboard's analog grid) is answered from memory, as the engine does.
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import logging
import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from openpyxl.utils.cell import range_boundaries

from udfs.excel_facts import EXCEL_EPOCH
from udfs.functions import SELF_CONTAINED
from udfs.inputs import date_to_serial, serial_to_date
from workbook.model import Book, Sheet
from workbook.xlsx import ERROR_VALUES

log = logging.getLogger(__name__)

_EPOCH_ORDINAL = EXCEL_EPOCH.toordinal()

Results = dict[str, dict[tuple[int, int], Any]]


class Uncovered(Exception):
    """A formula, or a value met while evaluating it, outside what this module evaluates: the engine computes it."""


@dataclass(frozen=True)
class Error:
    """An Excel error value such as #N/A (a Lazarus function's `#N/A …` is text, not an error value)."""

    code: str


NA, VALUE, REF, DIV0 = Error("#N/A"), Error("#VALUE!"), Error("#REF!"), Error("#DIV/0!")


@dataclass(frozen=True)
class Ref:
    """A reference to a block of cells of one sheet (upper-case name), 1-based and inclusive."""

    sheet: str
    top: int
    left: int
    bottom: int
    right: int

    @property
    def rows(self) -> int:
        return self.bottom - self.top + 1

    @property
    def columns(self) -> int:
        return self.right - self.left + 1


# --- Parsing -------------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>"(?:[^"]|"")*")
  | (?P<sheetref>(?:'[^']+'|[A-Za-z_][A-Za-z0-9_.]*)!\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)
  | (?P<absref>\$[A-Z]{1,3}\$?\d+|[A-Z]{1,3}\$\d+)
  | (?P<number>\d+(?:\.\d*)?(?:[Ee][+-]?\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op><=|>=|<>|[-+*/^&=<>(),:])
    )""",
    re.VERBOSE,
)
_CELL_WORD = re.compile(r"^[A-Z]{1,3}\d+$")
_COMPARE = ("=", "<>", "<", ">", "<=", ">=")

Node = tuple[Any, ...]


def tokens(formula: str) -> list[tuple[str, str]]:
    out, at, text = [], 0, formula.strip()
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            raise Uncovered(f"cannot read {text[at : at + 20]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        at = match.end()
    return out


class _Parser:
    """Excel's precedence, lowest first: comparison, &, + -, * /, ^, unary minus, the range operator ':'."""

    def __init__(self, formula: str):
        self.items = tokens(formula.removeprefix("="))
        self.at = 0

    def peek(self) -> str | None:
        return self.items[self.at][1] if self.at < len(self.items) else None

    def take(self) -> tuple[str, str]:
        item = self.items[self.at]
        self.at += 1
        return item

    def expect(self, text: str) -> None:
        if self.peek() != text:
            raise Uncovered(f"expected {text!r}")
        self.at += 1

    def parse(self) -> Node:
        node = self.comparison()
        if self.at != len(self.items):
            raise Uncovered(f"unexpected {self.peek()!r}")
        return node

    def _binary(self, operators: tuple[str, ...], operand: Callable[[], Node]) -> Node:
        node = operand()
        while self.peek() in operators and self.items[self.at][0] == "op":
            node = ("op", self.take()[1], node, operand())
        return node

    def comparison(self) -> Node:
        return self._binary(_COMPARE, self.concat)

    def concat(self) -> Node:
        return self._binary(("&",), self.additive)

    def additive(self) -> Node:
        return self._binary(("+", "-"), self.term)

    def term(self) -> Node:
        return self._binary(("*", "/"), self.power)

    def power(self) -> Node:
        return self._binary(("^",), self.unary)

    def unary(self) -> Node:
        if self.peek() in ("-", "+") and self.items[self.at][0] == "op":
            sign = self.take()[1]
            operand = self.unary()
            return ("op", "-", ("num", 0.0), operand) if sign == "-" else ("op", "+", ("num", 0.0), operand)
        return self.span()

    def span(self) -> Node:
        node = self.primary()
        while self.peek() == ":":
            self.at += 1
            node = ("span", node, self.primary())
        return node

    def primary(self) -> Node:
        if self.at >= len(self.items):
            raise Uncovered("the formula ends too soon")
        kind, text = self.take()
        if kind == "number":
            return ("num", float(text))
        if kind == "string":
            return ("str", text[1:-1].replace('""', '"'))
        if kind in ("sheetref", "absref"):
            return ("ref", text)
        if kind == "word":
            if self.peek() == "(":
                self.at += 1
                arguments: list[Node] = []
                if self.peek() != ")":
                    while True:
                        if self.peek() in (",", ")"):
                            raise Uncovered("an empty argument")
                        arguments.append(self.comparison())
                        if self.peek() != ",":
                            break
                        self.at += 1
                self.expect(")")
                return ("call", text.upper(), tuple(arguments))
            if text.upper() in ("TRUE", "FALSE"):
                return ("bool", text.upper() == "TRUE")
            return ("ref", text) if _CELL_WORD.match(text) else ("name", text.upper())
        if text == "(":
            node = self.comparison()
            self.expect(")")
            return node
        raise Uncovered(f"unexpected {text!r}")


_PARSED: dict[str, Node] = {}


def parse(formula: str) -> Node:
    """The formula's syntax tree, parsed once per text."""
    if formula not in _PARSED:
        _PARSED[formula] = _Parser(formula).parse()
    return _PARSED[formula]


def _ref(text: str, sheet: str) -> Ref:
    where, _, cells = text.rpartition("!")
    name = where.strip("'").upper() if where else sheet
    left, top, right, bottom = range_boundaries(cells.replace("$", ""))
    return Ref(name, top, left, bottom or top, right or left)


# --- Excel's rules on values ---------------------------------------------------------------------------------


def _number(value: Any) -> float | Error:
    """A value in arithmetic: blank is 0, TRUE 1, numeric text its number, other text #VALUE!."""
    if isinstance(value, Error):
        return value
    if value is None:
        return 0.0
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, (int, float, np.number)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return VALUE
    raise Uncovered(f"a {type(value).__name__} in arithmetic")


def _arithmetic(operator: str, left: Any, right: Any) -> Any:
    a, b = _number(left), _number(right)
    if isinstance(a, Error):
        return a
    if isinstance(b, Error):
        return b
    if operator == "+":
        return a + b
    if operator == "-":
        return a - b
    if operator == "*":
        return a * b
    if operator == "/":
        return DIV0 if b == 0 else a / b
    try:
        result = a**b
    except (OverflowError, ZeroDivisionError):
        return Error("#NUM!")
    if isinstance(result, complex):
        return Error("#NUM!")
    return result


def _kind(value: Any) -> int:
    # Excel orders numbers before text before logical values.
    if isinstance(value, (bool, np.bool_)):
        return 2
    return 1 if isinstance(value, str) else 0


def _compare(operator: str, left: Any, right: Any) -> Any:
    for value in (left, right):
        if isinstance(value, Error):
            return value
    # A blank takes the other side's kind: 0, "" or FALSE.
    if left is None:
        left = right.__class__() if right is not None else 0.0
    if right is None:
        right = left.__class__()
    if isinstance(left, np.number):
        left = float(left)
    if isinstance(right, np.number):
        right = float(right)
    a, b = (left.upper(), right.upper()) if isinstance(left, str) and isinstance(right, str) else (left, right)
    if _kind(a) != _kind(b):
        a, b = _kind(a), _kind(b)
    return {
        "=": a == b,
        "<>": a != b,
        "<": a < b,
        ">": a > b,
        "<=": a <= b,
        ">=": a >= b,
    }[operator]


def _text(value: Any) -> str | Error:
    if isinstance(value, Error):
        return value
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)) and float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    raise Uncovered("a fractional number as text")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_))


def _elementwise(function: Callable[[Any, Any], Any], left: Any, right: Any) -> Any:
    if isinstance(left, np.ndarray) or isinstance(right, np.ndarray):
        return np.frompyfunc(function, 2, 1)(left, right).astype(object)
    return function(left, right)


# --- The evaluator ---------------------------------------------------------------------------------------------


class Columns:
    """What is read from a sheet's cells once and shared between the books of one run (the newsletter's day and the
    latest day share their data sheets): where its formulas are, and its data columns as arrays."""

    def __init__(self) -> None:
        self.memo: dict[tuple[int, int, int, int], np.ndarray] = {}
        self.scans: dict[int, tuple[Sheet, list[tuple[int, int]], list[tuple[int, int]]]] = {}
        self.by_column: dict[int, dict[int, tuple[np.ndarray, np.ndarray]]] = {}

    def scan(self, sheet: Sheet) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """The positions of the sheet's formula cells, and of those that start an array formula, in one pass."""
        if id(sheet) not in self.scans:
            formulas, arrays = [], []
            for position, cell in sheet.cells.items():
                value = cell.value
                if value.__class__ is str and value[:1] == "=":
                    formulas.append(position)
                    if cell.array is not None:
                        arrays.append(position)
            self.scans[id(sheet)] = (sheet, formulas, arrays)  # the sheet is kept so that its id stays its own
        _, formulas, arrays = self.scans[id(sheet)]
        return formulas, arrays

    def _columns(self, sheet: Sheet) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Each column of a sheet as (its rows, ascending; their values), sorted in NumPy from one pass over the
        cells."""
        if id(sheet) not in self.by_column:
            cells = sheet.cells
            # From the (row, column) keys in C: np.array on a list of tuples takes six times as long.
            keys = np.fromiter(itertools.chain.from_iterable(cells), np.int64, 2 * len(cells)).reshape(-1, 2)
            values = np.empty(len(cells), dtype=object)
            values[:] = list(map(operator.attrgetter("value"), cells.values()))
            order = np.lexsort((keys[:, 0], keys[:, 1]))
            rows, columns, values = keys[order, 0], keys[order, 1], values[order]
            found, starts = np.unique(columns, return_index=True)
            ends = [*starts[1:], len(columns)]
            self.by_column[id(sheet)] = {
                int(c): (rows[a:b], values[a:b]) for c, a, b in zip(found, starts, ends, strict=True)
            }
        return self.by_column[id(sheet)]

    def block(self, sheet: Sheet, ref: Ref) -> np.ndarray:
        """The cells of `ref` on a sheet without formulas: a float block (NaN for blanks, dates as serials) when
        every cell is a number, a date or blank, else objects (None for blanks)."""
        if ref.columns != 1:
            parts = [
                self.block(sheet, Ref(ref.sheet, ref.top, c, ref.bottom, c)) for c in range(ref.left, ref.right + 1)
            ]
            kinds = {part.dtype for part in parts}
            return np.hstack(parts if len(kinds) == 1 else [_as_cells(part) for part in parts])
        key = (id(sheet), ref.top, ref.bottom, ref.left)
        if key not in self.memo:
            rows, values = self._columns(sheet).get(ref.left, (np.empty(0, dtype=int), np.empty(0, dtype=object)))
            start, stop = np.searchsorted(rows, [ref.top, ref.bottom + 1])
            self.memo[key] = _column_array(values[start:stop], rows[start:stop] - ref.top, ref.rows)
        return self.memo[key]


def _column_array(values: np.ndarray, at: np.ndarray, length: int) -> np.ndarray:
    """`values` (objects) placed at rows `at` of a column of `length` cells, as floats where every value is a number
    or a date (as its serial), else as objects (None for blanks)."""
    kinds = set(map(type, values))
    if kinds <= {float, int}:
        out = np.full(length, np.nan)
        out[at] = values.astype(float)
        return out.reshape(-1, 1)
    if kinds <= {dt.date}:
        out = np.full(length, np.nan)
        out[at] = np.fromiter(map(dt.date.toordinal, values), float, len(values)) - _EPOCH_ORDINAL
        return out.reshape(-1, 1)
    cells = np.full(length, None, dtype=object)
    cells[at] = [date_to_serial(value) if isinstance(value, dt.date) else value for value in values]
    return cells.reshape(-1, 1)


def _as_cells(grid: np.ndarray) -> np.ndarray:
    """A float block as cell values (NaN -> blank), for INDEX, MATCH and the other lookups."""
    if grid.dtype == object:
        return grid
    out = grid.astype(object)
    out[np.isnan(grid)] = None
    return out


class Evaluator:
    """Evaluates the formula cells of a `Book` (see the module's docstring)."""

    def __init__(
        self,
        book: Book,
        reuse: Evaluator | None = None,
        extra: Mapping[str, Callable[..., Any]] | None = None,
    ):
        self.book = book
        self.extra = dict(extra or {})
        self.functions: dict[str, Callable[..., Any]] = {f.name: f.call for f in SELF_CONTAINED}
        self.functions.update(self.extra)
        self.sheets = {sheet.name.upper(): sheet for sheet in book.sheets}
        self.names = {name.upper(): text for name, text in book.names.items()}
        self.columns = reuse.columns if reuse is not None else Columns()
        self.values: dict[Any, Any] = {}
        self.calls: dict[Any, Any] = {}
        self.fallbacks: list[tuple[str, int, int, str]] = []  # (sheet, row, column, why) computed by the engine
        self._engine: Any = None
        # Every cell of a legacy array formula's block -> (its top-left cell, row and column within the block).
        self.filled: dict[tuple[str, int, int], tuple[int, int, int, int]] = {}
        self.formulas: dict[str, list[tuple[int, int]]] = {}
        for name, sheet in self.sheets.items():
            self.formulas[name], arrays = self.columns.scan(sheet)
            for row, column in arrays:
                left, top, right, bottom = range_boundaries(str(sheet.cells[(row, column)].array))
                for i in range(bottom - top + 1):
                    for j in range(right - left + 1):
                        self.filled[(name, row + i, column + j)] = (row, column, i, j)

    # -- the results --

    def compute(self) -> Results:
        """Every formula cell's value (and every cell an array formula fills), by sheet name then (row, column): a
        number, text, None for blank, or an error's text such as '#N/A', as workbook.engine gives them."""
        results: Results = {}
        # The collector is paused: the book is hundreds of thousands of cell objects, and each collection that
        # happened to fall inside the computation walked all of them.
        paused = gc.isenabled()
        gc.disable()
        try:
            for sheet in self.book.sheets:
                values = results.setdefault(sheet.name, {})
                name = sheet.name.upper()
                filled = [(row, column) for sheet_name, row, column in self.filled if sheet_name == name]
                for row, column in (*self.formulas[name], *filled):
                    values[(row, column)] = _plain(self.cell(name, row, column))
        finally:
            if paused:
                gc.enable()
        return results

    def cell(self, sheet: str, row: int, column: int) -> Any:
        key = (sheet, row, column)
        if key not in self.values:
            place = self.filled.get(key)
            if place is not None:
                top, left, i, j = place
                self.values[key] = self._block(sheet, top, left)[i, j]
            else:
                cell = self.sheets[sheet].cells.get((row, column))
                if cell is None or cell.value is None:
                    self.values[key] = None
                elif cell.is_formula:
                    self.values[key] = self._formula_cell(sheet, row, column, str(cell.value))
                else:
                    value = cell.value
                    self.values[key] = date_to_serial(value) if isinstance(value, dt.date) else value
        return self.values[key]

    def _formula_cell(self, sheet: str, row: int, column: int, formula: str) -> Any:
        try:
            return self._scalar(self.evaluate(parse(formula), sheet))
        except Uncovered as why:
            return self._fallback(sheet, row, column, str(why))

    def _fallback(self, sheet: str, row: int, column: int, why: str) -> Any:
        log.debug("%s!R%dC%d: computed by the formulas engine (%s)", sheet, row, column, why)
        self.fallbacks.append((sheet, row, column, why))
        return self._by_engine(lambda engine: engine.cell(sheet, row, column))

    def _by_engine(self, work: Callable[[Any], Any], block: bool = False) -> Any:
        """`work(the book's BookEngine)` (made once), its repeated Lazarus calls remembered, every value in it as
        this module's values."""
        from workbook import engine, formulas_shim  # only when needed: importing the engine takes about a second

        if self._engine is None:
            self._engine = engine.BookEngine(self.book, extra=tuple(sorted(self.extra.items())))
        with formulas_shim.calls_remembered():
            result = work(self._engine)
        if block:
            # A legacy array formula's block: each cell as this module's value, in a plain object array.
            cells = np.empty(result.shape, dtype=object)
            cells[...] = [[_from_plain(engine.plain(v)) for v in row] for row in np.asarray(result)]
            return cells
        return _from_plain(engine.plain(result))  # a cell's value (an array gives its first cell, as in the engine)

    def _block(self, sheet: str, row: int, column: int) -> np.ndarray:
        """The values of the array formula whose top-left cell is (row, column), computed once, as Excel fills its
        block: one value fills every cell, one row or column is repeated across it, cells beyond the result #N/A."""
        key = ("array", sheet, row, column)
        if key not in self.values:
            cell = self.sheets[sheet].cells[(row, column)]
            try:
                result = self.evaluate(parse(str(cell.value)), sheet)
                if isinstance(result, Ref):
                    result = self._grid(result)
            except Uncovered as why:
                log.debug("%s!R%dC%d: array computed by the formulas engine (%s)", sheet, row, column, why)
                self.fallbacks.append((sheet, row, column, str(why)))
                result = self._by_engine(lambda engine: engine._array(sheet, row, column), block=True)
            grid = np.asarray(result, dtype=object)
            grid = grid.reshape(1, 1) if grid.ndim == 0 else grid.reshape(len(grid), -1) if grid.ndim == 1 else grid
            left, top, right, bottom = range_boundaries(str(cell.array))
            rows, columns = bottom - top + 1, right - left + 1
            block = np.full((rows, columns), NA, dtype=object)
            shape = (rows if grid.shape[0] == 1 else grid.shape[0], columns if grid.shape[1] == 1 else grid.shape[1])
            source = np.broadcast_to(grid, shape)
            height, width = min(rows, shape[0]), min(columns, shape[1])
            block[:height, :width] = source[:height, :width]
            self.values[key] = block
        return self.values[key]

    # -- names and references --

    def name(self, name: str) -> Any:
        key = ("name", name)
        if key not in self.values:
            if name not in self.names:
                raise Uncovered(f"unknown name {name}")
            self.values[key] = self.evaluate(parse("=" + self.names[name]), "")
        return self.values[key]

    def _grid(self, ref: Ref) -> np.ndarray:
        """The values of a block of cells: a data sheet's as a float array where it can be (see Columns), a block
        holding formulas as objects."""
        key = ("grid", ref)
        if key not in self.values:
            sheet = self.sheets.get(ref.sheet)
            if sheet is None:
                raise Uncovered(f"unknown sheet {ref.sheet}")
            if not self.formulas[ref.sheet]:
                grid = self.columns.block(sheet, ref)
            else:
                grid = np.empty((ref.rows, ref.columns), dtype=object)
                for r in range(ref.rows):
                    for c in range(ref.columns):
                        grid[r, c] = self.cell(ref.sheet, ref.top + r, ref.left + c)
            self.values[key] = grid
        return self.values[key]

    def value(self, value: Any) -> Any:
        """A reference's value (one cell: its value; a block: its grid); anything else as it is."""
        if isinstance(value, Ref):
            if value.rows == 1 and value.columns == 1:
                return self.cell(value.sheet, value.top, value.left)
            return self._grid(value)
        return value

    def _scalar(self, value: Any) -> Any:
        """A formula cell's single value: a block gives its top-left cell, as the engine does."""
        value = self.value(value)
        if isinstance(value, np.ndarray):
            if not value.size:
                raise Uncovered("an empty array")
            first = value.ravel()[0]
            return None if isinstance(first, float) and value.dtype != object and math.isnan(first) else first
        return value

    # -- evaluation --

    def evaluate(self, node: Node, sheet: str) -> Any:
        kind = node[0]
        if kind == "num" or kind == "str" or kind == "bool":
            return node[1]
        if kind == "ref":
            return _ref(node[1], sheet)
        if kind == "name":
            return self.name(node[1])
        if kind == "span":
            first, last = self.evaluate(node[1], sheet), self.evaluate(node[2], sheet)
            for end in (first, last):
                if isinstance(end, Error):
                    return end  # a series with no data by the as-of date: the error is passed on, as in Excel
            if not (isinstance(first, Ref) and isinstance(last, Ref) and first.sheet == last.sheet):
                raise Uncovered("a range between values that are not references")
            return Ref(
                first.sheet,
                min(first.top, last.top),
                min(first.left, last.left),
                max(first.bottom, last.bottom),
                max(first.right, last.right),
            )
        if kind == "op":
            operator = node[1]
            left = self._operand(self.evaluate(node[2], sheet))
            right = self._operand(self.evaluate(node[3], sheet))
            if operator in _COMPARE:
                if isinstance(left, np.ndarray) or isinstance(right, np.ndarray):
                    raise Uncovered("a comparison of arrays")
                return _compare(operator, left, right)
            if operator == "&":
                if isinstance(left, np.ndarray) or isinstance(right, np.ndarray):
                    raise Uncovered("& on arrays")
                a, b = _text(left), _text(right)
                return a if isinstance(a, Error) else b if isinstance(b, Error) else a + b
            return _elementwise(lambda a, b: _arithmetic(operator, a, b), left, right)
        if kind == "call":
            return self.call(node[1], node[2], sheet)
        raise Uncovered(f"unknown node {kind}")

    def _operand(self, value: Any) -> Any:
        value = self.value(value)
        if isinstance(value, np.ndarray):
            if value.size == 1:
                return _as_cells(value).ravel()[0]
            return _as_cells(value)
        return value

    def call(self, name: str, arguments: tuple[Node, ...], sheet: str) -> Any:
        if name in self.functions:
            return self._lazarus(name, [self.evaluate(a, sheet) for a in arguments])
        if name == "IF":
            if not 2 <= len(arguments) <= 3:
                raise Uncovered("IF with other than 2 or 3 arguments")
            condition = self._operand(self.evaluate(arguments[0], sheet))
            if isinstance(condition, np.ndarray):
                raise Uncovered("IF over an array")
            if isinstance(condition, Error):
                return condition
            if isinstance(condition, str):
                if condition.upper() not in ("TRUE", "FALSE"):
                    return VALUE
                truth = condition.upper() == "TRUE"
            else:
                truth = bool(_number(condition))
            if truth:
                return self.evaluate(arguments[1], sheet)
            return self.evaluate(arguments[2], sheet) if len(arguments) == 3 else False
        if name == "IFERROR":
            if len(arguments) != 2:
                raise Uncovered("IFERROR without 2 arguments")
            value = self._operand(self.evaluate(arguments[0], sheet))
            if isinstance(value, np.ndarray):
                if not any(isinstance(v, Error) for v in value.ravel()):
                    return value
                other = self._operand(self.evaluate(arguments[1], sheet))
                if isinstance(other, np.ndarray):
                    raise Uncovered("IFERROR with an array fallback")
                return np.frompyfunc(lambda v: other if isinstance(v, Error) else v, 1, 1)(value).astype(object)
            return self._operand(self.evaluate(arguments[1], sheet)) if isinstance(value, Error) else value
        values = [self.evaluate(a, sheet) for a in arguments]
        handler = _BUILTINS.get(name)
        if handler is None:
            raise Uncovered(f"the function {name}")
        return handler(self, values)

    def _lazarus(self, name: str, values: list[Any]) -> Any:
        """A Lazarus cell function, called as a cell in Excel calls it: a reference arrives as its values (one cell
        as its value, a block as a 2-D array), a table another function spilled as that table."""
        arguments = []
        for value in values:
            value = self.value(value)
            if isinstance(value, Error):
                raise Uncovered("an error value as a Lazarus function's argument")
            if isinstance(value, np.ndarray) and value.size == 1:
                value = _as_cells(value).ravel()[0]
            arguments.append(value)
        key = (name, *(("array", id(a)) if isinstance(a, np.ndarray) else (type(a).__name__, a) for a in arguments))
        if key not in self.calls:
            result = self.functions[name](*arguments)
            if isinstance(result, list):
                result = _table(name, result)
            self.calls[key] = (arguments, result)  # the arguments stay alive, so their ids stay theirs
        return self.calls[key][1]


def _table(name: str, rows: list[Any]) -> np.ndarray:
    """A spilled table (a list of rows) as a 2-D object array."""
    width = len(rows[0]) if rows else 0
    if not rows or any(not isinstance(row, (list, tuple)) or len(row) != width for row in rows):
        raise Uncovered(f"{name} gave a table that is not rectangular")
    table = np.empty((len(rows), width), dtype=object)
    for i, row in enumerate(rows):
        table[i, :] = row
    return table


def _from_plain(value: Any) -> Any:
    """The engine's plain value back as this module's: an error's text is the error value again."""
    if isinstance(value, str) and value in _ERROR_TEXTS:
        return Error(value)
    return value


_ERROR_TEXTS = frozenset(ERROR_VALUES)


def _plain(value: Any) -> Any:
    """As workbook.engine.plain gives a result: an error as its text, NumPy numbers as Python ones."""
    if isinstance(value, Error):
        return value.code
    if isinstance(value, np.generic):
        return value.item()
    return value


# --- Excel's own functions, as far as the model uses them ------------------------------------------------------


def _cells_of(evaluator: Evaluator, value: Any) -> np.ndarray | Error:
    """A reference or an array as a 2-D block of cell values (None for blank); a single value as a 1×1 block."""
    value = evaluator.value(value)
    if isinstance(value, Error):
        return value
    if isinstance(value, np.ndarray):
        return _as_cells(value)
    block = np.empty((1, 1), dtype=object)
    block[0, 0] = value
    return block


def _whole(value: Any) -> int | Error:
    number = _number(value)
    if isinstance(number, Error):
        return number
    return int(number)


def _index(evaluator: Evaluator, values: list[Any]) -> Any:
    if not 2 <= len(values) <= 3:
        raise Uncovered("INDEX with other than 2 or 3 arguments")
    target = values[0]
    if isinstance(target, Error):
        return target
    numbers = [_whole(evaluator._operand(v)) for v in values[1:]]
    for number in numbers:
        if isinstance(number, Error):
            return number
    if isinstance(target, Ref):
        rows, columns = target.rows, target.columns
    else:
        block = _cells_of(evaluator, target)
        assert not isinstance(block, Error)
        rows, columns = block.shape
    if len(numbers) == 1:
        if columns == 1:
            row, column = numbers[0], 1
        elif rows == 1:
            row, column = 1, numbers[0]
        else:
            return REF
    else:
        row, column = numbers
    if row < 0 or column < 0:
        return VALUE
    if row > rows or column > columns:
        return REF
    if row == 0 or column == 0:
        if row == 0 and column == 0:
            raise Uncovered("INDEX of a whole row and column")
        if isinstance(target, Ref):
            # Excel's INDEX(reference, 0, c) is column c of the reference, (reference, r, 0) row r: references still.
            if row == 0:
                return Ref(target.sheet, target.top, target.left + column - 1, target.bottom, target.left + column - 1)
            return Ref(target.sheet, target.top + row - 1, target.left, target.top + row - 1, target.right)
        # Excel's INDEX(array, 0, c) is the whole column c, and INDEX(array, r, 0) the whole row r.
        return block[:, column - 1 : column] if row == 0 else block[row - 1 : row, :]
    if not (1 <= row <= rows and 1 <= column <= columns):
        return REF
    if isinstance(target, Ref):
        r, c = target.top + row - 1, target.left + column - 1
        return Ref(target.sheet, r, c, r, c)
    return block[row - 1, column - 1]


def _numbers_in(block: np.ndarray) -> np.ndarray:
    """A mask of the cells of a block that hold a number (not a logical value, text, blank or error)."""
    return np.frompyfunc(_is_number, 1, 1)(block).astype(bool)


def _match(evaluator: Evaluator, values: list[Any]) -> Any:
    if len(values) != 3:
        raise Uncovered("MATCH without a match type")
    wanted, kind = evaluator._operand(values[0]), evaluator._operand(values[2])
    if isinstance(wanted, Error):
        return wanted
    if isinstance(wanted, np.ndarray) or not _is_number(wanted) or kind not in (0.0, 1.0):
        raise Uncovered("MATCH of other than a number, exact or ascending")
    raw = evaluator.value(values[1])
    if isinstance(raw, Error):
        return raw
    if not isinstance(raw, np.ndarray):
        raw = _cells_of(evaluator, raw)
    if not isinstance(raw, np.ndarray) or 1 not in raw.shape:
        raise Uncovered("MATCH in other than one row or column")
    if raw.dtype == object:
        block = raw.ravel()
        numeric = _numbers_in(block)
        column = np.where(numeric, block, np.nan).astype(float)
    else:
        column = raw.ravel()
    gaps = np.isnan(column)
    if gaps.all():
        return NA
    if kind == 0.0:  # exact: a blank or text never equals a number
        hits = np.flatnonzero(column == wanted)
        return float(hits[0] + 1) if hits.size else NA
    if gaps.any():
        raise Uncovered("MATCH in an ascending range with gaps")
    if np.any(np.diff(column) < 0):
        raise Uncovered("MATCH in a range that is not ascending")
    position = int(np.searchsorted(column, wanted, side="right"))
    return float(position) if position else NA


def _rows(evaluator: Evaluator, values: list[Any]) -> Any:
    (value,) = values
    if isinstance(value, Ref):
        return value.rows
    if isinstance(value, np.ndarray):
        return value.shape[0] if value.ndim == 2 else 1
    return 1


def _numeric_cells(evaluator: Evaluator, value: Any) -> np.ndarray | Error:
    """The numbers among a reference's or array's cells, as floats; a single value that is a number as one."""
    value = evaluator.value(value)
    if isinstance(value, Error):
        return value
    if isinstance(value, np.ndarray):
        if value.dtype != object:
            flat = value.ravel()
            return flat[~np.isnan(flat)]
        flat = value.ravel()
        return flat[_numbers_in(flat)].astype(float)
    return np.array([float(value)]) if _is_number(value) else np.empty(0)


def _count(evaluator: Evaluator, values: list[Any]) -> Any:
    total = 0
    for value in values:
        numbers = _numeric_cells(evaluator, value)
        total += 0 if isinstance(numbers, Error) else len(numbers)
    return total


def _extreme(pick: Callable[[np.ndarray], Any]) -> Callable[[Evaluator, list[Any]], Any]:
    def extreme(evaluator: Evaluator, values: list[Any]) -> Any:
        found = []
        for value in values:
            numbers = _numeric_cells(evaluator, value)
            if isinstance(numbers, Error):
                raise Uncovered("MAX/MIN over an error value")  # the engine gives #VALUE! there, Excel the error
            found.append(numbers)
        every = np.concatenate(found) if found else np.empty(0)
        return float(pick(every)) if every.size else 0.0

    return extreme


_CRITERION = re.compile(r"^\s*(<=|>=|<>|<|>|=)?\s*([-+]?\d+(?:\.\d*)?(?:[Ee][+-]?\d+)?)\s*$")


def _ifs(pick: Callable[[np.ndarray], Any]) -> Callable[[Evaluator, list[Any]], Any]:
    """MAXIFS/MINIFS with one numeric criterion such as ">0": over the cells whose criterion cell is a number that
    meets it; 0 when none does."""

    def ifs(evaluator: Evaluator, values: list[Any]) -> Any:
        if len(values) != 3:
            raise Uncovered("MAXIFS/MINIFS with other than one criterion")
        target, tested = (evaluator.value(v) for v in values[:2])
        criterion = evaluator._operand(values[2])
        if isinstance(criterion, Error):
            return criterion
        if isinstance(target, Error) or isinstance(tested, Error):
            # A range with no data by the as-of date: the engine finds no cell meeting the criterion and gives 0,
            # as it does for an empty range (Excel would pass the error on), where the other range is an error or
            # one cell too; beside a longer range (the months of a vintage column before the first vintage day) it
            # gives #VALUE!, the shapes differing. The same here, so the two agree.
            other = tested if isinstance(target, Error) else target
            return VALUE if isinstance(other, np.ndarray) and other.size > 1 else 0.0
        match = _CRITERION.match(criterion) if isinstance(criterion, str) else None
        if match is None or not isinstance(target, np.ndarray) or not isinstance(tested, np.ndarray):
            raise Uncovered("MAXIFS/MINIFS with other than a numeric criterion over ranges")
        if target.shape != tested.shape:
            return VALUE
        operator, level = match.group(1) or "=", float(match.group(2))
        if tested.dtype == object:
            numeric = _numbers_in(tested.ravel())
            checked = np.where(numeric, tested.ravel(), np.nan).astype(float)
        else:
            checked = tested.ravel()
        with np.errstate(invalid="ignore"):
            meets = {
                "=": checked == level,
                "<>": checked != level,
                "<": checked < level,
                ">": checked > level,
                "<=": checked <= level,
                ">=": checked >= level,
            }[operator] & ~np.isnan(checked)
        if operator == "<>":
            raise Uncovered("MAXIFS/MINIFS with <> (it also counts blanks and text)")
        if target.dtype == object:
            flat = target.ravel()
            chosen = flat[meets & _numbers_in(flat)].astype(float)
        else:
            chosen = target.ravel()[meets]
            chosen = chosen[~np.isnan(chosen)]
        return float(pick(chosen)) if chosen.size else 0.0

    return ifs


def _lookup(evaluator: Evaluator, values: list[Any]) -> Any:
    if len(values) != 2:
        raise Uncovered("LOOKUP with a result vector")
    wanted = evaluator._operand(values[0])
    numbers = _numeric_cells(evaluator, values[1])
    if isinstance(wanted, Error):
        return wanted
    if isinstance(numbers, Error):
        return numbers
    if not _is_number(wanted):
        raise Uncovered("LOOKUP of other than a number")
    if not numbers.size:
        return NA
    if wanted < numbers.max():
        raise Uncovered("LOOKUP of a number inside the range's values")
    return float(numbers[-1])  # the classic LOOKUP(9.99E+307, range): the last number


def _text_function(evaluator: Evaluator, values: list[Any]) -> Any:
    value, pattern = (evaluator._operand(v) for v in values)
    if isinstance(value, Error):
        return value
    if pattern in _DATE_TEXTS and _is_number(value) and value < 1:
        return VALUE  # no date before day 1, as the engine has it
    # Before 1 March 1900 Excel's serials count a 29 February 1900 that never was: left to the engine.
    if pattern not in _DATE_TEXTS or not _is_number(value) or value < 61:
        raise Uncovered("TEXT with other than a date since March 1900 as yyyy-mm-dd or yyyy-mm")
    return serial_to_date(float(value)).isoformat()[: _DATE_TEXTS[pattern]]


_DATE_TEXTS = {"yyyy-mm-dd": 10, "yyyy-mm": 7}  # a format -> how much of the ISO date it shows


def _one(function: Callable[[Any], Any]) -> Callable[[Evaluator, list[Any]], Any]:
    def call(evaluator: Evaluator, values: list[Any]) -> Any:
        if len(values) != 1:
            raise Uncovered("a function of one argument given another number")
        value = evaluator._operand(values[0])
        if isinstance(value, np.ndarray):
            raise Uncovered("a function of one value given an array")
        return function(value)

    return call


def _round(evaluator: Evaluator, values: list[Any]) -> Any:
    """ROUND(x, digits): halves away from zero, as Excel rounds."""
    if len(values) != 2:
        raise Uncovered("ROUND without its digits")
    number, digits = (_number(evaluator._operand(v)) for v in values)
    for value in (number, digits):
        if isinstance(value, Error):
            return value
    scale = 10.0 ** int(digits)  # type: ignore[arg-type]
    shifted = abs(number) * scale  # type: ignore[operator]
    return math.copysign(math.floor(shifted + 0.5) / scale, number)  # type: ignore[arg-type]


def _abs(value: Any) -> Any:
    number = _number(value)
    return number if isinstance(number, Error) else abs(number)


def _logical(combine: Callable[[list[bool]], bool]) -> Callable[[Evaluator, list[Any]], Any]:
    """OR/AND over single values: an error is the answer, a blank is left out, a number is TRUE unless 0."""

    def logical(evaluator: Evaluator, values: list[Any]) -> Any:
        truths = []
        for value in values:
            value = evaluator._operand(value)
            if isinstance(value, Error):
                return value
            if isinstance(value, (np.ndarray, str)):
                raise Uncovered("OR/AND of an array or text")
            if value is not None:
                number = _number(value)
                if isinstance(number, Error):
                    return number
                truths.append(number != 0)
        return combine(truths) if truths else VALUE

    return logical


def _left(evaluator: Evaluator, values: list[Any]) -> Any:
    if not 1 <= len(values) <= 2:
        raise Uncovered("LEFT with other than 1 or 2 arguments")
    text = _text(evaluator._operand(values[0]))
    count = _whole(evaluator._operand(values[1])) if len(values) == 2 else 1
    for value in (text, count):
        if isinstance(value, Error):
            return value
    if count < 0:  # type: ignore[operator]
        return VALUE
    return text[:count]  # type: ignore[index]


def _na(evaluator: Evaluator, values: list[Any]) -> Any:
    if values:
        raise Uncovered("NA with arguments")
    return NA


_BUILTINS: dict[str, Callable[[Evaluator, list[Any]], Any]] = {
    "INDEX": _index,
    "MATCH": _match,
    "ROWS": _rows,
    "COUNT": _count,
    "MAX": _extreme(np.max),
    "MIN": _extreme(np.min),
    "MAXIFS": _ifs(np.max),
    "MINIFS": _ifs(np.min),
    "LOOKUP": _lookup,
    "TEXT": _text_function,
    "ISNUMBER": _one(_is_number),
    "ABS": _one(_abs),
    "NA": _na,
    "OR": _logical(any),
    "AND": _logical(all),
    "LEFT": _left,
    "ROUND": _round,
}


def calculate(book: Book, reuse: Evaluator | None = None, extra: Mapping[str, Any] | None = None) -> Results:
    """Every formula cell of `book`, computed: sheet name -> (row, column) -> value (as workbook.engine.calculate).
    `reuse`: the evaluator of another book sharing its data sheets. `extra`: cell functions by name (HISTORY)."""
    return Evaluator(book, reuse, extra).compute()
