"""Macro signals: the Sahm recession rule and where a value sits in its own history."""

from __future__ import annotations

import numpy as np

from udfs.errors import CellError, need
from udfs.rally import mean_rank

SAHM_TRIGGER = 0.5


def three_month_means(rates: np.ndarray) -> np.ndarray:
    """Mₜ = mean of the values present among uₜ, uₜ₋₁, uₜ₋₂ (NaN marks a missing month).

    Mₜ is undefined (NaN) when fewer than two of the three are present, and for the first two months of the range,
    whose three-month window would reach before the data starts.
    """
    means = np.full(len(rates), np.nan)
    if len(rates) < 3:
        return means
    window = np.stack((rates[2:], rates[1:-1], rates[:-2]))
    present = ~np.isnan(window)
    count = present.sum(axis=0)
    total = np.where(present, window, 0.0).sum(axis=0)
    defined = count >= 2
    means[2:][defined] = total[defined] / count[defined]
    return means


def sahm_rule(rates: np.ndarray) -> float:
    """Mₜ − min(defined Mₜ₋₁₂ … Mₜ₋₁) for the latest month t with a defined Mₜ, in percentage points.

    `rates` is one value per month, oldest first, with NaN for a missing month (it stays in place: FRED's UNRATE
    has no October 2025). A reading ≥ 0.50 signals a recession.
    """
    need(int(np.count_nonzero(~np.isnan(rates))), 4, "the rule", "monthly rates")
    means = three_month_means(rates)
    defined = np.flatnonzero(~np.isnan(means))
    if defined.size == 0:
        raise CellError("no month has two of its last three rates present")
    latest = int(defined[-1])
    before = means[max(0, latest - 12) : latest]
    before = before[~np.isnan(before)]
    if before.size == 0:
        raise CellError("needs a defined three-month average in the 12 months before the latest one")
    return float(means[latest] - np.min(before))


def percentile_rank(values: np.ndarray, value: float | None = None) -> float:
    """Mean rank of `value` among `values`: (#{v < x} + ½·#{v = x}) / count.

    Without `value`, x is the latest value and it is compared with all earlier ones (e.g. where today's high-yield
    spread sits in its history).
    """
    if value is None:
        need(len(values), 2, "a rank of the latest value", "values")
        return mean_rank(float(values[-1]), values[:-1])
    need(len(values), 1, "a rank", "value")
    return mean_rank(value, values)
