"""The cell functions as Excel sees them: one xlwings declaration per SPEC.md function, delegating to udfs.cells.

This is the module in the add-in's `UDF Modules` setting (`udfs.excel`). Each declaration names the function as
SPEC.md spells it (the VBA wrapper and so Excel take the Python name), puts it in the `Lazarus` category, takes its
wizard description from the udfs.cells docstring and documents every argument. Nothing here computes a statistic.

Series arguments are read `raw` so that xlwings does not walk a whole-column reference cell by cell in Python; the
helpers below trim trailing blanks with C-level counts and blank out COM error codes (ints that would pass for
numbers), then udfs.inputs applies SPEC.md's cell rules (text, TRUE/FALSE, Currency as Decimal, date cells as
timezone-aware datetimes) in place, so that udfs.cells can still name a cell's position. Scalar arguments use
xlwings' standard conversion with `err_to_str`, so an error cell reads as the text `#N/A` and is reported rather than
taken for "omitted".

On Linux and macOS `@xw.func` returns the function unchanged: the module still imports and the functions still work.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any

import numpy as np
import xlwings as xw

from udfs import cells
from udfs.errors import cell_function
from udfs.inputs import to_floats, to_serials

CATEGORY = "Lazarus"

Cell = Any  # whatever xlwings hands over for one argument
Result = Any  # a number, a word, a 2-D table that spills, or a `#N/A …` text

# Excel's error cells reach Python as COM error codes: xlErrNull (2000) … xlErrCalc (2050), offset by 0x800A0000.
_FIRST_ERROR, _LAST_ERROR = -2146826288, -2146826238
_BLOCK = 4096  # rows per C-level count while looking for the end of the data


# --- Conversion ----------------------------------------------------------------------------------------------


def _data_end(seq: Sequence[Any], blanks: tuple[Any, ...]) -> int:
    """len(seq) without its trailing blank cells (`blanks`: the empty cell first, then empty text).

    A whole-column reference is 1,048,576 rows of which the last million are blank: counting blanks block by block
    (in C) from the end finds the data in a few ms, where a Python loop over the rows takes ~50 ms.
    """
    empty, *others = blanks
    end = len(seq)
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


def _flat_cells(value: Cell) -> Sequence[Any] | None:
    """One row or one column of cells as a flat sequence, trailing blanks trimmed; None if `value` is not 1-D."""
    if value is None:
        return []
    if isinstance(value, np.ndarray):
        return value.ravel() if value.ndim == 1 or 1 in value.shape else None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        return [value]
    if not value:
        return []
    if isinstance(value[0], (list, tuple)):
        if len(value) == 1:  # one row: ((a, b, c, …),)
            row = value[0]
            return row[: _data_end(row, (None, ""))]
        rows = value[: _data_end(value, ((None,), ("",)))]
        if set(map(len, rows)) - {1}:
            return None
        return list(chain.from_iterable(rows))
    return value[: _data_end(value, (None, ""))]


def _without_errors(flat: Sequence[Any]) -> Sequence[Any]:
    """Excel's error cells arrive as ints (COM error codes); as numbers they would pass for prices, so they become
    blanks. Every other cell rule (headers, text, TRUE/FALSE, Currency, dates) is udfs.inputs' job."""
    if isinstance(flat, np.ndarray) or int not in set(map(type, flat)):
        return flat
    return [None if type(v) is int and _FIRST_ERROR <= v <= _LAST_ERROR else v for v in flat]


def as_numbers(value: Cell) -> Any:
    """A series argument as floats, NaN where a cell is not a number; a 2-D range is passed on for udfs.cells to
    reject with its own message."""
    flat = _flat_cells(value)
    return value if flat is None else to_floats(_without_errors(flat), "prices")


def as_dates(value: Cell) -> Any:
    """A dates argument as Excel serials (date cells or numbers), NaN elsewhere; an omitted one stays None."""
    if value is None:
        return None
    flat = _flat_cells(value)
    return value if flat is None else to_serials(_without_errors(flat))


def _aligned(first: Any, second: Any, size_first: int | None, size_second: int | None) -> tuple[Any, Any]:
    """Two same-size ranges trimmed to the same length, so that a blank last cell on one side (a holiday in a FRED
    column) does not make two whole-column references look like different sizes."""
    if size_first is None or size_first != size_second:
        return first, second
    if not (isinstance(first, np.ndarray) and isinstance(second, np.ndarray)):
        return first, second
    length = max(len(first), len(second))
    return _pad(first, length), _pad(second, length)


def _pad(values: np.ndarray, length: int) -> np.ndarray:
    if len(values) == length:
        return values
    return np.concatenate([values, np.full(length - len(values), np.nan)])


def _size(value: Cell) -> int | None:
    """Number of cells in a range argument as Excel passed it (before trimming)."""
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        return value.size
    if isinstance(value, (list, tuple)):
        if value and isinstance(value[0], (list, tuple)):
            return len(value) * len(value[0])
        return len(value)
    return 1


def as_pair(first: Cell, second: Cell) -> tuple[Any, Any]:
    """Two series arguments (numerator/denominator) converted and kept the same size."""
    return _aligned(as_numbers(first), as_numbers(second), _size(first), _size(second))


def as_dated(values: Cell, when: Cell) -> tuple[Any, Any]:
    """A series and its dates converted and kept the same size; omitted dates stay None."""
    if when is None:
        return as_numbers(values), None
    return _aligned(as_numbers(values), as_dates(when), _size(values), _size(when))


# --- Declarations --------------------------------------------------------------------------------------------


def description(func: Callable[..., Any]) -> str:
    """The wizard description of a udfs.cells function: its docstring's first paragraph on one line."""
    first = inspect.cleandoc(func.__doc__ or "").split("\n\n")[0]
    return " ".join(first.split())


def _delegates(target: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give a declaration `target`'s description, check it has `target`'s name, arguments and defaults, and make it
    return `#N/A …` text should the conversion itself fail.

    Innermost decorator on purpose: xlwings reads `__doc__` when the first `xw.arg`/`xw.func` runs.
    """

    def decorate(declaration: Callable[..., Any]) -> Callable[..., Any]:
        ours, theirs = inspect.signature(declaration), inspect.signature(target)
        mine = [(p.name, p.default) for p in ours.parameters.values()]
        spec = [(p.name, p.default) for p in theirs.parameters.values()]
        if declaration.__name__ != target.__name__ or mine != spec:
            raise TypeError(f"{declaration.__name__}{ours} does not match udfs.cells.{target.__name__}{theirs}")
        guarded = cell_function(declaration)
        guarded.__doc__ = description(target)
        return guarded

    return decorate


def _series(name: str, doc: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return xw.arg(name, "raw", doc=doc)


def _scalar(name: str, doc: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return xw.arg(name, err_to_str=True, doc=doc)


PRICES = (
    "Prices, oldest first: one column or row (headers, blanks, text and error cells are skipped; a whole column "
    "such as B:B is fine). Each price must be > 0."
)
DATES = "Dates of the same rows, oldest first: date cells or Excel serial numbers, strictly increasing."
DATES_OPTIONAL = DATES + " Optional: without dates a year is 252 observations."
WINDOW = "Length of the move in observations (trading days), a whole number ≥ 1. Default 6."
LOOKBACK = "Keep only the moves that ended in the last this many observations; 0 = all history. Default 0."
SPREAD = "Daily yield spread in percentage points (10y − 2y, e.g. FRED T10Y2Y), oldest first; blanks are skipped."
PERSIST = "Consecutive days a run must last to start or end an inversion, a whole number ≥ 1. Default 5."
MEMORY = "Calendar days after an inversion ends during which the state is DIS-INVERTED. Default 365."
NUMERATOR = "Numerator prices (e.g. IWM), oldest first, same size as denominator; rows missing on either side drop."
DENOMINATOR = "Denominator prices (e.g. SPY), oldest first, same size as numerator."


# --- Rallies -------------------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_scalar("window", WINDOW)
@_delegates(cells.RALLY_RETURN)
def RALLY_RETURN(prices: Cell, window: Cell = 6) -> Result:
    return cells.RALLY_RETURN(as_numbers(prices), window)


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_scalar("window", WINDOW)
@_scalar("lookback", LOOKBACK)
@_delegates(cells.RALLY_SIGMA)
def RALLY_SIGMA(prices: Cell, window: Cell = 6, lookback: Cell = 0) -> Result:
    return cells.RALLY_SIGMA(as_numbers(prices), window, lookback)


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_scalar("window", WINDOW)
@_scalar("lookback", LOOKBACK)
@_delegates(cells.RALLY_PERCENTILE)
def RALLY_PERCENTILE(prices: Cell, window: Cell = 6, lookback: Cell = 0) -> Result:
    return cells.RALLY_PERCENTILE(as_numbers(prices), window, lookback)


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_scalar("window", WINDOW)
@_scalar("threshold", "Move that counts as an event, as a fraction (0.1 = 10%; < 0 for falls). Default: today's move.")
@_series("dates", DATES_OPTIONAL)
@_delegates(cells.EVENTS_PER_CENTURY)
def EVENTS_PER_CENTURY(prices: Cell, window: Cell = 6, threshold: Cell = None, dates: Cell = None) -> Result:
    values, serials = as_dated(prices, dates)
    return cells.EVENTS_PER_CENTURY(values, window, threshold, serials)


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_scalar("threshold", "Daily return a day must beat, as a fraction (0.01 = 1%). Default 0.01.")
@_delegates(cells.UP_STREAK)
def UP_STREAK(prices: Cell, threshold: Cell = 0.01) -> Result:
    return cells.UP_STREAK(as_numbers(prices), threshold)


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_scalar("window", "Number of latest daily returns to look at, a whole number ≥ 1. Default 6.")
@_scalar("threshold", "Daily return a day must beat, as a fraction (0.01 = 1%). Default 0.01.")
@_delegates(cells.UP_DAYS)
def UP_DAYS(prices: Cell, window: Cell = 6, threshold: Cell = 0.01) -> Result:
    return cells.UP_DAYS(as_numbers(prices), window, threshold)


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_scalar("window", "Number of latest daily returns to look at, a whole number ≥ 1. Default 6.")
@_delegates(cells.MAX_DAILY_GAIN)
def MAX_DAILY_GAIN(prices: Cell, window: Cell = 6) -> Result:
    return cells.MAX_DAILY_GAIN(as_numbers(prices), window)


# --- Relative strength ---------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@_series("numerator", NUMERATOR)
@_series("denominator", DENOMINATOR)
@_scalar("window", WINDOW)
@_delegates(cells.RATIO_CHANGE)
def RATIO_CHANGE(numerator: Cell, denominator: Cell, window: Cell = 6) -> Result:
    return cells.RATIO_CHANGE(*as_pair(numerator, denominator), window)


@xw.func(category=CATEGORY)
@_series("numerator", NUMERATOR)
@_series("denominator", DENOMINATOR)
@_scalar("window", WINDOW)
@_scalar("lookback", LOOKBACK)
@_delegates(cells.RATIO_SIGMA)
def RATIO_SIGMA(numerator: Cell, denominator: Cell, window: Cell = 6, lookback: Cell = 0) -> Result:
    return cells.RATIO_SIGMA(*as_pair(numerator, denominator), window, lookback)


@xw.func(category=CATEGORY)
@_series("numerator", NUMERATOR)
@_series("denominator", DENOMINATOR)
@_scalar("window", WINDOW)
@_scalar("lookback", LOOKBACK)
@_delegates(cells.RATIO_PERCENTILE)
def RATIO_PERCENTILE(numerator: Cell, denominator: Cell, window: Cell = 6, lookback: Cell = 0) -> Result:
    return cells.RATIO_PERCENTILE(*as_pair(numerator, denominator), window, lookback)


# --- Overbought, drawdown, bear market -----------------------------------------------------------------------


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_scalar("period", "Wilder smoothing period in observations, a whole number ≥ 1. Default 14.")
@_delegates(cells.RSI)
def RSI(prices: Cell, period: Cell = 14) -> Result:
    return cells.RSI(as_numbers(prices), period)


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_scalar("period", "Moving-average length in observations, a whole number ≥ 1. Default 50.")
@_delegates(cells.MA_SIGMA)
def MA_SIGMA(prices: Cell, period: Cell = 50) -> Result:
    return cells.MA_SIGMA(as_numbers(prices), period)


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_scalar("period", "Moving-average length in observations, a whole number ≥ 1. Default 50.")
@_delegates(cells.OVERBOUGHT_PERCENTILE)
def OVERBOUGHT_PERCENTILE(prices: Cell, period: Cell = 50) -> Result:
    return cells.OVERBOUGHT_PERCENTILE(as_numbers(prices), period)


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_delegates(cells.DRAWDOWN)
def DRAWDOWN(prices: Cell) -> Result:
    return cells.DRAWDOWN(as_numbers(prices))


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_scalar("threshold", "Fall from the highest price that marks a bear market, as a fraction (0.2 = 20%). Default 0.2.")
@_delegates(cells.BEAR_LINE)
def BEAR_LINE(prices: Cell, threshold: Cell = 0.2) -> Result:
    return cells.BEAR_LINE(as_numbers(prices), threshold)


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_delegates(cells.MARKET_STATE)
def MARKET_STATE(prices: Cell) -> Result:
    return cells.MARKET_STATE(as_numbers(prices))


# --- Yield curve ---------------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@_series("spread", SPREAD)
@_series("dates", DATES)
@_scalar("persist", PERSIST)
@_scalar("memory_days", MEMORY)
@_delegates(cells.CURVE_STATE)
def CURVE_STATE(spread: Cell, dates: Cell, persist: Cell = 5, memory_days: Cell = 365) -> Result:
    return cells.CURVE_STATE(*as_dated(spread, dates), persist, memory_days)


@xw.func(category=CATEGORY)
@_series("spread", SPREAD)
@_series("dates", DATES)
@_scalar("persist", PERSIST)
@_scalar("memory_days", MEMORY)
@_delegates(cells.CURVE_SINCE)
def CURVE_SINCE(spread: Cell, dates: Cell, persist: Cell = 5, memory_days: Cell = 365) -> Result:
    return cells.CURVE_SINCE(*as_dated(spread, dates), persist, memory_days)


@xw.func(category=CATEGORY)
@_series("spread", SPREAD)
@_series("dates", DATES)
@_scalar("persist", PERSIST)
@_delegates(cells.CURVE_EPISODES)
def CURVE_EPISODES(spread: Cell, dates: Cell, persist: Cell = 5) -> Result:
    return cells.CURVE_EPISODES(*as_dated(spread, dates), persist)


# --- Macro ---------------------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@_series(
    "unemployment",
    "Monthly unemployment rate in % (e.g. FRED UNRATE), oldest first, one row per month; a blank is a missing month.",
)
@_delegates(cells.SAHM_RULE)
def SAHM_RULE(unemployment: Cell) -> Result:
    return cells.SAHM_RULE(as_numbers(unemployment))


@xw.func(category=CATEGORY)
@_series("values", "The history: one column or row of numbers, oldest first; blanks, text and errors are skipped.")
@_scalar("value", "The number to rank among values. Default: the latest value, ranked among all earlier ones.")
@_delegates(cells.PERCENTILE_RANK)
def PERCENTILE_RANK(values: Cell, value: Cell = None) -> Result:
    return cells.PERCENTILE_RANK(as_numbers(values), value)


# --- Tables --------------------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_series("dates", DATES_OPTIONAL)
@_scalar("window", WINDOW)
@_scalar("lookback", LOOKBACK)
@_delegates(cells.RALLY_REPORT)
def RALLY_REPORT(prices: Cell, dates: Cell = None, window: Cell = 6, lookback: Cell = 0) -> Result:
    values, serials = as_dated(prices, dates)
    return cells.RALLY_REPORT(values, serials, window, lookback)


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_series("dates", DATES)
@_scalar("window", WINDOW)
@_scalar("threshold", "Move that counts as an analog, as a fraction (0.1 = 10%; < 0 for falls). Default: today's move.")
@_scalar(
    "horizons",
    'Observations after each move to measure, as text like "21,63" or a range of whole numbers. '
    'Default "21,63,126,252".',
)
@_delegates(cells.RALLY_ANALOGS)
def RALLY_ANALOGS(
    prices: Cell, dates: Cell, window: Cell = 6, threshold: Cell = None, horizons: Cell = "21,63,126,252"
) -> Result:
    values, serials = as_dated(prices, dates)
    return cells.RALLY_ANALOGS(values, serials, window, threshold, horizons)


# Every declaration, in SPEC.md order: the same names as udfs.cells.ALL (the import-time check above makes sure
# each declaration matches its cells function).
ALL = tuple(globals()[function.__name__] for function in cells.ALL)
