"""Tables no peer gives in one cell: the method card of a rally and its historical analogs."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from udfs.errors import CellError, Spill, need
from udfs.rally import (
    declustered_events,
    events_per_century,
    mean_rank,
    rally_history,
    sigma,
    window_returns,
)

Table = list[list[float | str]]


def normal_cdf(x: float) -> float:
    """Φ(x) = ½·erfc(−x/√2): the percentile a normal distribution would give a move of x sigma."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def rally_report(prices: np.ndarray, dates: np.ndarray | None, window: int = 6, lookback: int = 0) -> Table:
    """Two columns, label and value: move Rₙ(w), sigma, empirical percentile (mean rank in H), Φ(sigma), episodes
    per century, |H|, the first and last date the statistics use, and the method in words."""
    today, history = rally_history(prices, window, lookback)
    move_sigma = sigma(today, history)
    first_price = len(prices) - 1 - window - len(history)
    no_dates = "(no dates given)"
    return [
        [f"Move over {window} observations", today],
        ["Sigma", move_sigma],
        ["Percentile (empirical)", mean_rank(today, history)],
        ["Percentile if normal, Φ(sigma)", normal_cdf(move_sigma)],
        ["Episodes per century", events_per_century(prices, window, None, dates)],
        ["Windows in history", len(history)],
        ["First date", float(dates[first_price]) if dates is not None else no_dates],
        ["Last date", float(dates[-1]) if dates is not None else no_dates],
        [
            "Method",
            f"simple returns over {window} observations; overlapping windows"
            + (f" ending in the last {lookback} observations" if lookback else "")
            + "; sample stdev (ddof 1); percentile = mean rank, ties count ½",
        ],
    ]


def _median_and_share(column: list[float]) -> tuple[float | str, float | str]:
    if not column:
        return "", ""
    values = np.array(column)
    return float(np.median(values)), float(np.count_nonzero(values > 0) / len(values))


# Trading days after the move: about one, three, six and twelve months.
ANALOG_HORIZONS = (21, 63, 126, 252)


def analog_header(horizons: Sequence[int]) -> list[str]:
    """The header row of RALLY_ANALOGS' table: "End date", "Move", then "After h" for each horizon h."""
    return ["End date", "Move", *[f"After {h}" for h in horizons]]


def rally_analogs(
    prices: np.ndarray,
    dates: np.ndarray,
    window: int = 6,
    threshold: float | None = None,
    horizons: tuple[int, ...] = ANALOG_HORIZONS,
) -> Table:
    """Every earlier declustered episode (as EVENTS_PER_CENTURY counts them, today's excluded) with its end date,
    its move Rₜ(w) and the return P_{t+h} / Pₜ − 1 over each horizon h after it ("" where the data ends sooner),
    then a median row and a share-positive row (both over the episodes that have a value)."""
    need(len(prices), window + 1, f"window {window}", "prices")
    returns = window_returns(prices, window)
    limit = float(returns[-1]) if threshold is None else threshold
    last = len(prices) - 1
    end = declustered_events(returns, window, limit) + window
    end = end[end < last]
    if not end.size:
        sign = "≥" if limit >= 0 else "≤"
        raise CellError(f"no earlier {window}-observation move {sign} {limit:.1%} in the data")
    # One column per horizon, NaN where the data ends sooner; computed for all episodes at once.
    columns = [returns[end - window]]
    for h in horizons:
        later = end + h
        inside = later <= last
        columns.append(np.where(inside, prices[np.minimum(later, last)] / prices[end] - 1.0, np.nan))
    # The body is filled column by column in one object array (NaN -> blank), not row by row in Python: a
    # century of daily data has thousands of episodes at a low threshold.
    numbers = np.column_stack([dates[end].astype(float), *columns])
    body = numbers.astype(object)
    body[np.isnan(numbers)] = ""
    summary = [_median_and_share(column[~np.isnan(column)].tolist()) for column in columns]
    return Spill(
        [
            analog_header(horizons),
            *body.tolist(),
            ["Median", *[median for median, _ in summary]],
            ["Share positive", *[share for _, share in summary]],
        ]
    )
