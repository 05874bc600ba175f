"""Raw cell values in, clean NumPy arrays out: SPEC.md's input rules, in one place.

A series argument arrives as whatever Excel or a caller gives: a list, a column (list of one-element rows), a row, a
NumPy array, with headers, blanks (None or ""), text, error texts and dates mixed in. Rules (SPEC.md):
- anything that is not a finite number is a missing observation; leading ones (headers) and trailing ones (the blanks of
  a whole-column reference) are simply not there;
- a single-series function drops interior missing observations; a two-series function drops a row where either side is
  missing, so both ranges must have the same size;
- prices must be > 0, dates strictly increasing; an error names the cell's 1-based position in the range.

This is also the only place that knows what Excel itself hands over (the add-in reads a reference's used part in one
COM call and passes the cells on untouched): trailing blanks (a column shorter than the sheet's used range, or a
computed whole-column array) are trimmed with C-level counts before any cell is looked at; an error cell arrives as an
int (a COM error code) that would pass for a number, so it becomes a blank; a date cell arrives as a timezone-aware
datetime and counts as its calendar day. A column of cells becomes floats in one pass (`_numbers`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from numbers import Real
from typing import Any

import numpy as np

from udfs.errors import CellError
from udfs.excel_facts import EXCEL_EPOCH, FIRST_COM_ERROR, LAST_COM_ERROR, LAST_SERIAL

_EPOCH_ORDINAL = EXCEL_EPOCH.toordinal()
_EPOCH64 = np.datetime64(EXCEL_EPOCH, "D")
_MAX_WHOLE = 10**9
_BLOCK = 4096  # cells per C-level count while looking for the end of the data


@dataclass(frozen=True)
class Observed:
    """Observations kept from one range: `values`, and `cells`, their 1-based positions in the range (for messages)."""

    values: np.ndarray
    cells: np.ndarray

    def __len__(self) -> int:
        return len(self.values)


# --- Excel's dates ---------------------------------------------------------------------------------------------


def date_to_serial(day: dt.date) -> float:
    """The Excel serial of a date (or of a datetime's calendar day: the time of day is ignored)."""
    return float(day.toordinal() - _EPOCH_ORDINAL)


def serial_to_date(serial: float) -> dt.date:
    """The calendar date of an Excel serial (its whole-day part)."""
    return EXCEL_EPOCH + dt.timedelta(days=math.floor(serial))


def date_text(serial: float) -> str:
    return serial_to_date(serial).isoformat()


# --- The cells of one range ------------------------------------------------------------------------------------


def _data_end(seq: Sequence[Any], blanks: tuple[Any, ...]) -> int:
    """len(seq) without its trailing blank cells (`blanks`: the empty cell first, then empty text).

    A whole-column reference is 1,048,576 rows of which the last million are blank: counting blanks block by block
    (in C) from the end finds the data in a few ms, where a Python loop over the rows takes ~50 ms.
    """
    empty, *others = blanks
    end = len(seq)
    if end and seq[end - 1] not in blanks:  # an exact range: nothing to trim
        return end
    while end:
        start = max(0, end - _BLOCK)
        block = seq[start:end]
        found = block.count(empty)
        # Comparing None with "" is slow in C too, so only look for empty text when a block is not all empty.
        for other in others if found != end - start else ():
            found += block.count(other)
        if found != end - start:
            break
        end = start
    while end and seq[end - 1] in blanks:
        end -= 1
    return end


def _rows_end(rows: Sequence[Any]) -> int:
    """len(rows) without its trailing blank rows; rows of one cell each, as tuples (from Excel) or lists."""
    kind = type(rows[-1])
    if kind is tuple:
        return _data_end(rows, ((None,), ("",)))
    if kind is list:
        return _data_end(rows, ([None], [""]))
    return len(rows)


def _cells(values: Any, name: str, numbers: bool = False) -> tuple[Sequence[Any], int]:
    """One row or one column of cells as a flat sequence without its trailing blanks, and the number of cells the
    range had before trimming. A single cell is a range of one. With `numbers`, a column as Excel hands it over (one
    tuple per row) comes back as floats already (see `_numbers`), read in the same pass that unpacks the rows."""
    if values is None:
        return [], 0
    if isinstance(values, np.ndarray):
        if values.ndim == 2 and 1 not in values.shape:
            raise CellError(f"{name} must be one row or one column, got {values.shape[0]}×{values.shape[1]} cells")
        return values.ravel(), values.size
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        return [values], 1
    if not values:
        return values, 0
    if not isinstance(values[0], (list, tuple, np.ndarray)):
        return values[: _data_end(values, (None, ""))], len(values)
    if len(values) == 1:  # one row: ((a, b, c, …),)
        row = values[0] if isinstance(values[0], (list, tuple)) else list(values[0])
        return row[: _data_end(row, (None, ""))], len(row)
    rows = values[: _rows_end(values)]
    try:
        # Unpacking each one-cell row is the one pass over a column; a wider row refuses it.
        if numbers:
            odd = _cell_number
            floats = [c if c.__class__ is float else None if c is None else odd(c) for (c,) in rows]
            return np.fromiter(floats, float, len(floats)), len(values)
        return [cell for (cell,) in rows], len(values)
    except (ValueError, TypeError):
        widths = set(map(len, rows))
        raise CellError(f"{name} must be one row or one column, got {len(values)}×{max(widths)} cells") from None


# --- Cells to numbers ------------------------------------------------------------------------------------------


def _number(value: Any) -> float:
    # Decimal: Excel's Currency cells arrive through pywin32 as decimal.Decimal, which is not a numbers.Real.
    if isinstance(value, bool) or not isinstance(value, (Real, Decimal)):
        return math.nan
    try:
        return float(value)
    except (OverflowError, ValueError):
        return math.nan


def _cell_number(value: Any) -> float:
    """One cell of a series as a number. Excel's error cells arrive as ints (COM error codes); as numbers they would
    pass for prices, so they are blanks. (Excel hands every number over as a float.)"""
    if value.__class__ is int and FIRST_COM_ERROR <= value <= LAST_COM_ERROR:
        return math.nan
    return _number(value)


def _first(flat: Sequence[Any], kinds: tuple[type, ...]) -> int:
    """Index of the first cell of one of `kinds` (not bool): the headers above it are skipped one by one."""
    for i, value in enumerate(flat):
        if isinstance(value, kinds) and not isinstance(value, bool):
            return i
    return len(flat)


def _numbers(cells: Sequence[Any], odd: Callable[[Any], float]) -> np.ndarray:
    """Cells as floats in one pass: a float (what Excel hands over for every number) is taken as it is and a blank
    becomes NaN without a call; only the odd cell (a header, text, an error code, a date, a Decimal) goes through
    `odd`. The comprehension costs about what `[row[0] for row in rows]` does, and `np.fromiter` reads it in C."""
    return np.fromiter([v if v.__class__ is float else None if v is None else odd(v) for v in cells], float, len(cells))


def _floats(flat: Sequence[Any]) -> np.ndarray:
    """Every cell as a float, NaN where the cell is not a finite number (text, blank, error, TRUE/FALSE, ±inf)."""
    if isinstance(flat, np.ndarray) and flat.dtype.kind in "fiu":
        out = flat.astype(float)
    else:
        out = _numbers(flat.tolist() if isinstance(flat, np.ndarray) else flat, _cell_number)
    out[~np.isfinite(out)] = np.nan
    return out


def _serial(value: Any) -> float:
    """A date cell's Excel serial: its calendar day (the time of day is ignored; every statistic counts days)."""
    if isinstance(value, dt.date):
        return date_to_serial(value)
    if isinstance(value, np.datetime64):
        return float((value.astype("datetime64[D]") - _EPOCH64) / np.timedelta64(1, "D"))
    return _cell_number(value)


def _days_to_serials(body: list[Any]) -> np.ndarray:
    # date.toordinal through map runs in C: ~1 ms for 25,000 dates, where NumPy's datetime parsing takes ~30 ms.
    return np.fromiter(map(dt.date.toordinal, body), float, len(body)) - _EPOCH_ORDINAL


def _serials(flat: Sequence[Any]) -> np.ndarray:
    """Dates as Excel serial day numbers (floats), NaN for cells that are not dates or numbers."""
    if isinstance(flat, np.ndarray) and flat.dtype.kind == "M":
        out = (flat.astype("datetime64[D]") - _EPOCH64) / np.timedelta64(1, "D")
    elif isinstance(flat, np.ndarray) and flat.dtype.kind in "fiu":
        out = flat.astype(float)
    else:
        cells = flat.tolist() if isinstance(flat, np.ndarray) else flat
        start = _first(cells, (dt.date, np.datetime64, Real))
        out = None
        if start < len(cells) and isinstance(cells[start], dt.date):
            # A column of date cells: date.toordinal through map runs in C and refuses anything that is not a date.
            try:
                out = np.full(len(cells), np.nan)
                out[start:] = _days_to_serials(cells[start:])
            except TypeError:
                out = None
        if out is None:
            out = _numbers(cells, _serial)
    out = np.asarray(out, dtype=float).ravel()
    out[~np.isfinite(out)] = np.nan
    return out


def to_floats(values: Any, name: str = "values") -> np.ndarray:
    """Every cell of one range as a float, NaN where the cell is not a finite number; trailing blanks trimmed."""
    return _floats(_cells(values, name, numbers=True)[0])


def to_serials(values: Any, name: str = "dates") -> np.ndarray:
    """Dates of one range as Excel serial day numbers, NaN for cells that are not dates or numbers."""
    return _serials(_cells(values, name)[0])


# --- Observations ----------------------------------------------------------------------------------------------


def _present(raw: np.ndarray) -> Observed:
    kept = np.flatnonzero(~np.isnan(raw))
    return Observed(raw[kept], kept + 1)


def series(values: Any, name: str = "values") -> Observed:
    """The numbers of one range in order, blanks/text/errors dropped."""
    return _present(to_floats(values, name))


def check_positive(observed: Observed, name: str = "prices") -> Observed:
    """SPEC.md: prices must be > 0; the error names the first offending cell."""
    bad = np.flatnonzero(observed.values <= 0)
    if bad.size:
        i = bad[0]
        raise CellError(f"{name} cell {observed.cells[i]} is {observed.values[i]:g}; prices must be greater than 0")
    return observed


def prices(values: Any, name: str = "prices") -> Observed:
    """A price series: numbers only, each > 0."""
    return check_positive(series(values, name), name)


def padded(values: np.ndarray, length: int) -> np.ndarray:
    """`values` with NaN (missing) cells added at the end up to `length`: ranges whose data end at different rows
    line up again."""
    if len(values) >= length:
        return values
    return np.concatenate([values, np.full(length - len(values), np.nan)])


def pair(first: Any, second: Any, names: tuple[str, str]) -> tuple[Observed, Observed]:
    """Two same-size ranges of numbers, keeping the rows where both sides are present (SPEC.md pairwise alignment)."""
    return _paired(first, second, names, _floats)


def _paired(
    first: Any, second: Any, names: tuple[str, str], read_second: Callable[[Sequence[Any]], np.ndarray]
) -> tuple[Observed, Observed]:
    first_cells, first_size = _cells(first, names[0], numbers=True)
    second_cells, second_size = _cells(second, names[1], numbers=read_second is _floats)
    one, other = _floats(first_cells), read_second(second_cells)
    if first_size == second_size:
        # Two ranges of the same size whose data end at different rows (a holiday: the last date has no value yet,
        # in a whole-column reference) are trimmed to different lengths: the shorter one ends in blanks.
        one, other = padded(one, len(other)), padded(other, len(one))
    if len(one) != len(other):
        raise CellError(
            f"{names[0]} has {len(one)} cells but {names[1]} has {len(other)}; give two ranges of the same size"
        )
    kept = np.flatnonzero(~(np.isnan(one) | np.isnan(other)))
    cells = kept + 1
    return Observed(one[kept], cells), Observed(other[kept], cells)


def check_dates(dates: Observed, name: str = "dates") -> Observed:
    """Dates must be real Excel dates and strictly increasing once missing rows are dropped."""
    bad = np.flatnonzero((dates.values < 1) | (dates.values > LAST_SERIAL))
    if bad.size:
        i = bad[0]
        raise CellError(f"{name} cell {dates.cells[i]} holds {dates.values[i]:g}, which is not a date")
    steps = np.flatnonzero(np.diff(dates.values) <= 0)
    if steps.size:
        i = steps[0]
        raise CellError(
            f"{name} must be strictly increasing, oldest first: cell {dates.cells[i + 1]} "
            f"({date_text(dates.values[i + 1])}) is not after cell {dates.cells[i]} ({date_text(dates.values[i])})"
        )
    return dates


def dated(values: Any, dates: Any, name: str = "prices", positive: bool = True) -> tuple[Observed, Observed]:
    """A series with its dates, aligned pairwise; prices checked > 0 when `positive`, dates increasing."""
    observed, days = _paired(values, dates, (name, "dates"), _serials)
    if positive:
        check_positive(observed, name)
    return observed, check_dates(days)


# --- Single-cell arguments -------------------------------------------------------------------------------------


def omitted(value: Any) -> bool:
    """An optional argument left out: Python's None, or an empty cell or empty text from Excel."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    if isinstance(value, (list, tuple)) and len(value) == 1:
        return omitted(value[0])
    return False


def _single_cell(value: Any) -> Any:
    """The value of an argument that is one cell: passed by reference it can arrive as [[x]] or [x]."""
    while isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    return value


def whole(value: Any, name: str, minimum: int = 1) -> int:
    """A window, period or count: a whole number ≥ `minimum` (6.0 is fine, 6.5 or 0 is not)."""
    if omitted(value):
        raise CellError(f"{name} must be given: a whole number ≥ {minimum}")
    value = _single_cell(value)
    number = _number(value)
    if not math.isfinite(number) or number != math.floor(number):
        shown = f"text {value!r}" if isinstance(value, str) else repr(value)
        raise CellError(f"{name} must be a whole number ≥ {minimum}, got {shown}")
    if number < minimum:
        raise CellError(f"{name} must be a whole number ≥ {minimum}, got {number:g}")
    if number > _MAX_WHOLE:
        raise CellError(f"{name} {number:g} is larger than any series")
    return int(number)


def real(value: Any, name: str) -> float:
    """A threshold or level: any finite number."""
    if omitted(value):
        raise CellError(f"{name} must be given: a number")
    value = _single_cell(value)
    number = _number(value)
    if not math.isfinite(number):
        shown = f"text {value!r}" if isinstance(value, str) else repr(value)
        raise CellError(f"{name} must be a number, got {shown}")
    return number


def flag(value: Any, name: str) -> bool:
    """TRUE/FALSE, the text "TRUE"/"FALSE", or a number (0 is FALSE)."""
    value = _single_cell(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str) and value.strip().upper() in ("TRUE", "FALSE"):
        return value.strip().upper() == "TRUE"
    return bool(real(value, name))


def horizons(value: Any, name: str) -> tuple[int, ...]:
    """Observations after an event to measure: text such as "21,63,126,252", a single number, or a range of numbers."""
    value = _single_cell(value)
    if isinstance(value, str):
        parts = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        try:
            numbers: list[Any] = [float(part) for part in parts]
        except ValueError:
            raise CellError(f'{name} must be whole numbers separated by commas, like "21,63", got {value!r}') from None
    else:
        numbers = [v for v in to_floats(value, name) if not np.isnan(v)]
    if not numbers:
        raise CellError(f'{name} must list at least one whole number of observations, like "21,63,126,252"')
    return tuple(whole(number, "each horizon", 0) for number in numbers)


Rule = Callable[[Any, str], Any]  # (an argument's cell value, its name) -> the clean value, or CellError


def whole_number(minimum: int = 1) -> Rule:
    """The rule of a whole-number argument (`whole`) with its own minimum."""

    def rule(value: Any, name: str) -> int:
        return whole(value, name, minimum)

    rule.__doc__ = f"a whole number ≥ {minimum}"
    return rule


# --- One value per cell (the series functions: SPEC.md "Series") -----------------------------------------------


def is_row(values: Any) -> bool:
    """True when `values` is one row of several cells (so a per-cell result spills as a row), else a column."""
    if isinstance(values, np.ndarray):
        return values.ndim == 2 and values.shape[0] == 1 and values.shape[1] > 1
    if isinstance(values, Sequence) and not isinstance(values, (str, bytes)) and len(values) == 1:
        first = values[0]
        return isinstance(first, (list, tuple, np.ndarray)) and len(first) > 1
    return False


def per_cell(values: Any, name: str = "values", read: Callable[[Sequence[Any]], np.ndarray] = _floats) -> np.ndarray:
    """One float per cell of the range, trailing blanks included (NaN where a cell is not a number)."""
    flat, size = _cells(values, name, numbers=read is _floats)
    out = np.full(size, np.nan)
    out[: len(flat)] = read(flat)
    return out


def per_cell_serials(values: Any, name: str = "values") -> np.ndarray:
    """One float per cell, dates as Excel serials (NaN where a cell is neither a number nor a date)."""
    return per_cell(values, name, _serials)
