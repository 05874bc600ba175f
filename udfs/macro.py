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


# --- Change over a period (issue 13) ----------------------------------------------------------------------------


def _period_keys(serials: np.ndarray) -> tuple[np.ndarray, str]:
    """Each date's period number and the frequency, from the median gap between the last 13 dates: weeks
    (days // 7) when it is 7 days, calendar months when it is 28-31 days."""
    step = float(np.median(np.diff(serials[-13:])))
    days = serials.astype(np.int64)
    if step == 7:
        return days // 7, "weekly"
    if 28 <= step <= 31:
        months = (np.datetime64("1899-12-30", "D") + days).astype("datetime64[M]").astype(np.int64)
        return months, "monthly"
    raise CellError(f"needs monthly or weekly dates; the dates are a median {step:g} days apart")


def _period_text(key: int, frequency: str, serials: np.ndarray, keys: np.ndarray) -> str:
    if frequency == "monthly":
        return str(np.datetime64(int(key), "M"))
    # A weekly period is named by its date: the latest date's weekday, `key` weeks on.
    offset = int(serials[-1]) - int(keys[-1]) * 7
    return str(np.datetime64("1899-12-30", "D") + int(key) * 7 + offset)


def period_change(
    values: np.ndarray, serials: np.ndarray, periods: int, average: int = 1, difference: bool = False
) -> float:
    """Aₙ / Aₙ₋ₚ − 1 (or Aₙ − Aₙ₋ₚ with `difference`), where n is the latest period with a value, p = `periods`
    and Aₜ = the mean of the values of periods t−a+1 … t (a = `average`).

    A period is a calendar month (monthly dates) or a week (dates 7 days apart), taken from the dates, not from
    row positions: a month without a value, blank or absent, stays missing, and a result that needs it is an
    error naming it.
    """
    need(len(values), 2, "a change over a period", "values with a date")
    keys, frequency = _period_keys(serials)
    latest = int(keys[-1])

    def mean_ending(end: int) -> float:
        # The dates increase strictly, so the periods are sorted: a period's value is one binary search away, and
        # only the `average` periods asked for are looked up (no table of every period).
        wanted = np.arange(end - average + 1, end + 1)
        at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        missing = np.flatnonzero(keys[at] != wanted)
        if missing.size:
            key = int(wanted[missing[0]])
            unit = "month" if frequency == "monthly" else "week"
            raise CellError(
                f"no value for {_period_text(key, frequency, serials, keys)}: a missing {unit} stays missing"
            )
        # Two dates in one period: the later one's value counts, as the table of periods this replaces had it.
        last = np.searchsorted(keys, wanted, side="right") - 1
        return float(np.mean(values[last]))

    now, before = mean_ending(latest), mean_ending(latest - periods)
    if difference:
        return now - before
    if before == 0:
        raise CellError("the earlier value is 0; use difference")
    return now / before - 1.0
