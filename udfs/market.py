"""Where the price stands against its high: drawdown, the bear-market line and the market state.

The high is the highest close so far or, given the intraday highs of the same rows, the highest of every close and
every intraday high so far (a close is never above its day's high; a missing high leaves that day's close).
"""

from __future__ import annotations

import numpy as np

from udfs.errors import CellError, need

CORRECTION = 0.9  # P / high ≤ 0.9: a drawdown of 10% or more
BEAR = 0.8  # P / high ≤ 0.8: a drawdown of 20% or more
# "Within the last year" of RISING FROM BEAR, in observations (trading days), today included.
BEAR_MEMORY = 252
# A state needs a year of history: a "NEW HIGH" over a few months of data is a guess about a high it never saw.
STATE_HISTORY = 252


def running_high(prices: np.ndarray, highs: np.ndarray | None = None) -> np.ndarray:
    """Hᵢ = max over j ≤ i of max(Pⱼ, Highⱼ): the high up to each row (the closes alone without `highs`; a NaN
    high counts as its close)."""
    tops = prices if highs is None else np.fmax(prices, highs)
    return np.maximum.accumulate(tops)


def drawdown(prices: np.ndarray, highs: np.ndarray | None = None) -> float:
    """Pₙ / Hₙ − 1, Hₙ the high so far (running_high): 0 at a new high, −0.25 a quarter below it."""
    need(len(prices), 1, "a drawdown", "price")
    return float(prices[-1] / running_high(prices, highs)[-1] - 1.0)


def _check_threshold(threshold: float) -> None:
    if not 0 < threshold < 1:
        raise CellError(f"threshold must be a fraction between 0 and 1 (0.2 for 20%), got {threshold:g}")


def bear_line(prices: np.ndarray, threshold: float = 0.2, highs: np.ndarray | None = None) -> float:
    """Hₙ · (1 − threshold), Hₙ the high so far: the price that marks bear-market territory."""
    need(len(prices), 1, "a bear line", "price")
    _check_threshold(threshold)
    return float(running_high(prices, highs)[-1] * (1.0 - threshold))


def market_state(prices: np.ndarray, highs: np.ndarray | None = None) -> str:
    """The state of the last close Pₙ against the high so far Hₙ (running_high), with ratio R = Pₙ / Hₙ:

    NEW HIGH if Pₙ ≥ every earlier close; else BEAR if R ≤ 0.8; else RISING FROM BEAR if some close since the
    high was set, on one of the last BEAR_MEMORY (252) observations, was at or below its own line (Pᵢ ≤ 0.8 · Hᵢ);
    else CORRECTION if R ≤ 0.9; else BULL. Needs STATE_HISTORY (252) prices.

    The boundaries are tested on the ratio, which is exact at 0.8 and 0.9 where R − 1 is not (80 / 100 − 1 is
    −0.19999999999999996 in floating point).
    """
    if len(prices) < STATE_HISTORY:
        raise CellError(
            f"a market state needs at least {STATE_HISTORY} prices (a year, to tell a new high from the first high "
            f"it has seen), got {len(prices)}"
        )
    last = float(prices[-1])
    if last >= float(np.max(prices)):
        return "NEW HIGH"
    high = running_high(prices, highs)
    ratio = last / float(high[-1])
    if ratio <= BEAR:
        return "BEAR"
    set_at = int(np.argmax(prices)) if highs is None else int(np.argmax(np.fmax(prices, highs)))
    since = max(set_at, len(prices) - BEAR_MEMORY)
    if np.any(prices[since:] <= BEAR * high[since:]):
        return "RISING FROM BEAR"
    if ratio <= CORRECTION:
        return "CORRECTION"
    return "BULL"


# --- Whole columns (SPEC.md "Series: one formula per chart column") -------------------------------------------


def drawdown_history(prices: np.ndarray, highs: np.ndarray | None = None) -> np.ndarray:
    """DRAWDOWN of every prefix: Pᵢ / Hᵢ − 1."""
    return prices / running_high(prices, highs) - 1.0


def bear_line_history(prices: np.ndarray, threshold: float = 0.2, highs: np.ndarray | None = None) -> np.ndarray:
    """BEAR_LINE of every prefix: Hᵢ · (1 − threshold)."""
    _check_threshold(threshold)
    return running_high(prices, highs) * (1.0 - threshold)
