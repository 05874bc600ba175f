"""Everything Lazarus needs from the inside of `formulas` (and of `schedula`, which it is built on), in one place.

workbook/engine.py talks only to this module. What is used here is not `formulas`' public API: the shape of its
function table entries, the keys of a `Ranges` reference, `_index2col`, `wrap_ranges_func`, `XlError` and
`schedula.EMPTY`. It is written against formulas==PINNED_VERSION (pyproject.toml pins it) and refuses to import
under any other version, so an upgrade fails here, loudly, instead of computing different numbers.

The function table: `formulas` looks a function name up in its one process-wide table (`formulas.get_functions()`)
while it parses a formula, and the compiled formula keeps the function object it found. `compile_formula` puts the
Lazarus entries into that table only while it parses, and puts the table back as it was before it returns, so other
users of `formulas` in the same process never see Lazarus' functions or its INDEX.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import sys
import threading
import types
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import formulas
import numpy as np
import schedula
from formulas.functions import Array, XlError, wrap_ranges_func
from formulas.ranges import Ranges
from formulas.tokens.operand import _index2col

PINNED_VERSION = "1.3.4"


class _Deferred(types.ModuleType):
    """Stands in for scipy while `formulas` loads its function modules: formulas/functions/stat.py imports
    `scipy.stats`, `scipy.linalg` and `scipy.interpolate.interp1d` at import time (about 1.5 s), for statistical
    functions no Lazarus workbook calls. The stand-ins are in `sys.modules` only for that import; whatever formulas
    keeps of them imports the real scipy module the first time it is used."""

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        name = self.__name__
        if name == "scipy" and attr in ("stats", "linalg", "interpolate"):
            return _Deferred(f"scipy.{attr}")
        if name == "scipy.interpolate" and attr == "interp1d":

            def interp1d(*args: Any, **kwargs: Any) -> Any:
                return importlib.import_module(name).interp1d(*args, **kwargs)

            return interp1d
        return getattr(importlib.import_module(name), attr)


def _function_table() -> Any:
    """formulas' function table, its modules imported without importing scipy now (see `_Deferred`)."""
    names = ("scipy", "scipy.stats", "scipy.linalg", "scipy.interpolate")
    if any(name in sys.modules for name in names):
        return formulas.get_functions()
    with _table_lock:
        sys.modules.update({name: _Deferred(name) for name in names})
        try:
            return formulas.get_functions()
        finally:
            for name in names:
                if isinstance(sys.modules.get(name), _Deferred):
                    del sys.modules[name]


if formulas.__version__ != PINNED_VERSION:
    raise ImportError(
        f"workbook.formulas_shim is written for formulas=={PINNED_VERSION} (pinned in pyproject.toml) and uses its "
        f"internals; formulas {formulas.__version__} is installed. Install formulas=={PINNED_VERSION}."
    )

# The engine's blank cell (a cell with nothing in it, as opposed to 0 or "").
EMPTY = schedula.EMPTY
# The engine's #N/A error value (what NA() returns).
NA = XlError("#N/A")

_MISSING = object()
_table_lock = threading.RLock()


def from_engine(value: Any) -> Any:
    """Engine values to what the cell functions take: a range stays a 2-D object array with blanks as None (error
    values and text are not numbers, so the cleaning rules count them as missing); a single cell becomes a scalar."""
    if isinstance(value, np.ndarray):
        if value.size == 1:
            return from_engine(value.ravel()[0])
        grid = np.array(value, dtype=object)
        grid[grid == EMPTY] = None  # one C-level pass; a per-cell Python loop cost 5 s per workbook
        return grid
    return scalar(value)


def scalar(value: Any) -> Any:
    """One engine value as Python: blank -> None, an error value -> its text ('#N/A'), NumPy numbers -> Python."""
    if value is EMPTY:
        return None
    if isinstance(value, XlError):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


_calls: contextvars.ContextVar[dict[Any, Any] | None] = contextvars.ContextVar("lazarus_calls", default=None)


@contextlib.contextmanager
def calls_remembered() -> Iterator[None]:
    """Within the block, a Lazarus function called again with the same arguments (the Dashboard's analog grid asks
    RALLY_ANALOGS(IWM,PRICE_DATES,6) for each of its 72 cells) is answered from memory."""
    token = _calls.set({})
    try:
        yield
    finally:
        _calls.reset(token)


def _argument_key(value: Any) -> Any:
    # A range's values: the same cells are the same objects (the engine computes each cell once and the memo keeps
    # the arguments alive), so the bytes of an object array (its pointers) identify them.
    if isinstance(value, np.ndarray):
        return ("array", value.shape, value.dtype.str, value.tobytes())
    return (type(value).__name__, value)


def cell_function(function: Callable[..., Any]) -> Any:
    """A function-table entry that runs `function` as a cell in Excel does: references arrive as their values,
    converted by `from_engine`; a list result (a spilled table) goes back as an engine array. Inside
    `calls_remembered`, a call with the same arguments as an earlier one is answered from memory."""

    def compute(values: list[Any]) -> Any:
        result = function(*values)
        return np.asarray(result, dtype=object).view(Array) if isinstance(result, list) else result

    def call(*args: Any) -> Any:
        values = [from_engine(a) for a in args]
        memo = _calls.get()
        if memo is None:
            return compute(values)
        key = (function.__name__, *map(_argument_key, values))
        if key not in memo:
            memo[key] = (values, compute(values))  # the arguments are kept so that their objects stay alive
        return memo[key][1]

    call.__name__ = function.__name__
    return wrap_ranges_func(call)


def reference(address: str, grid: np.ndarray) -> Any:
    """The engine's reference object for `address` ('SHEET!A1:B9') holding `grid` (blanks as EMPTY), so INDEX can
    return references into it."""
    return formulas.Ranges().push(address, grid)


def fast_lookups() -> dict[str, Any]:
    """Function-table entries that replace the engine's own INDEX, ROWS and COLUMNS (see `fast_index` and
    `size_of_arrays`), built from the stock entries."""
    stock = _function_table()
    return {
        "INDEX": fast_index(stock["INDEX"]),
        "ROWS": size_of_arrays(stock["ROWS"], axis=0),
        "COLUMNS": size_of_arrays(stock["COLUMNS"], axis=1),
    }


def compile_formula(formula: str, functions: Mapping[str, Any]) -> Any:
    """`formula` ('=SUM(A1:B2)') compiled with `functions` on top of the engine's own function table. The compiled
    formula is called with one value per name in its `.inputs`."""
    with _installed(functions):
        return formulas.Parser().ast(formula)[1].compile()


@contextlib.contextmanager
def _installed(functions: Mapping[str, Any]) -> Iterator[None]:
    """`functions` in the process-wide function table for the duration, then every entry as it was (absent again
    if it was absent). The lock keeps two Lazarus compiles in different threads from interleaving."""
    with _table_lock:
        table = _function_table()
        # .get, not table[name]: the table is a defaultdict, and [] on a missing name would add it.
        saved = {name: table.get(name, _MISSING) for name in functions}
        try:
            table.update(functions)
            yield
        finally:
            for name, entry in saved.items():
                if entry is _MISSING:
                    table.pop(name, None)
                else:
                    table[name] = entry


def size_of_arrays(original: Any, axis: int) -> Any:
    """ROWS/COLUMNS that also take a computed array (Excel's ROWS(RALLY_ANALOGS(...))); the engine's own
    versions accept only references."""

    def size(value: Any) -> Any:
        if isinstance(value, Ranges):
            return original(value)
        if isinstance(value, np.ndarray):
            return value.shape[axis] if value.ndim == 2 else 1
        return 1

    return size


def _scalar_number(value: Any) -> float | None:
    if isinstance(value, Ranges):
        value = value.value
    if isinstance(value, np.ndarray):
        if value.size != 1:
            return None
        value = value.ravel()[0]
    if isinstance(value, np.generic):
        value = value.item()
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def fast_index(original: dict[str, Any]) -> dict[str, Any]:
    """INDEX(range, row[, column]) that picks one cell directly.

    The engine's INDEX builds a reference object for every cell of the range before picking one: ~90 ms on an
    8,000-row column, and the as-of names and chart data call it hundreds of times. For one range and whole
    numbers ≥ 1 this builds only the chosen cell's reference, exactly as the engine's INDEX builds it; anything
    else (row 0, arrays of rows, several areas, out of range, a 2-D range without a column) goes to the engine's
    INDEX unchanged. tests/test_formulas_shim.py checks the two agree.
    """
    engine_index = original["function"]

    def index(compiling: bool, array: Any, row_num: Any, col_num: Any = None, area_num: Any = 1) -> Any:
        if not compiling and isinstance(array, Ranges) and not array.is_set and _scalar_number(area_num) == 1:
            base = array.ranges[0]
            first_row, first_col = int(base["r1"]), int(base["n1"])
            rows, cols = int(base["r2"]) - first_row + 1, int(base["n2"]) - first_col + 1
            row, col = _scalar_number(row_num), 1.0 if col_num is None else _scalar_number(col_num)
            if col_num is None and rows == 1:
                row, col = 1.0, row
            elif col_num is None and cols != 1:
                row = None  # INDEX(2-D range, row): the engine's answer (#REF!), not column 1
            if row == 0 and col is not None and 1 <= col <= cols and col_num is not None:
                # Excel's INDEX(reference, 0, c): column c of the reference (a computed table's block of cells).
                block = Ranges((base,), array.values).value
                return np.asarray(block)[:, int(col) - 1 : int(col)].view(Array)
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
        if not compiling and isinstance(array, np.ndarray) and array.ndim == 2 and col_num is not None:
            # Excel's INDEX(array, 0, c) is the whole column c (and (array, r, 0) row r); the engine's own INDEX
            # gives only the first cell, which would cut HISTORY(...)'s spill to its header.
            row, col = _scalar_number(row_num), _scalar_number(col_num)
            if row == 0 and col is not None and 1 <= col <= array.shape[1]:
                return array[:, int(col) - 1 : int(col)].view(Array)
            if col == 0 and row is not None and 1 <= row <= array.shape[0]:
                return array[int(row) - 1 : int(row), :].view(Array)
        return engine_index(compiling, array, row_num, col_num, area_num)

    return {**original, "function": index}
