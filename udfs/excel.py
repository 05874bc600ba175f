"""The cell functions as Excel sees them: one xlwings declaration per SPEC.md function, delegating to udfs.cells.

This is the module in the add-in's `UDF Modules` setting (`udfs.excel`). Each declaration names the function as
SPEC.md spells it (the VBA wrapper and so Excel take the Python name), puts it in the `Lazarus` category, takes its
wizard description from the udfs.cells docstring and documents every argument. Nothing here computes a statistic or
converts a cell: a declaration's body is never run, the call goes straight to the udfs.cells function of that name.

Series arguments arrive as the xlwings Range when they are a reference (`Reference`), and only the part of it inside
the sheet's used range is read, in one COM call (`used_values`): a whole-column reference is not read cell by cell over
COM. A computed array arrives as xlwings' raw value. udfs.inputs, the one place with the cell rules, trims trailing
blanks, blanks out Excel's error cells (COM error codes) and reads what is left as numbers or dates. Single-cell
arguments use xlwings' standard conversion with `err_to_str`, so an error cell reads as the text `#N/A` and is
reported rather than taken for "omitted". (A registered xlwings Converter that reads values would run inside
xlwings' `call_udf`, before and outside the function, so a failure there would reach the cell as a COM error instead
of `#N/A …` text; `Reference` only keeps the Range, which cannot fail.) Tables go back `raw` (`spills`), already in
the cell form COM needs, so xlwings does not clean them cell by cell.

On Linux and macOS `@xw.func` returns the function unchanged: the module still imports and the functions still work.
"""

from __future__ import annotations

import functools
import gc
import inspect
from collections.abc import Callable
from typing import Any

import xlwings as xw
from xlwings.conversion import Accessor, Pipeline

from udfs import cells
from udfs.errors import cell_function

CATEGORY = "Lazarus"

Arg = Any  # whatever xlwings hands over for one argument
Result = Any  # a number, a word, a 2-D table that spills, or a `#N/A …` text


# --- Declarations --------------------------------------------------------------------------------------------


def description(func: Callable[..., Any]) -> str:
    """The wizard description of a udfs.cells function: its docstring's first paragraph on one line."""
    first = inspect.cleandoc(func.__doc__ or "").split("\n\n")[0]
    return " ".join(first.split())


def _delegates(target: Callable[..., Any], spills: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Turn a declaration into a call of `target`, the udfs.cells function of the same name: check that the
    declaration has `target`'s name, arguments and defaults, and give it `target`'s wizard description. With
    `spills` (a function declared with `xw.ret("raw")`), the result is always a 2-D list, as xlwings' COM server needs.

    The udfs.cells function is looked up when the cell calculates and guarded here by `cell_function`, once: its own
    guard (for its other callers, such as the workbook engine) is stepped over with `inspect.unwrap`, so a result is
    converted and checked once and any failure still reaches the cell as `#N/A …` text.

    Innermost decorator on purpose: xlwings reads `__doc__` when the first `xw.arg`/`xw.func` runs, and reads the
    arguments from the declaration (through `__wrapped__`).
    """
    name = target.__name__

    def decorate(declaration: Callable[..., Any]) -> Callable[..., Any]:
        ours, theirs = inspect.signature(declaration), inspect.signature(target)
        mine = [(p.name, p.default) for p in ours.parameters.values()]
        spec = [(p.name, p.default) for p in theirs.parameters.values()]
        if declaration.__name__ != name or mine != spec:
            raise TypeError(f"{declaration.__name__}{ours} does not match udfs.cells.{name}{theirs}")

        @functools.wraps(declaration)
        def delegate(*args: Any, **kwargs: Any) -> Any:
            # The collector is paused for the call: a column is tens of thousands of tuples, and a collection that
            # happens to fall inside a call walks all of them (it doubled the time of a two-column function).
            paused = gc.isenabled()
            gc.disable()
            try:
                args = tuple(used_values(arg) if isinstance(arg, xw.Range) else arg for arg in args)
                return inspect.unwrap(getattr(cells, name))(*args, **kwargs)
            finally:
                if paused:
                    gc.enable()

        guarded = cell_function(delegate)
        if spills:
            checked = guarded

            @functools.wraps(declaration)
            def guarded(*args: Any, **kwargs: Any) -> Any:
                # Returned `raw`, so xlwings does not walk every cell: a table as it is, anything else as one cell.
                result = checked(*args, **kwargs)
                return result if isinstance(result, list) else [[result]]

        guarded.__doc__ = description(target)
        return guarded

    return decorate


class Reference(Accessor):
    """How a series argument is read: a reference (`Prices!B:B`, `IWM`) arrives as the xlwings Range itself, not its
    values, so that only its used part is read (`used_values`); anything else (an array a formula computed, a
    constant) arrives as xlwings' raw value. It never fails, so it cannot turn into a COM error in the cell."""

    @classmethod
    def reader(cls, options: Any) -> Any:
        def keep_the_range(context: Any) -> None:
            if context.range is not None:
                context.value = context.range

        return Pipeline().append_stage(keep_the_range)


def used_values(reference: Any) -> Any:
    """The values of a Range argument, read over COM once and only up to the end of its sheet's used range: a
    whole column such as `Prices!B:B` is 1,048,576 cells, of which the data fill the first few thousand.

    Rows and columns before the used range are kept (they are blanks, and a series keeps its cell positions).
    """
    com = reference.api
    used = com.Worksheet.UsedRange
    first_row, first_column = com.Row, com.Column
    height, width = com.Rows.Count, com.Columns.Count
    rows = min(height, used.Row + used.Rows.Count - first_row)
    columns = min(width, used.Column + used.Columns.Count - first_column)
    if rows <= 0 or columns <= 0:
        return None  # the reference lies wholly outside the used range: nothing but blank cells
    return (com if (rows, columns) == (height, width) else com.Resize(rows, columns)).Value


def _series(name: str, doc: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return xw.arg(name, Reference, doc=doc)


def _plain_arg(name: str, doc: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
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
@_plain_arg("window", WINDOW)
@_delegates(cells.RALLY_RETURN)
def RALLY_RETURN(prices: Arg, window: Arg = 6) -> Result: ...


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_plain_arg("window", WINDOW)
@_plain_arg("lookback", LOOKBACK)
@_delegates(cells.RALLY_SIGMA)
def RALLY_SIGMA(prices: Arg, window: Arg = 6, lookback: Arg = 0) -> Result: ...


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_plain_arg("window", WINDOW)
@_plain_arg("lookback", LOOKBACK)
@_delegates(cells.RALLY_PERCENTILE)
def RALLY_PERCENTILE(prices: Arg, window: Arg = 6, lookback: Arg = 0) -> Result: ...


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_plain_arg("window", WINDOW)
@_plain_arg(
    "threshold", "Move that counts as an event, as a fraction (0.1 = 10%; < 0 for falls). Default: today's move."
)
@_series("dates", DATES_OPTIONAL)
@_delegates(cells.EVENTS_PER_CENTURY)
def EVENTS_PER_CENTURY(prices: Arg, window: Arg = 6, threshold: Arg = None, dates: Arg = None) -> Result: ...


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_plain_arg("threshold", "Daily return a day must beat, as a fraction (0.01 = 1%). Default 0.01.")
@_delegates(cells.UP_STREAK)
def UP_STREAK(prices: Arg, threshold: Arg = 0.01) -> Result: ...


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_plain_arg("window", "Number of latest daily returns to look at, a whole number ≥ 1. Default 6.")
@_plain_arg("threshold", "Daily return a day must beat, as a fraction (0.01 = 1%). Default 0.01.")
@_delegates(cells.UP_DAYS)
def UP_DAYS(prices: Arg, window: Arg = 6, threshold: Arg = 0.01) -> Result: ...


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_plain_arg("window", "Number of latest daily returns to look at, a whole number ≥ 1. Default 6.")
@_delegates(cells.MAX_DAILY_GAIN)
def MAX_DAILY_GAIN(prices: Arg, window: Arg = 6) -> Result: ...


# --- Relative strength ---------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@_series("numerator", NUMERATOR)
@_series("denominator", DENOMINATOR)
@_plain_arg("window", WINDOW)
@_delegates(cells.RATIO_CHANGE)
def RATIO_CHANGE(numerator: Arg, denominator: Arg, window: Arg = 6) -> Result: ...


@xw.func(category=CATEGORY)
@_series("numerator", NUMERATOR)
@_series("denominator", DENOMINATOR)
@_plain_arg("window", WINDOW)
@_plain_arg("lookback", LOOKBACK)
@_delegates(cells.RATIO_SIGMA)
def RATIO_SIGMA(numerator: Arg, denominator: Arg, window: Arg = 6, lookback: Arg = 0) -> Result: ...


@xw.func(category=CATEGORY)
@_series("numerator", NUMERATOR)
@_series("denominator", DENOMINATOR)
@_plain_arg("window", WINDOW)
@_plain_arg("lookback", LOOKBACK)
@_delegates(cells.RATIO_PERCENTILE)
def RATIO_PERCENTILE(numerator: Arg, denominator: Arg, window: Arg = 6, lookback: Arg = 0) -> Result: ...


# --- Overbought, drawdown, bear market -----------------------------------------------------------------------


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_plain_arg("period", "Wilder smoothing period in observations, a whole number ≥ 1. Default 14.")
@_delegates(cells.RSI)
def RSI(prices: Arg, period: Arg = 14) -> Result: ...


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_plain_arg("period", "Moving-average length in observations, a whole number ≥ 1. Default 50.")
@_delegates(cells.MA_SIGMA)
def MA_SIGMA(prices: Arg, period: Arg = 50) -> Result: ...


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_plain_arg("period", "Moving-average length in observations, a whole number ≥ 1. Default 50.")
@_delegates(cells.OVERBOUGHT_PERCENTILE)
def OVERBOUGHT_PERCENTILE(prices: Arg, period: Arg = 50) -> Result: ...


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_delegates(cells.DRAWDOWN)
def DRAWDOWN(prices: Arg) -> Result: ...


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_plain_arg(
    "threshold", "Fall from the highest price that marks a bear market, as a fraction (0.2 = 20%). Default 0.2."
)
@_delegates(cells.BEAR_LINE)
def BEAR_LINE(prices: Arg, threshold: Arg = 0.2) -> Result: ...


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_delegates(cells.MARKET_STATE)
def MARKET_STATE(prices: Arg) -> Result: ...


# --- Yield curve ---------------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@_series("spread", SPREAD)
@_series("dates", DATES)
@_plain_arg("persist", PERSIST)
@_plain_arg("memory_days", MEMORY)
@_delegates(cells.CURVE_STATE)
def CURVE_STATE(spread: Arg, dates: Arg, persist: Arg = 5, memory_days: Arg = 365) -> Result: ...


@xw.func(category=CATEGORY)
@_series("spread", SPREAD)
@_series("dates", DATES)
@_plain_arg("persist", PERSIST)
@_plain_arg("memory_days", MEMORY)
@_delegates(cells.CURVE_SINCE)
def CURVE_SINCE(spread: Arg, dates: Arg, persist: Arg = 5, memory_days: Arg = 365) -> Result: ...


@xw.func(category=CATEGORY)
@xw.ret("raw")
@_series("spread", SPREAD)
@_series("dates", DATES)
@_plain_arg("persist", PERSIST)
@_delegates(cells.CURVE_EPISODES, spills=True)
def CURVE_EPISODES(spread: Arg, dates: Arg, persist: Arg = 5) -> Result: ...


# --- Macro ---------------------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@_series(
    "unemployment",
    "Monthly unemployment rate in % (e.g. FRED UNRATE), oldest first, one row per month; a blank is a missing month.",
)
@_delegates(cells.SAHM_RULE)
def SAHM_RULE(unemployment: Arg) -> Result: ...


@xw.func(category=CATEGORY)
@_series("values", "The history: one column or row of numbers, oldest first; blanks, text and errors are skipped.")
@_plain_arg("value", "The number to rank among values. Default: the latest value, ranked among all earlier ones.")
@_delegates(cells.PERCENTILE_RANK)
def PERCENTILE_RANK(values: Arg, value: Arg = None) -> Result: ...


# --- Tables --------------------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@xw.ret("raw")
@_series("prices", PRICES)
@_series("dates", DATES_OPTIONAL)
@_plain_arg("window", WINDOW)
@_plain_arg("lookback", LOOKBACK)
@_delegates(cells.RALLY_REPORT, spills=True)
def RALLY_REPORT(prices: Arg, dates: Arg = None, window: Arg = 6, lookback: Arg = 0) -> Result: ...


@xw.func(category=CATEGORY)
@xw.ret("raw")
@_series("prices", PRICES)
@_series("dates", DATES)
@_plain_arg("window", WINDOW)
@_plain_arg(
    "threshold", "Move that counts as an analog, as a fraction (0.1 = 10%; < 0 for falls). Default: today's move."
)
@_plain_arg(
    "horizons",
    'Observations after each move to measure, as text like "21,63" or a range of whole numbers. '
    'Default "21,63,126,252".',
)
@_delegates(cells.RALLY_ANALOGS, spills=True)
def RALLY_ANALOGS(
    prices: Arg, dates: Arg, window: Arg = 6, threshold: Arg = None, horizons: Arg = "21,63,126,252"
) -> Result: ...


# --- Series: one formula per chart column (SPEC.md "Series") ---------------------------------------------------

LAST = "Return exactly this many of the latest rows (blank rows on top if the range is shorter); 0 = all. Default 0."


@xw.func(category=CATEGORY)
@xw.ret("raw")
@_series("prices", PRICES)
@_plain_arg("period", "Wilder smoothing period in observations, a whole number ≥ 1. Default 14.")
@_plain_arg("last", LAST)
@_delegates(cells.RSI_SERIES, spills=True)
def RSI_SERIES(prices: Arg, period: Arg = 14, last: Arg = 0) -> Result: ...


@xw.func(category=CATEGORY)
@xw.ret("raw")
@_series("prices", PRICES)
@_plain_arg("period", "Moving-average length in observations, a whole number ≥ 1. Default 50.")
@_plain_arg("last", LAST)
@_delegates(cells.MA_SIGMA_SERIES, spills=True)
def MA_SIGMA_SERIES(prices: Arg, period: Arg = 50, last: Arg = 0) -> Result: ...


@xw.func(category=CATEGORY)
@xw.ret("raw")
@_series("prices", PRICES)
@_plain_arg("last", LAST)
@_delegates(cells.DRAWDOWN_SERIES, spills=True)
def DRAWDOWN_SERIES(prices: Arg, last: Arg = 0) -> Result: ...


@xw.func(category=CATEGORY)
@xw.ret("raw")
@_series("prices", PRICES)
@_plain_arg(
    "threshold", "Fall from the highest price that marks a bear market, as a fraction (0.2 = 20%). Default 0.2."
)
@_plain_arg("last", LAST)
@_delegates(cells.BEAR_LINE_SERIES, spills=True)
def BEAR_LINE_SERIES(prices: Arg, threshold: Arg = 0.2, last: Arg = 0) -> Result: ...


@xw.func(category=CATEGORY)
@xw.ret("raw")
@_series("numerator", NUMERATOR)
@_series("denominator", DENOMINATOR)
@_plain_arg("last", LAST)
@_delegates(cells.RATIO_SERIES, spills=True)
def RATIO_SERIES(numerator: Arg, denominator: Arg, last: Arg = 0) -> Result: ...


@xw.func(category=CATEGORY)
@xw.ret("raw")
@_series("values", "The column or row to take the latest cells of: numbers and dates; anything else comes back blank.")
@_plain_arg("last", "How many of the latest cells to return, a whole number ≥ 1 (blank rows on top if fewer).")
@_delegates(cells.LAST_ROWS, spills=True)
def LAST_ROWS(values: Arg, last: Arg) -> Result: ...


# --- Policy, what followed, change over a period (issue 13) --------------------------------------------------


@xw.func(category=CATEGORY)
@_series("rates", "Policy rate in %, oldest first (e.g. FRED DFEDTAR); blank rows are filled from more_rates.")
@_series("dates", DATES)
@_series(
    "more_rates",
    "Optional second rate column on the same rows, used where rates is blank (e.g. DFEDTARU after DFEDTAR ends).",
)
@_plain_arg("since", "Optional: list the cycles whose first cut is on or after this date (earlier data still count).")
@_plain_arg("quiet_days", "Calendar days without a cut before a cut that starts a cycle, a whole number. Default 183.")
@_plain_arg("min_step", "Smallest change in percentage points that counts as a cut or a hike. Default 0.25.")
@_delegates(cells.EASING_CYCLES)
def EASING_CYCLES(
    rates: Arg, dates: Arg, more_rates: Arg = None, since: Arg = None, quiet_days: Arg = 183, min_step: Arg = 0.25
) -> Result: ...


@xw.func(category=CATEGORY)
@_series("prices", PRICES)
@_series("dates", DATES)
@_series("events", "Event dates, one column or row; or a table such as EASING_CYCLES(...), whose first column is used.")
@_plain_arg(
    "horizons",
    'Observations after each event to measure, as text like "21,63" or a range of whole numbers. '
    'Default "21,63,126,252".',
)
@_series("denominator", "Optional: prices to divide by, same rows (e.g. SPY for IWM/SPY); rows missing anywhere drop.")
@_delegates(cells.EVENT_RETURNS)
def EVENT_RETURNS(
    prices: Arg, dates: Arg, events: Arg, horizons: Arg = "21,63,126,252", denominator: Arg = None
) -> Result: ...


@xw.func(category=CATEGORY)
@_series("values", "A monthly or weekly series, oldest first (e.g. UNRATE, ICSA, HOUST); blank rows stay missing.")
@_series("dates", "Dates of the same rows: first of the month for monthly data, week-ending dates for weekly data.")
@_plain_arg("periods", "Months (monthly data) or weeks (weekly data) to look back, a whole number ≥ 1.")
@_plain_arg("average", "Compare means of this many latest periods (4 = a 4-week average). Default 1.")
@_plain_arg(
    "difference", "TRUE: the difference Aₙ − Aₙ₋ₚ (e.g. percentage points); FALSE: the % change. Default FALSE."
)
@_delegates(cells.PERIOD_CHANGE)
def PERIOD_CHANGE(values: Arg, dates: Arg, periods: Arg, average: Arg = 1, difference: Arg = False) -> Result: ...


# Every declaration, in SPEC.md order: the same names as udfs.cells.ALL (the import-time check above makes sure
# each declaration matches its cells function).
ALL = tuple(globals()[function.__name__] for function in cells.ALL)
