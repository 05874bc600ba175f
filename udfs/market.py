"""Where the price stands against its high: drawdown, the bear-market line and the market state."""

from __future__ import annotations

import numpy as np

from udfs.errors import CellError, need

CORRECTION = 0.9  # P / max ≤ 0.9: a drawdown of 10% or more
BEAR = 0.8  # P / max ≤ 0.8: a drawdown of 20% or more


def drawdown(prices: np.ndarray) -> float:
    """Pₙ / max(P₁…Pₙ) − 1: 0 at a new high, −0.25 a quarter below it."""
    need(len(prices), 1, "a drawdown", "price")
    return float(prices[-1] / np.max(prices) - 1.0)


def bear_line(prices: np.ndarray, threshold: float = 0.2) -> float:
    """max(P₁…Pₙ) · (1 − threshold): the price that marks bear-market territory."""
    need(len(prices), 1, "a bear line", "price")
    if not 0 < threshold < 1:
        raise CellError(f"threshold must be a fraction between 0 and 1 (0.2 for 20%), got {threshold:g}")
    return float(np.max(prices) * (1.0 - threshold))


def market_state(prices: np.ndarray) -> str:
    """NEW HIGH if Pₙ is the maximum; else by drawdown D: BULL if D > −10%, CORRECTION if −20% < D ≤ −10%,
    BEAR if D ≤ −20%.

    The boundaries are tested on the ratio Pₙ / max, which is exact at 0.8 and 0.9 where D = ratio − 1 is not
    (80 / 100 − 1 is −0.19999999999999996 in floating point).
    """
    need(len(prices), 1, "a market state", "price")
    high = float(np.max(prices))
    last = float(prices[-1])
    if last >= high:
        return "NEW HIGH"
    ratio = last / high
    if ratio <= BEAR:
        return "BEAR"
    if ratio <= CORRECTION:
        return "CORRECTION"
    return "BULL"


# --- Whole columns (SPEC.md "Series: one formula per chart column") -------------------------------------------


def drawdown_history(prices: np.ndarray) -> np.ndarray:
    """DRAWDOWN of every prefix: Pᵢ / max(P₁…Pᵢ) − 1."""
    return prices / np.maximum.accumulate(prices) - 1.0


def bear_line_history(prices: np.ndarray, threshold: float = 0.2) -> np.ndarray:
    """BEAR_LINE of every prefix: max(P₁…Pᵢ) · (1 − threshold)."""
    if not 0 < threshold < 1:
        raise CellError(f"threshold must be a fraction between 0 and 1 (0.2 for 20%), got {threshold:g}")
    return np.maximum.accumulate(prices) * (1.0 - threshold)
