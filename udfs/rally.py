"""Rally statistics: how big and how rare is the latest w-day move (SPEC.md "Rallies").

All functions take clean arrays (oldest first, no missing values, prices > 0) and raise `CellError` when the result is
undefined. Notation: P₁…Pₙ prices, Rₜ(w) = Pₜ / Pₜ₋w − 1 for t = w+1…n, rₜ = Pₜ / Pₜ₋₁ − 1.
"""

from __future__ import annotations

import numpy as np

from udfs.errors import CellError, need

MIN_HISTORY = 20  # SPEC.md: H needs at least 20 members
YEAR_OBSERVATIONS = 252
DAYS_PER_YEAR = 365.25


def window_returns(prices: np.ndarray, window: int) -> np.ndarray:
    """Rₜ(w) = Pₜ / Pₜ₋w − 1 for t = w+1…n; element k is the window ending at price k + w (0-based)."""
    return prices[window:] / prices[:-window] - 1.0


def rally_return(prices: np.ndarray, window: int, noun: str = "prices") -> float:
    """Rₙ(w) = Pₙ / Pₙ₋w − 1: the simple return of the last `window` observations. Needs n ≥ w + 1."""
    need(len(prices), window + 1, f"window {window}", noun)
    return float(prices[-1] / prices[-1 - window] - 1.0)


def rally_history(prices: np.ndarray, window: int, lookback: int = 0, noun: str = "prices") -> tuple[float, np.ndarray]:
    """Today's move Rₙ(w) and its history H = {Rₜ(w) : w < t < n}.

    With `lookback` L > 0 only the windows ending in the last L observations before today are kept (t ≥ n − L).
    H needs at least 20 members: n ≥ w + 21 prices, and L ≥ 20.
    """
    if 0 < lookback < MIN_HISTORY:
        raise CellError(f"lookback {lookback} keeps only {lookback} windows; use 0 (all) or at least {MIN_HISTORY}")
    need(len(prices), window + 1 + MIN_HISTORY, f"window {window}", noun)
    returns = window_returns(prices, window)
    history = returns[:-1]
    if lookback:
        history = history[-lookback:]
    return float(returns[-1]), history


def is_flat(values: np.ndarray, spread: float) -> bool:
    """True when `spread` (a stdev of `values`) is zero up to rounding: the values are all equal."""
    scale = float(np.max(np.abs(values))) if values.size else 0.0
    return not spread > 1e-12 * scale


def sigma(today: float, history: np.ndarray) -> float:
    """(x − mean(H)) / stdev(H), sample stdev (ddof = 1); stdev 0 is undefined."""
    spread = float(np.std(history, ddof=1))
    if is_flat(history, spread):
        raise CellError(f"all {len(history)} past moves are equal, so their standard deviation is 0")
    return (today - float(np.mean(history))) / spread


def mean_rank(value: float, sample: np.ndarray) -> float:
    """(#{h < x} + ½·#{h = x}) / |H|: the percentile of x in H, ties counted half (a fraction in [0, 1])."""
    below = np.count_nonzero(sample < value)
    equal = np.count_nonzero(sample == value)
    return (below + 0.5 * equal) / len(sample)


def rally_sigma(prices: np.ndarray, window: int, lookback: int = 0, noun: str = "prices") -> float:
    """(Rₙ(w) − mean(H)) / stdev(H) with the sample stdev (ddof = 1)."""
    today, history = rally_history(prices, window, lookback, noun)
    return sigma(today, history)


def rally_percentile(prices: np.ndarray, window: int, lookback: int = 0, noun: str = "prices") -> float:
    """Mean rank of Rₙ(w) in H: (#{h < Rₙ} + ½·#{h = Rₙ}) / |H|."""
    today, history = rally_history(prices, window, lookback, noun)
    return mean_rank(today, history)


def declustered_events(returns: np.ndarray, window: int, threshold: float) -> np.ndarray:
    """Indices k of the counted events among `returns` (= Rₜ(w) in order), never overlapping.

    An event is R ≥ threshold for a threshold ≥ 0, R ≤ threshold for a negative one. Scanning in order, an event
    at k is counted and k+1…k+w−1 are then ignored.
    """
    hits = returns >= threshold if threshold >= 0 else returns <= threshold
    candidates = np.flatnonzero(hits)
    if window == 1 or candidates.size == 0:
        return candidates
    # For each candidate, the first candidate at least `window` later: the greedy scan then just follows these
    # links, so the Python loop runs once per counted event, not once per observation.
    following = np.searchsorted(candidates, candidates + window).tolist()
    counted = []
    i, last = 0, len(candidates)
    while i < last:
        counted.append(i)
        i = following[i]
    return candidates[counted]


def years_covered(count: int, dates: np.ndarray | None) -> float:
    """(last date − first date) / 365.25 with dates (Excel serials), else (n − 1) / 252."""
    if dates is not None:
        return float(dates[-1] - dates[0]) / DAYS_PER_YEAR
    return (count - 1) / YEAR_OBSERVATIONS


def events_per_century(
    prices: np.ndarray,
    window: int,
    threshold: float | None = None,
    dates: np.ndarray | None = None,
) -> float:
    """Declustered episodes of Rₜ(w) beyond `threshold` (default Rₙ(w)) per 100 years: count / years × 100."""
    today = rally_return(prices, window)
    limit = today if threshold is None else threshold
    count = len(declustered_events(window_returns(prices, window), window, limit))
    years = years_covered(len(prices), dates)
    if not years > 0:
        raise CellError("the data covers no time; give at least two different dates")
    return count / years * 100.0


def daily_returns(prices: np.ndarray) -> np.ndarray:
    """rₜ = Pₜ / Pₜ₋₁ − 1 for t = 2…n."""
    return prices[1:] / prices[:-1] - 1.0


def up_streak(prices: np.ndarray, threshold: float) -> int:
    """Number of consecutive latest daily returns rₜ > threshold (0 if today's is not)."""
    need(len(prices), 2, "a daily return", "prices")
    not_up = np.flatnonzero(~(daily_returns(prices) > threshold))
    total = len(prices) - 1
    return total if not_up.size == 0 else total - 1 - int(not_up[-1])


def up_days(prices: np.ndarray, window: int, threshold: float) -> int:
    """How many of the last `window` daily returns are > threshold."""
    need(len(prices), window + 1, f"window {window}", "prices")
    return int(np.count_nonzero(daily_returns(prices[-window - 1 :]) > threshold))


def max_daily_gain(prices: np.ndarray, window: int) -> float:
    """max(rₙ₋w₊₁ … rₙ): the largest of the last `window` daily returns."""
    need(len(prices), window + 1, f"window {window}", "prices")
    return float(np.max(daily_returns(prices[-window - 1 :])))
