"""How stretched is the price: Wilder's RSI and the distance from the moving average in standard deviations."""

from __future__ import annotations

import math

import numpy as np

from udfs.errors import CellError, need
from udfs.rally import MIN_HISTORY

# TA-Lib's TA_IS_ZERO: it reports RSI 0 when avgGain + avgLoss is within 1e-8 of zero.
_TALIB_ZERO = 1e-8
# Two MA_SIGMA values closer than this are ties: the rolling sums are accurate to ~1e-11 (see rolling_sums).
_TIE = 1e-9


def rsi(prices: np.ndarray, period: int = 14) -> float:
    """Wilder's RSI of the last price, exactly as TA-Lib's RSI computes it.

    dₜ = Pₜ − Pₜ₋₁; gains gₜ = max(dₜ, 0), losses lₜ = max(−dₜ, 0). The first averages are the simple means of the
    first `period` gains and losses; after that avg = (prev·(period − 1) + current) / period. RSI = 100·avgGain /
    (avgGain + avgLoss), and 0 when that sum is (within 1e-8 of) 0, as TA-Lib does. Needs n > period.

    The recursion is evaluated in closed form, avg_K = a^K·avg₀ + (1/period)·Σ a^(K−j)·x_j with a = (period−1)/period,
    so it is one vectorised pass instead of a Python loop.
    """
    need(len(prices), period + 1, f"period {period}", "prices")
    decay = (period - 1) / period
    later = len(prices) - 1 - period
    # Changes older than `horizon` weigh less than 1e-30 of the newest one, far below double precision of the
    # result, so only that tail is summed: O(period) work however long the history.
    horizon = math.ceil(69.1 / -math.log(decay)) if decay > 0 else 1
    if later > horizon:
        changes = np.diff(prices[-horizon - 1 :])
        avg_gain = avg_loss = 0.0
        recent = changes
    else:
        changes = np.diff(prices)
        avg_gain = float(np.mean(np.maximum(changes[:period], 0.0)))
        avg_loss = float(np.mean(np.maximum(-changes[:period], 0.0)))
        recent = changes[period:]
    if len(recent):
        weights = decay ** np.arange(len(recent) - 1, -1, -1, dtype=float) / period
        start = decay ** len(recent) if later <= horizon else 0.0
        avg_gain = start * avg_gain + float(weights @ np.maximum(recent, 0.0))
        avg_loss = start * avg_loss + float(weights @ np.maximum(-recent, 0.0))
    total = avg_gain + avg_loss
    if abs(total) < _TALIB_ZERO:
        return 0.0
    return 100.0 * avg_gain / total


def _flat(std: np.ndarray | float, mean: np.ndarray | float) -> np.ndarray | bool:
    # A window whose stdev is below a trillionth of its level is a run of equal prices up to rounding.
    return ~(std > 1e-12 * np.abs(mean))


def ma_sigma(prices: np.ndarray, period: int = 50) -> float:
    """(Pₙ − mean(Pₙ₋period+1 … Pₙ)) / pstdev(same prices), population stdev (ddof = 0) as Bollinger bands use."""
    need(len(prices), period, f"period {period}", "prices")
    window = prices[-period:]
    mean = float(np.mean(window))
    std = float(np.std(window))
    if _flat(std, mean):
        raise CellError(f"the last {period} prices are all equal, so their standard deviation is 0")
    return (float(prices[-1]) - mean) / std


def rolling_sums(values: np.ndarray, period: int) -> np.ndarray:
    """Σ values[i : i + period] for every full window, in O(n) and accurate to the window's own scale.

    A single cumulative sum over the whole series would carry the rounding error of the largest prefix into every
    window; here the series is cut into blocks of `period` and each window is a suffix of one block plus a prefix of
    the next, so every sum adds at most 2·period terms of its neighbourhood.
    """
    n = len(values)
    blocks = -(-n // period) + 1
    padded = np.zeros(blocks * period)
    padded[:n] = values
    grid = padded.reshape(blocks, period)
    prefix = np.cumsum(grid, axis=1).ravel()
    suffix = np.cumsum(grid[:, ::-1], axis=1)[:, ::-1].ravel()
    starts = np.arange(n - period + 1)
    offset = starts % period
    tail = np.where(offset > 0, prefix[starts + period - 1], 0.0)
    return suffix[starts] + tail


def ma_sigma_history(prices: np.ndarray, period: int) -> np.ndarray:
    """MA_SIGMA of every day with a full period (days period…n), NaN where the window is flat."""
    sums = rolling_sums(prices, period)
    squares = rolling_sums(prices * prices, period)
    mean = sums / period
    variance = np.maximum(squares / period - mean * mean, 0.0)
    std = np.sqrt(variance)
    result = np.full(len(mean), np.nan)
    ok = ~_flat(std, mean)
    result[ok] = (prices[period - 1 :][ok] - mean[ok]) / std[ok]
    return result


def overbought_percentile(prices: np.ndarray, period: int = 50) -> float:
    """Mean rank of today's MA_SIGMA among the MA_SIGMA of every earlier day with a full period.

    1 means "never this overbought". Earlier days whose window is flat (stdev 0) have no MA_SIGMA and are left out;
    at least 20 earlier values are needed. Values within 1e-9 of today's count as ties (half).
    """
    need(len(prices), period + MIN_HISTORY, f"period {period}", "prices")
    today = ma_sigma(prices, period)
    history = ma_sigma_history(prices[:-1], period)
    history = history[~np.isnan(history)]
    need(len(history), MIN_HISTORY, "a percentile", "earlier days with a non-flat window")
    below = np.count_nonzero(history < today - _TIE)
    equal = np.count_nonzero(np.abs(history - today) <= _TIE)
    return (below + 0.5 * equal) / len(history)


# --- Whole columns (SPEC.md "Series: one formula per chart column") -------------------------------------------


def wilder_averages(values: np.ndarray, first: float, period: int) -> np.ndarray:
    """y₁…yₘ of Wilder's recursion yₖ = (yₖ₋₁·(period − 1) + valuesₖ) / period from y₀ = `first`, vectorised.

    yₖ = aᵏ·y₀ + (1/period)·Σⱼ≤ₖ aᵏ⁻ʲ·xⱼ with a = (period − 1)/period. Within a block the sum is one cumulative sum of
    xⱼ·a⁻ʲ (all terms of one sign, so no cancellation); blocks are short enough that a⁻ʲ stays below 1e131, and each
    block starts from the last value of the one before: a Python step per block of thousands of values.
    """
    decay = (period - 1) / period
    if decay == 0.0:
        return values / period
    size = max(1, int(300.0 / -math.log(decay)))
    steps = np.arange(min(size, len(values)), dtype=float)
    grow, shrink = decay**-steps, decay**steps
    out = np.empty(len(values))
    carry = first
    for start in range(0, len(values), size):
        chunk = values[start : start + size]
        m = len(chunk)
        y = decay * shrink[:m] * carry + shrink[:m] * np.cumsum(chunk * grow[:m]) / period
        out[start : start + m] = y
        carry = float(y[-1])
    return out


def rsi_history(prices: np.ndarray, period: int = 14, tail: int = 0) -> np.ndarray:
    """RSI of every prefix: element i is `rsi(prices[: i + 1], period)`, NaN for i < period (too short).

    With `tail` > 0 only the last `tail` elements are computed (the others are NaN). Their recursion still needs its
    seed, the averages of the day before: those are summed over the `horizon` changes before it (see `rsi`), whose
    older terms weigh under 1e-30 of the newest, so the seed, and every RSI after it, is the whole history's to well
    below a double's rounding (1e-16); with a history shorter than that the recursion starts at TA-Lib's first mean,
    the very arithmetic of the whole column.
    """
    out = np.full(len(prices), np.nan)
    if len(prices) <= period:
        return out
    first = period  # the first element with an RSI
    if tail:
        decay = (period - 1) / period
        horizon = math.ceil(69.1 / -math.log(decay)) if decay > 0 else 1
        start = len(prices) - tail
        if start - horizon > period:
            # Start the recursion `horizon` changes before the first wanted element, from zero averages.
            begin = start - horizon
            changes = np.diff(prices[begin - 1 :])
            gains, losses = np.maximum(changes, 0.0), np.maximum(-changes, 0.0)
            avg_gain = wilder_averages(gains, 0.0, period)[horizon:]
            avg_loss = wilder_averages(losses, 0.0, period)[horizon:]
            out[start:] = _rsi_values(avg_gain, avg_loss)
            return out
        first = max(period, start)
    changes = np.diff(prices)
    gains, losses = np.maximum(changes, 0.0), np.maximum(-changes, 0.0)
    first_gain, first_loss = float(np.mean(gains[:period])), float(np.mean(losses[:period]))
    avg_gain = np.concatenate(([first_gain], wilder_averages(gains[period:], first_gain, period)))
    avg_loss = np.concatenate(([first_loss], wilder_averages(losses[period:], first_loss, period)))
    out[first:] = _rsi_values(avg_gain, avg_loss)[first - period :]
    return out


def _rsi_values(avg_gain: np.ndarray, avg_loss: np.ndarray) -> np.ndarray:
    """100·avgGain / (avgGain + avgLoss), 0 where the sum is within 1e-8 of 0 (TA-Lib's TA_IS_ZERO)."""
    total = avg_gain + avg_loss
    flat = np.abs(total) < _TALIB_ZERO
    return np.where(flat, 0.0, 100.0 * avg_gain / np.where(flat, 1.0, total))


def _window_stats(prices: np.ndarray, starts: np.ndarray, period: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and population stdev of the windows prices[k : k + period] for each k in `starts`, computed directly
    (as `ma_sigma` does), a few thousand windows per NumPy call so the copy stays small."""
    windows = np.lib.stride_tricks.sliding_window_view(prices, period)
    level, spread = np.empty(len(starts)), np.empty(len(starts))
    step = max(1, 2**18 // period)
    for at in range(0, len(starts), step):
        chunk = windows[starts[at : at + step]]
        level[at : at + step] = chunk.mean(axis=1)
        spread[at : at + step] = chunk.std(axis=1)
    return level, spread


def ma_sigma_series(prices: np.ndarray, period: int = 50, tail: int = 0) -> np.ndarray:
    """MA_SIGMA of every prefix: element i is `ma_sigma(prices[: i + 1], period)`, NaN where that is undefined
    (i < period − 1, or a flat window). With `tail` > 0 only the last `tail` elements are computed (each depends on
    its own window only, so that is exact), directly window by window when that is no more work than the rolling
    sums over the whole column.

    The rolling sums (see `ma_sigma_history`) lose precision where the window's spread is tiny against its level
    (E[P²] − E[P]² cancels); those windows, rare in market data, are recomputed directly as `ma_sigma` does.
    """
    out = np.full(len(prices), np.nan)
    if len(prices) < period:
        return out
    count = len(prices) - period + 1  # full windows
    wanted = min(tail, count) if tail else count
    if wanted * period <= 4 * len(prices):
        starts = np.arange(count - wanted, count)
        mean, std = _window_stats(prices, starts, period)
        ends = starts + period - 1
        ok = ~_flat(std, mean)
        out[ends[ok]] = (prices[ends[ok]] - mean[ok]) / std[ok]
        return out
    sums = rolling_sums(prices, period)
    squares = rolling_sums(prices * prices, period)
    mean = sums / period
    std = np.sqrt(np.maximum(squares / period - mean * mean, 0.0))
    ends = np.arange(period - 1, len(prices))
    out[ends] = (prices[ends] - mean) / np.where(std > 0, std, 1.0)
    suspect = np.flatnonzero(~(std > 1e-5 * np.abs(mean)))
    if suspect.size:
        level, spread = _window_stats(prices, suspect, period)
        ok = ~_flat(spread, level)
        out[ends[suspect]] = np.where(ok, (prices[ends[suspect]] - level) / np.where(ok, spread, 1.0), np.nan)
    if tail:
        out[: len(out) - tail] = np.nan
    return out
