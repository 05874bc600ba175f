"""The cell functions of SPEC.md under their SPEC.md names: raw cell values in, a number, a word, a table or a
`#N/A …` text out. Nothing here raises and nothing here computes: each function cleans its inputs (udfs.inputs)
and delegates to the statistics modules. The first docstring line is the description Excel's function wizard shows.
Dates come back as Excel serial numbers (format the cell as a date).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from udfs import curve, macro, market, overbought, policy, rally, reports
from udfs.errors import CellError, Spill, cell_function
from udfs.inputs import (
    Observed,
    check_dates,
    check_positive,
    dated,
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
    whole,
)
from udfs.inputs import prices as price_series

Arg = Any  # whatever the caller (Excel through udfs.excel, the workbook engine, a test) passes for one argument


def _window(window: Arg) -> int:
    return whole(window, "window", 6)


def _lookback(lookback: Arg) -> int:
    return whole(lookback, "lookback", 0, minimum=0)


def _ratio(numerator: Arg, denominator: Arg) -> np.ndarray:
    top, bottom = pair(numerator, denominator, ("numerator", "denominator"))
    check_positive(top, "numerator")
    check_positive(bottom, "denominator")
    return top.values / bottom.values


def _prices_and_dates(values: Arg, dates: Arg) -> tuple[np.ndarray, np.ndarray | None]:
    if omitted(dates):
        return price_series(values).values, None
    price_col, date_col = dated(values, dates)
    return price_col.values, date_col.values


def _horizons(value: Arg) -> tuple[int, ...]:
    """'21,63,126,252', a single number, or a range of numbers."""
    if omitted(value):
        return reports.ANALOG_HORIZONS
    if isinstance(value, str):
        parts = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        try:
            numbers: list[Arg] = [float(part) for part in parts]
        except ValueError:
            raise CellError(
                f'horizons must be whole numbers separated by commas, like "21,63", got {value!r}'
            ) from None
    else:
        numbers = [v for v in to_floats(value, "horizons") if not np.isnan(v)]
    if not numbers:
        raise CellError('horizons must list at least one whole number of observations, like "21,63,126,252"')
    return tuple(whole(number, "each horizon", 0) for number in numbers)


# --- Rallies -------------------------------------------------------------------------------------------------


@cell_function
def RALLY_RETURN(prices: Arg, window: Arg = 6) -> float:
    """Return of the last `window` observations: Pₙ / Pₙ₋w − 1 (0.152 = 15.2%)."""
    return rally.rally_return(price_series(prices).values, _window(window))


@cell_function
def RALLY_SIGMA(prices: Arg, window: Arg = 6, lookback: Arg = 0) -> float:
    """How many standard deviations today's w-day return is from the mean of every earlier overlapping w-day
    return: (Rₙ − mean(H)) / stdev(H), sample stdev."""
    return rally.rally_sigma(price_series(prices).values, _window(window), _lookback(lookback))


@cell_function
def RALLY_PERCENTILE(prices: Arg, window: Arg = 6, lookback: Arg = 0) -> float:
    """Percentile of today's w-day return among every earlier overlapping w-day return (mean rank, ties ½)."""
    return rally.rally_percentile(price_series(prices).values, _window(window), _lookback(lookback))


@cell_function
def EVENTS_PER_CENTURY(prices: Arg, window: Arg = 6, threshold: Arg = None, dates: Arg = None) -> float:
    """How often a w-day move like today's (or beyond `threshold`) happens: non-overlapping episodes per 100 years."""
    values, serials = _prices_and_dates(prices, dates)
    return rally.events_per_century(values, _window(window), real(threshold, "threshold", None), serials)


@cell_function
def UP_STREAK(prices: Arg, threshold: Arg = 0.01) -> int:
    """Number of consecutive latest daily returns above `threshold` (0 if today's is not)."""
    return rally.up_streak(price_series(prices).values, real(threshold, "threshold", 0.01))


@cell_function
def UP_DAYS(prices: Arg, window: Arg = 6, threshold: Arg = 0.01) -> int:
    """How many of the last `window` daily returns are above `threshold` ("five >1% days in a six-day rally")."""
    return rally.up_days(price_series(prices).values, _window(window), real(threshold, "threshold", 0.01))


@cell_function
def MAX_DAILY_GAIN(prices: Arg, window: Arg = 6) -> float:
    """The largest of the last `window` daily returns."""
    return rally.max_daily_gain(price_series(prices).values, _window(window))


# --- Relative strength ---------------------------------------------------------------------------------------


@cell_function
def RATIO_CHANGE(numerator: Arg, denominator: Arg, window: Arg = 6) -> float:
    """Change of the ratio numerator/denominator over `window` observations: Qₙ / Qₙ₋w − 1."""
    return rally.rally_return(_ratio(numerator, denominator), _window(window), "ratio values")


@cell_function
def RATIO_SIGMA(numerator: Arg, denominator: Arg, window: Arg = 6, lookback: Arg = 0) -> float:
    """RALLY_SIGMA of the ratio numerator/denominator: how unusual today's w-day change of the ratio is, in sigmas."""
    return rally.rally_sigma(_ratio(numerator, denominator), _window(window), _lookback(lookback), "ratio values")


@cell_function
def RATIO_PERCENTILE(numerator: Arg, denominator: Arg, window: Arg = 6, lookback: Arg = 0) -> float:
    """RALLY_PERCENTILE of the ratio numerator/denominator: percentile of today's w-day change of the ratio."""
    return rally.rally_percentile(_ratio(numerator, denominator), _window(window), _lookback(lookback), "ratio values")


# --- Overbought, drawdown, bear market -----------------------------------------------------------------------


@cell_function
def RSI(prices: Arg, period: Arg = 14) -> float:
    """Wilder's relative strength index (0-100) of the last price, exactly as TA-Lib computes it."""
    return overbought.rsi(price_series(prices).values, whole(period, "period", 14))


@cell_function
def MA_SIGMA(prices: Arg, period: Arg = 50) -> float:
    """Distance of the last price from its `period`-day moving average in population standard deviations."""
    return overbought.ma_sigma(price_series(prices).values, whole(period, "period", 50))


@cell_function
def OVERBOUGHT_PERCENTILE(prices: Arg, period: Arg = 50) -> float:
    """Percentile of today's MA_SIGMA among every earlier day's (1 = never this overbought)."""
    return overbought.overbought_percentile(price_series(prices).values, whole(period, "period", 50))


@cell_function
def DRAWDOWN(prices: Arg) -> float:
    """Distance of the last price below the highest price: Pₙ / max(P) − 1 (0 at a new high)."""
    return market.drawdown(price_series(prices).values)


@cell_function
def BEAR_LINE(prices: Arg, threshold: Arg = 0.2) -> float:
    """The price that marks bear-market territory: max(P) · (1 − threshold)."""
    return market.bear_line(price_series(prices).values, real(threshold, "threshold", 0.2))


@cell_function
def MARKET_STATE(prices: Arg) -> str:
    """NEW HIGH, BULL (drawdown under 10%), CORRECTION (10% to 20%) or BEAR (20% or more)."""
    return market.market_state(price_series(prices).values)


# --- Yield curve ---------------------------------------------------------------------------------------------


def _curve(spread: Arg, dates: Arg) -> tuple[np.ndarray, np.ndarray]:
    values, serials = dated(spread, dates, name="spread", positive=False)
    if not len(values):
        raise CellError("spread has no numbers with a date")
    return values.values, serials.values


@cell_function
def CURVE_STATE(spread: Arg, dates: Arg, persist: Arg = 5, memory_days: Arg = 365) -> str:
    """INVERTED, UN-INVERTING, DIS-INVERTED or NORMAL: the yield curve's state on the last day."""
    values, serials = _curve(spread, dates)
    return curve.curve_state(
        values, serials, whole(persist, "persist", 5), whole(memory_days, "memory_days", 365, minimum=0)
    ).state


@cell_function
def CURVE_SINCE(spread: Arg, dates: Arg, persist: Arg = 5, memory_days: Arg = 365) -> float:
    """The date the curve's current state began (format the cell as a date)."""
    values, serials = _curve(spread, dates)
    return curve.curve_state(
        values, serials, whole(persist, "persist", 5), whole(memory_days, "memory_days", 365, minimum=0)
    ).since


@cell_function
def CURVE_EPISODES(spread: Arg, dates: Arg, persist: Arg = 5) -> list[list[float | str]]:
    """Spills one row per inversion episode: start, end (blank while open), calendar days, minimum spread, its date."""
    values, serials = _curve(spread, dates)
    persist_days = whole(persist, "persist", 5)
    rows = curve.episode_table(values, serials, persist_days)
    if not rows:
        raise CellError(f"no inversion of {persist_days} or more days in a row in the data")
    return [["Start", "End", "Days", "Min spread", "Min date"], *rows]


# --- Macro ---------------------------------------------------------------------------------------------------


@cell_function
def SAHM_RULE(unemployment: Arg) -> float:
    """Sahm recession rule, in percentage points: 3-month average unemployment minus its low of the prior 12 months."""
    rates = to_floats(unemployment, "unemployment")
    present = np.flatnonzero(~np.isnan(rates))
    # Unlike other series, an interior blank is a missing month and must keep its place.
    trimmed = rates[present[0] : present[-1] + 1] if present.size else rates[:0]
    return macro.sahm_rule(trimmed)


@cell_function
def PERCENTILE_RANK(values: Arg, value: Arg = None) -> float:
    """Percentile of `value` among `values` (default: the latest value among all earlier ones), ties count ½."""
    return macro.percentile_rank(series(values, "values").values, real(value, "value", None))


# --- Tables --------------------------------------------------------------------------------------------------


@cell_function
def RALLY_REPORT(prices: Arg, dates: Arg = None, window: Arg = 6, lookback: Arg = 0) -> list[list[float | str]]:
    """Spills a method card of today's w-day move: move, sigma, percentile, normal percentile, episodes per century,
    windows used, dates, method."""
    values, serials = _prices_and_dates(prices, dates)
    return reports.rally_report(values, serials, _window(window), _lookback(lookback))


@cell_function
def RALLY_ANALOGS(
    prices: Arg, dates: Arg, window: Arg = 6, threshold: Arg = None, horizons: Arg = "21,63,126,252"
) -> list[list[float | str]]:
    """Spills every earlier move like today's with what followed over each horizon, then the median and share up:
    did the rally have legs?"""
    price_col, date_col = dated(prices, dates)
    return reports.rally_analogs(
        price_col.values,
        date_col.values,
        _window(window),
        real(threshold, "threshold", None),
        _horizons(horizons),
    )


# Every cell function, in SPEC.md order; the Excel layer and the tests iterate over this.
ALL = (
    RALLY_RETURN,
    RALLY_SIGMA,
    RALLY_PERCENTILE,
    EVENTS_PER_CENTURY,
    UP_STREAK,
    UP_DAYS,
    MAX_DAILY_GAIN,
    RATIO_CHANGE,
    RATIO_SIGMA,
    RATIO_PERCENTILE,
    RSI,
    MA_SIGMA,
    OVERBOUGHT_PERCENTILE,
    DRAWDOWN,
    BEAR_LINE,
    MARKET_STATE,
    CURVE_STATE,
    CURVE_SINCE,
    CURVE_EPISODES,
    SAHM_RULE,
    PERCENTILE_RANK,
    RALLY_REPORT,
    RALLY_ANALOGS,
)


# --- Series: one formula per chart column (SPEC.md "Series") ------------------------------------------------------
# Each returns one value per cell of its range, row i being the scalar function on cells 1…i; it spills in Excel 365
# and fills a legacy array formula over a column of cells in Excel 2016/2019 (the Dashboard's chart data).


EXCEL_ROWS = 1_048_576


def _last(last: Arg, minimum: int = 0) -> int:
    """How many rows a series function returns; no more than a sheet has, or a typo such as 2520000 would build a
    table of millions of blank rows before Excel refused it."""
    rows = whole(last, "last", 0, minimum=minimum)
    if rows > EXCEL_ROWS:
        raise CellError(f"last {rows:,} is more rows than a sheet has ({EXCEL_ROWS:,})")
    return rows


def _spill(values: np.ndarray, row: bool, last: int) -> list[list[float | str]]:
    """Per-cell results as a column (a row for a row range): NaN is a blank cell (""); with `last` > 0 exactly the
    last `last` cells, blank ones on top when the range is shorter."""
    if last:
        values = values[-last:]
        if len(values) < last:
            values = np.concatenate([np.full(last - len(values), np.nan), values])
    if not len(values):
        raise CellError("the range has no cells")
    cells = values.astype(object)
    cells[~np.isfinite(values)] = ""
    return Spill([cells.tolist()] if row else cells.reshape(-1, 1).tolist())


def _per_price(prices: Arg, statistic, last: Arg) -> list[list[float | str]]:
    """`statistic` (clean prices -> one value per price, NaN where undefined) on the observations of `prices`, put
    back on their cells; a cell that holds no observation is blank."""
    raw = per_cell(prices, "prices")
    kept = np.flatnonzero(~np.isnan(raw))
    check_positive(Observed(raw[kept], kept + 1))
    out = np.full(len(raw), np.nan)
    out[kept] = statistic(raw[kept])
    return _spill(out, is_row(prices), _last(last))


@cell_function
def RSI_SERIES(prices: Arg, period: Arg = 14, last: Arg = 0) -> list[list[float | str]]:
    """Spills RSI of every row: the RSI of the prices up to that row (blank where there is no price or too few)."""
    days = whole(period, "period", 14)
    return _per_price(prices, lambda p: overbought.rsi_history(p, days), last)


@cell_function
def MA_SIGMA_SERIES(prices: Arg, period: Arg = 50, last: Arg = 0) -> list[list[float | str]]:
    """Spills MA_SIGMA of every row: the distance of that row's price from its moving average, in stdevs."""
    days = whole(period, "period", 50)
    return _per_price(prices, lambda p: overbought.ma_sigma_series(p, days), last)


@cell_function
def DRAWDOWN_SERIES(prices: Arg, last: Arg = 0) -> list[list[float | str]]:
    """Spills DRAWDOWN of every row: that row's price against the highest price up to it, minus 1."""
    return _per_price(prices, market.drawdown_history, last)


@cell_function
def BEAR_LINE_SERIES(prices: Arg, threshold: Arg = 0.2, last: Arg = 0) -> list[list[float | str]]:
    """Spills BEAR_LINE of every row: the highest price up to that row times (1 − threshold)."""
    fall = real(threshold, "threshold", 0.2)
    return _per_price(prices, lambda p: market.bear_line_history(p, fall), last)


@cell_function
def RATIO_SERIES(numerator: Arg, denominator: Arg, last: Arg = 0) -> list[list[float | str]]:
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
    return _spill(out, is_row(numerator), _last(last))


@cell_function
def LAST_ROWS(values: Arg, last: Arg) -> list[list[float | str]]:
    """Spills the last `last` cells of a range: numbers and dates (as serials) as they are, anything else blank."""
    if omitted(last):
        raise CellError("last must be given: how many of the latest cells to return, a whole number ≥ 1")
    return _spill(per_cell_serials(values, "values"), is_row(values), _last(last, minimum=1))


SERIES = (RSI_SERIES, MA_SIGMA_SERIES, DRAWDOWN_SERIES, BEAR_LINE_SERIES, RATIO_SERIES, LAST_ROWS)
ALL = (*ALL, *SERIES)


# --- Policy, what followed, change over a period (issue 13) --------------------------------------------------


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


@cell_function
def EASING_CYCLES(
    rates: Arg, dates: Arg, more_rates: Arg = None, since: Arg = None, quiet_days: Arg = 183, min_step: Arg = 0.25
) -> list[list[float | str]]:
    """Spills the first cut of each easing cycle (a cut of min_step or more after a hike, with no cut in the
    quiet_days before): its date, the rate before and after, the cycle's low and number of cuts."""
    values, serials = _policy_rates(rates, dates, more_rates)
    since_serial = real(since, "since", None)
    return policy.easing_cycles(
        values,
        serials,
        whole(quiet_days, "quiet_days", 183, minimum=0),
        real(min_step, "min_step", 0.25),
        since_serial,
    )


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


@cell_function
def EVENT_RETURNS(
    prices: Arg, dates: Arg, events: Arg, horizons: Arg = "21,63,126,252", denominator: Arg = None
) -> list[list[float | str]]:
    """Spills, for each event date, the return over each horizon from the first close on or after it (of
    prices/denominator when a denominator is given), then the median and share positive: what followed?"""
    values, serials = _event_series(prices, dates, denominator)
    days = to_serials(_first_column(events), "events")
    return policy.event_returns(values, serials, days[~np.isnan(days)], _horizons(horizons))


def _flag(value: Arg, name: str) -> bool:
    """TRUE/FALSE, 1/0 or omitted (FALSE)."""
    if omitted(value):
        return False
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str) and value.strip().upper() in ("TRUE", "FALSE"):
        return value.strip().upper() == "TRUE"
    return bool(real(value, name, 0))


@cell_function
def PERIOD_CHANGE(values: Arg, dates: Arg, periods: Arg, average: Arg = 1, difference: Arg = False) -> float:
    """Change of a monthly or weekly series over `periods` months or weeks, of `average`-period means: Aₙ / Aₙ₋ₚ − 1
    (or Aₙ − Aₙ₋ₚ); a missing month stays missing."""
    observed, serials = dated(values, dates, name="values", positive=False)
    as_difference = _flag(difference, "difference")
    return macro.period_change(
        observed.values,
        serials.values,
        whole(periods, "periods", 1),
        whole(average, "average", 1),
        as_difference,
    )


ALL = (*ALL, EASING_CYCLES, EVENT_RETURNS, PERIOD_CHANGE)
