"""The cell functions of SPEC.md under their SPEC.md names: raw cell values in, a number, a word, a table or a
`#N/A …` text out. Nothing here raises and nothing here computes: each function cleans its inputs (udfs.inputs)
and delegates to the statistics modules. The first docstring line is the description Excel's function wizard shows.
Dates come back as Excel serial numbers (format the cell as a date).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import numpy as np

from udfs import curve, macro, market, overbought, policy, rally, reports
from udfs.declare import Param, cell
from udfs.errors import CellError, Spill
from udfs.inputs import (
    Observed,
    check_dates,
    check_positive,
    dated,
    flag,
    is_row,
    omitted,
    padded,
    pair,
    per_cell,
    per_cell_serials,
    real,
    series,
    to_floats,
    to_serials,
    whole_number,
)
from udfs.inputs import prices as price_series
from udfs.parameters import (
    BearThreshold,
    DailyThreshold,
    Dates,
    Denominator,
    Highs,
    Horizons,
    Last,
    LatestDays,
    Lookback,
    MaPeriod,
    MemoryDays,
    MoveThreshold,
    Numerator,
    OptionalDates,
    Persist,
    Prices,
    RsiPeriod,
    Spread,
    Window,
)
from udfs.results import per_row

Arg = Any  # a series argument as the caller passes it: read by the body (udfs.inputs)


def _ratio(numerator: Arg, denominator: Arg) -> np.ndarray:
    top, bottom = pair(numerator, denominator, ("numerator", "denominator"))
    check_positive(top, "numerator")
    check_positive(bottom, "denominator")
    return top.values / bottom.values


def _closes_and_highs(prices: Arg, highs: Arg) -> tuple[np.ndarray, np.ndarray | None]:
    """The closes of `prices` and, unless omitted, the intraday highs on the same rows (NaN where a row has none)."""
    closes, tops = _per_cell_closes_and_highs(prices, highs)
    kept = ~np.isnan(closes)
    return closes[kept], None if tops is None else tops[kept]


def _per_cell_closes_and_highs(prices: Arg, highs: Arg) -> tuple[np.ndarray, np.ndarray | None]:
    """One close per cell of `prices` (NaN for no price) and, unless omitted, one intraday high per cell of `highs`
    (rows line up: highs are padded with blanks or cut to the rows of prices). Every present value must be > 0."""
    closes = per_cell(prices, "prices")
    present = np.flatnonzero(~np.isnan(closes))
    check_positive(Observed(closes[present], present + 1))
    if omitted(highs):
        return closes, None
    tops = padded(per_cell(highs, "highs"), len(closes))[: len(closes)]
    given = np.flatnonzero(~np.isnan(tops))
    check_positive(Observed(tops[given], given + 1), "highs")
    return closes, tops


def _prices_and_dates(values: Arg, dates: Arg) -> tuple[np.ndarray, np.ndarray | None]:
    if omitted(dates):
        return price_series(values).values, None
    price_col, date_col = dated(values, dates)
    return price_col.values, date_col.values


# --- Rallies -------------------------------------------------------------------------------------------------

RALLIES = "Rallies"


@cell(RALLIES)
def RALLY_RETURN(prices: Prices, window: Window = 6) -> float:
    """Return of the last `window` observations: Pₙ / Pₙ₋w − 1 (0.152 = 15.2%)."""
    return rally.rally_return(price_series(prices).values, window)


@cell(RALLIES)
def RALLY_SIGMA(prices: Prices, window: Window = 6, lookback: Lookback = 0) -> float:
    """How many standard deviations today's w-day return is from the mean of every earlier overlapping w-day
    return: (Rₙ − mean(H)) / stdev(H), sample stdev."""
    return rally.rally_sigma(price_series(prices).values, window, lookback)


@cell(RALLIES)
def RALLY_PERCENTILE(prices: Prices, window: Window = 6, lookback: Lookback = 0) -> float:
    """Percentile of today's w-day return among every earlier overlapping w-day return (mean rank, ties ½)."""
    return rally.rally_percentile(price_series(prices).values, window, lookback)


@cell(RALLIES)
def EVENTS_PER_CENTURY(
    prices: Prices, window: Window = 6, threshold: MoveThreshold = None, dates: OptionalDates = None
) -> float:
    """How often a w-day move like today's (or beyond `threshold`) happens: non-overlapping episodes per 100 years."""
    values, serials = _prices_and_dates(prices, dates)
    return rally.events_per_century(values, window, threshold, serials)


@cell(RALLIES)
def UP_STREAK(prices: Prices, threshold: DailyThreshold = 0.01) -> int:
    """Number of consecutive latest daily returns above `threshold` (0 if today's is not)."""
    return rally.up_streak(price_series(prices).values, threshold)


@cell(RALLIES)
def UP_DAYS(prices: Prices, window: LatestDays = 6, threshold: DailyThreshold = 0.01) -> int:
    """How many of the last `window` daily returns are above `threshold` ("five >1% days in a six-day rally")."""
    return rally.up_days(price_series(prices).values, window, threshold)


@cell(RALLIES)
def MAX_DAILY_GAIN(prices: Prices, window: LatestDays = 6) -> float:
    """The largest of the last `window` daily returns."""
    return rally.max_daily_gain(price_series(prices).values, window)


# --- Relative strength ---------------------------------------------------------------------------------------

RELATIVE = "Relative strength"


@cell(RELATIVE)
def RATIO_CHANGE(numerator: Numerator, denominator: Denominator, window: Window = 6) -> float:
    """Change of the ratio numerator/denominator over `window` observations: Qₙ / Qₙ₋w − 1."""
    return rally.rally_return(_ratio(numerator, denominator), window, "ratio values")


@cell(RELATIVE)
def RATIO_SIGMA(numerator: Numerator, denominator: Denominator, window: Window = 6, lookback: Lookback = 0) -> float:
    """RALLY_SIGMA of the ratio numerator/denominator: how unusual today's w-day change of the ratio is, in sigmas."""
    return rally.rally_sigma(_ratio(numerator, denominator), window, lookback, "ratio values")


@cell(RELATIVE)
def RATIO_PERCENTILE(
    numerator: Numerator, denominator: Denominator, window: Window = 6, lookback: Lookback = 0
) -> float:
    """RALLY_PERCENTILE of the ratio numerator/denominator: percentile of today's w-day change of the ratio."""
    return rally.rally_percentile(_ratio(numerator, denominator), window, lookback, "ratio values")


# --- Overbought, drawdown, bear market -----------------------------------------------------------------------

LEVELS = "Overbought, drawdown, bear market"


@cell(LEVELS)
def RSI(prices: Prices, period: RsiPeriod = 14) -> float:
    """Wilder's relative strength index (0-100) of the last price, exactly as TA-Lib computes it."""
    return overbought.rsi(price_series(prices).values, period)


@cell(LEVELS)
def MA_SIGMA(prices: Prices, period: MaPeriod = 50) -> float:
    """Distance of the last price from its `period`-day moving average in population standard deviations."""
    return overbought.ma_sigma(price_series(prices).values, period)


@cell(LEVELS)
def OVERBOUGHT_PERCENTILE(prices: Prices, period: MaPeriod = 50) -> float:
    """Percentile of today's MA_SIGMA among every earlier day's (1 = never this overbought)."""
    return overbought.overbought_percentile(price_series(prices).values, period)


@cell(LEVELS)
def DRAWDOWN(prices: Prices, highs: Highs = None) -> float:
    """Distance of the last price below the high so far: Pₙ / H − 1 (0 at a new high)."""
    return market.drawdown(*_closes_and_highs(prices, highs))


@cell(LEVELS)
def BEAR_LINE(prices: Prices, threshold: BearThreshold = 0.2, highs: Highs = None) -> float:
    """The price that marks bear-market territory: the high so far H · (1 − threshold)."""
    closes, tops = _closes_and_highs(prices, highs)
    return market.bear_line(closes, threshold, tops)


@cell(LEVELS)
def MARKET_STATE(prices: Prices, highs: Highs = None) -> str:
    """NEW HIGH, BULL, CORRECTION (10%-20% below the high), BEAR (20% or more) or RISING FROM BEAR (back above
    the line within a year); needs a year of prices."""
    return market.market_state(*_closes_and_highs(prices, highs))


# --- Yield curve ---------------------------------------------------------------------------------------------

CURVE = "Yield curve"


def _curve(spread: Arg, dates: Arg) -> tuple[np.ndarray, np.ndarray]:
    values, serials = dated(spread, dates, name="spread", positive=False)
    if not len(values):
        raise CellError("spread has no numbers with a date")
    return values.values, serials.values


@cell(CURVE)
def CURVE_STATE(spread: Spread, dates: Dates, persist: Persist = 5, memory_days: MemoryDays = 365) -> str:
    """INVERTED, UN-INVERTING, DIS-INVERTED or NORMAL: the yield curve's state on the last day."""
    return curve.curve_state(*_curve(spread, dates), persist, memory_days).state


@cell(CURVE)
def CURVE_SINCE(spread: Spread, dates: Dates, persist: Persist = 5, memory_days: MemoryDays = 365) -> float:
    """The turning point the current state dates from: the inversion's start, or its end (a date in the data)."""
    return curve.curve_state(*_curve(spread, dates), persist, memory_days).since


@cell(CURVE, spills=True)
def CURVE_EPISODES(spread: Spread, dates: Dates, persist: Persist = 5) -> list[list[float | str]]:
    """Spills one row per inversion episode: start, end (blank while open), calendar days, minimum spread, its date."""
    rows = curve.episode_table(*_curve(spread, dates), persist)
    if not rows:
        raise CellError(f"no inversion of {persist} or more days in a row in the data")
    return [["Start", "End", "Days", "Min spread", "Min date"], *rows]


# --- Macro ---------------------------------------------------------------------------------------------------

MACRO = "Macro"


@cell(MACRO)
def SAHM_RULE(
    unemployment: Annotated[
        Any,
        Param(
            "Monthly unemployment rate in % (e.g. FRED UNRATE), oldest first, one row per month; a blank is a "
            "missing month.",
            reads_range=True,
        ),
    ],
) -> float:
    """Sahm recession rule, in percentage points: 3-month average unemployment minus its low of the prior 12 months."""
    rates = to_floats(unemployment, "unemployment")
    present = np.flatnonzero(~np.isnan(rates))
    # Unlike other series, an interior blank is a missing month and must keep its place.
    trimmed = rates[present[0] : present[-1] + 1] if present.size else rates[:0]
    return macro.sahm_rule(trimmed)


@cell(MACRO)
def PERCENTILE_RANK(
    values: Annotated[
        Any,
        Param(
            "The history: one column or row of numbers, oldest first; blanks, text and errors are skipped.",
            reads_range=True,
        ),
    ],
    value: Annotated[
        float | None,
        Param("The number to rank among values. Default: the latest value, ranked among all earlier ones.", real),
    ] = None,
) -> float:
    """Percentile of `value` among `values` (default: the latest value among all earlier ones), ties count ½."""
    return macro.percentile_rank(series(values, "values").values, value)


# --- Tables --------------------------------------------------------------------------------------------------

TABLES = "Tables"


@cell(TABLES, spills=True)
def RALLY_REPORT(
    prices: Prices, dates: OptionalDates = None, window: Window = 6, lookback: Lookback = 0
) -> list[list[float | str]]:
    """Spills a method card of today's w-day move: move, sigma, percentile, normal percentile, episodes per century,
    windows used, dates, method."""
    values, serials = _prices_and_dates(prices, dates)
    return reports.rally_report(values, serials, window, lookback)


@cell(TABLES, spills=True)
def RALLY_ANALOGS(
    prices: Prices,
    dates: Dates,
    window: Window = 6,
    threshold: MoveThreshold = None,
    horizons: Horizons = "21,63,126,252",
) -> list[list[float | str]]:
    """Spills every earlier move like today's with what followed over each horizon, then the median and share up:
    did the rally have legs?"""
    price_col, date_col = dated(prices, dates)
    return reports.rally_analogs(price_col.values, date_col.values, window, threshold, horizons)


# --- Series: one formula per chart column (SPEC.md "Series") ------------------------------------------------------
# Each returns one value per cell of its range, row i being the scalar function on cells 1…i; it spills in Excel 365
# and fills a legacy array formula over a column of cells in Excel 2016/2019 (the Dashboard's chart data).

SERIES = "Series (one formula per chart column)"


def _per_price(prices: Arg, statistic: Callable[[np.ndarray, int], np.ndarray], last: int) -> Spill:
    """`statistic` (clean prices, how many of the latest to compute (0: all) -> one value per price, NaN where
    undefined or not computed) on the observations of `prices`, put back on their cells; a cell that holds no
    observation is blank. With `last`, only the observations in the last `last` cells are asked for."""
    raw = per_cell(prices, "prices")
    kept = np.flatnonzero(~np.isnan(raw))
    check_positive(Observed(raw[kept], kept + 1))
    tail = int(np.count_nonzero(kept >= len(raw) - last)) if last else 0
    out = np.full(len(raw), np.nan)
    if tail or not last:
        out[kept] = statistic(raw[kept], tail)
    return per_row(out, is_row(prices), last)


@cell(SERIES, spills=True)
def RSI_SERIES(prices: Prices, period: RsiPeriod = 14, last: Last = 0) -> Spill:
    """Spills RSI of every row: the RSI of the prices up to that row (blank where there is no price or too few)."""
    return _per_price(prices, lambda p, tail: overbought.rsi_history(p, period, tail), last)


@cell(SERIES, spills=True)
def MA_SIGMA_SERIES(prices: Prices, period: MaPeriod = 50, last: Last = 0) -> Spill:
    """Spills MA_SIGMA of every row: the distance of that row's price from its moving average, in stdevs."""
    return _per_price(prices, lambda p, tail: overbought.ma_sigma_series(p, period, tail), last)


def _per_price_and_high(
    prices: Arg, highs: Arg, statistic: Callable[[np.ndarray, np.ndarray | None], np.ndarray], last: int
) -> Spill:
    """`statistic` (closes and intraday highs -> one value per close) put back on the cells of `prices`; a cell
    that holds no close is blank."""
    closes, tops = _per_cell_closes_and_highs(prices, highs)
    kept = np.flatnonzero(~np.isnan(closes))
    out = np.full(len(closes), np.nan)
    out[kept] = statistic(closes[kept], None if tops is None else tops[kept])
    return per_row(out, is_row(prices), last)


@cell(SERIES, spills=True)
def DRAWDOWN_SERIES(prices: Prices, last: Last = 0, highs: Highs = None) -> Spill:
    """Spills DRAWDOWN of every row: that row's price against the high up to it, minus 1."""
    return _per_price_and_high(prices, highs, market.drawdown_history, last)


@cell(SERIES, spills=True)
def BEAR_LINE_SERIES(prices: Prices, threshold: BearThreshold = 0.2, last: Last = 0, highs: Highs = None) -> Spill:
    """Spills BEAR_LINE of every row: the high up to that row times (1 − threshold)."""
    return _per_price_and_high(prices, highs, lambda p, h: market.bear_line_history(p, threshold, h), last)


@cell(SERIES, spills=True)
def RATIO_SERIES(numerator: Numerator, denominator: Denominator, last: Last = 0) -> Spill:
    """Spills numerator / denominator of every row (e.g. IWM/SPY), blank where either side has no price."""
    top, bottom = per_cell(numerator, "numerator"), per_cell(denominator, "denominator")
    if len(top) != len(bottom):
        raise CellError(
            f"numerator has {len(top)} cells but denominator has {len(bottom)}; give two ranges of the same size"
        )
    kept = np.flatnonzero(~(np.isnan(top) | np.isnan(bottom)))
    check_positive(Observed(top[kept], kept + 1), "numerator")
    check_positive(Observed(bottom[kept], kept + 1), "denominator")
    out = np.full(len(top), np.nan)
    out[kept] = top[kept] / bottom[kept]
    return per_row(out, is_row(numerator), last)


@cell(SERIES, spills=True)
def LAST_ROWS(
    values: Annotated[
        Any,
        Param(
            "The column or row to take the latest cells of: numbers and dates; anything else comes back blank.",
            reads_range=True,
        ),
    ],
    last: Annotated[
        int,
        Param(
            "How many of the latest cells to return, a whole number ≥ 1 (blank rows on top if fewer).",
            whole_number(1),
        ),
    ],
) -> Spill:
    """Spills the last `last` cells of a range: numbers and dates (as serials) as they are, anything else blank."""
    return per_row(per_cell_serials(values, "values"), is_row(values), last)


# --- Policy, what followed, change over a period -------------------------------------------------------------

POLICY = "Policy, what followed, periods"


def _policy_rates(rates: Arg, dates: Arg, more_rates: Arg) -> tuple[np.ndarray, np.ndarray]:
    """The rate column, with `more_rates` filling its blank rows (DFEDTAR ends where DFEDTARU begins)."""
    if omitted(more_rates):
        values, serials = dated(rates, dates, name="rates", positive=False)
        return values.values, serials.values
    first, second = to_floats(rates, "rates"), to_floats(more_rates, "more_rates")
    length = max(len(first), len(second))
    first, second = padded(first, length), padded(second, length)
    joined = np.where(np.isnan(first), second, first)
    values, serials = dated(joined, dates, name="rates", positive=False)
    return values.values, serials.values


@cell(POLICY, spills=True)
def EASING_CYCLES(
    rates: Annotated[
        Any,
        Param(
            "Policy rate in %, oldest first (e.g. FRED DFEDTAR); blank rows are filled from more_rates.",
            reads_range=True,
        ),
    ],
    dates: Dates,
    more_rates: Annotated[
        Any,
        Param(
            "Optional second rate column on the same rows, used where rates is blank (e.g. DFEDTARU after DFEDTAR "
            "ends).",
            reads_range=True,
        ),
    ] = None,
    since: Annotated[
        float | None,
        Param("Optional: list the cycles whose first cut is on or after this date (earlier data still count).", real),
    ] = None,
    quiet_days: Annotated[
        int, Param("Calendar days without a cut before a cut that starts a cycle, a whole number.", whole_number(0))
    ] = 183,
    min_step: Annotated[
        float, Param("Smallest change in percentage points that counts as a cut or a hike.", real)
    ] = 0.25,
) -> Spill:
    """Spills the first cut of each easing cycle (a cut of min_step or more after a hike, with no cut in the
    quiet_days before): its date, the rate before and after, the cycle's low and number of cuts."""
    values, serials = _policy_rates(rates, dates, more_rates)
    return policy.easing_cycles(values, serials, quiet_days, min_step, since)


def _event_series(prices: Arg, dates: Arg, denominator: Arg) -> tuple[np.ndarray, np.ndarray]:
    if omitted(denominator):
        values, serials = dated(prices, dates)
        return values.values, serials.values
    top, bottom = to_floats(prices, "prices"), to_floats(denominator, "denominator")
    days = to_serials(dates, "dates")
    length = max(len(top), len(bottom), len(days))
    top, bottom, days = (padded(a, length) for a in (top, bottom, days))
    kept = np.flatnonzero(~(np.isnan(top) | np.isnan(bottom) | np.isnan(days)))
    observed = [Observed(a[kept], kept + 1) for a in (top, bottom)]
    for item, name in zip(observed, ("prices", "denominator"), strict=True):
        check_positive(item, name)
    serials = check_dates(Observed(days[kept], kept + 1))
    return observed[0].values / observed[1].values, serials.values


def _first_column(table: Arg) -> Arg:
    """The first column of a table of two or more rows and columns (EASING_CYCLES' spill); anything else as is."""
    if isinstance(table, np.ndarray):
        return table[:, 0] if table.ndim == 2 and min(table.shape) > 1 else table
    rows = table if isinstance(table, (list, tuple)) else ()
    if len(rows) > 1 and all(isinstance(row, (list, tuple)) and len(row) > 1 for row in rows):
        return [row[0] for row in rows]
    return table


@cell(POLICY, spills=True)
def EVENT_RETURNS(
    prices: Prices,
    dates: Dates,
    events: Annotated[
        Any,
        Param(
            "Event dates, one column or row; or a table such as EASING_CYCLES(...), whose first column is used.",
            reads_range=True,
        ),
    ],
    horizons: Horizons = "21,63,126,252",
    denominator: Annotated[
        Any,
        Param(
            "Optional: prices to divide by, same rows (e.g. SPY for IWM/SPY); rows missing anywhere drop.",
            reads_range=True,
        ),
    ] = None,
) -> Spill:
    """Spills, for each event date, the return over each horizon from the first close on or after it (of
    prices/denominator when a denominator is given), then the median and share positive: what followed?"""
    values, serials = _event_series(prices, dates, denominator)
    days = to_serials(_first_column(events), "events")
    return policy.event_returns(values, serials, days[~np.isnan(days)], horizons)


@cell(POLICY)
def PERIOD_CHANGE(
    values: Annotated[
        Any,
        Param(
            "A monthly or weekly series, oldest first (e.g. UNRATE, ICSA, HOUST); blank rows stay missing.",
            reads_range=True,
        ),
    ],
    dates: Annotated[
        Any,
        Param(
            "Dates of the same rows: first of the month for monthly data, week-ending dates for weekly data.",
            reads_range=True,
        ),
    ],
    periods: Annotated[
        int, Param("Months (monthly data) or weeks (weekly data) to look back, a whole number ≥ 1.", whole_number())
    ],
    average: Annotated[
        int, Param("Compare means of this many latest periods (4 = a 4-week average).", whole_number())
    ] = 1,
    difference: Annotated[
        bool, Param("TRUE: the difference Aₙ − Aₙ₋ₚ (e.g. percentage points); FALSE: the % change.", flag)
    ] = False,
) -> float:
    """Change of a monthly or weekly series over `periods` months or weeks, of `average`-period means: Aₙ / Aₙ₋ₚ − 1
    (or Aₙ − Aₙ₋ₚ); a missing month stays missing."""
    observed, serials = dated(values, dates, name="values", positive=False)
    return macro.period_change(observed.values, serials.values, periods, average, difference)
