"""Monetary policy and what followed it: the first cut of each easing cycle, and forward returns from event dates.

Plain NumPy statistics (inputs already cleaned by udfs.inputs); every failure is a CellError.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from udfs.errors import CellError, need

Table = list[list[float | str]]

QUIET_DAYS = 183  # about six months
MIN_STEP = 0.25  # percentage points: smaller moves (the 1982-89 target's 1/16 and 1/8 steps) are not cuts or hikes
EASING_HEADER = ["First cut", "Rate before", "Rate after", "Cycle low", "Cuts in cycle"]


def rate_moves(rates: np.ndarray, min_step: float = MIN_STEP) -> tuple[np.ndarray, np.ndarray]:
    """Positions t where the rate moved by at least `min_step` from the previous observation (|rₜ − rₜ₋₁| ≥ step,
    with a 1e-9 tolerance) and the sign of each move (−1 cut, +1 hike). Smaller moves count as neither."""
    steps = np.diff(rates)
    moved = np.flatnonzero(np.abs(steps) >= min_step - 1e-9) + 1
    return moved, np.sign(steps[moved - 1]).astype(int)


def easing_cycles(
    rates: np.ndarray,
    dates: np.ndarray,
    quiet_days: float = QUIET_DAYS,
    min_step: float = MIN_STEP,
    since: float | None = None,
) -> Table:
    """First cuts of easing cycles. A move is a change of at least `min_step` from the previous observation; a cut
    at t starts a cycle when (1) the latest earlier move was a hike and (2) no cut happened in the `quiet_days`
    calendar days before t (dates[t] − dates[previous cut] > quiet_days), where the data must reach back that far
    (dates[t] − dates[0] ≥ quiet_days) and hold a move before t.

    One row per cycle starting on or after `since`: the date the series changes, the rate before and after, the
    lowest rate until the next hike (or the data's end), and the number of cuts until then.
    """
    need(len(rates), 2, "easing cycles", "rates")
    moved, signs = rate_moves(rates, min_step)
    rows: Table = []
    last_cut: float | None = None
    for k, (t, sign) in enumerate(zip(moved.tolist(), signs.tolist(), strict=True)):
        if sign > 0:
            continue
        day = float(dates[t])
        after_hike = k > 0 and signs[k - 1] > 0
        quiet = (day - last_cut > quiet_days) if last_cut is not None else (day - float(dates[0]) >= quiet_days)
        last_cut = day
        if not (after_hike and quiet) or (since is not None and day < since):
            continue
        later_hikes = moved[k + 1 :][signs[k + 1 :] > 0]
        end = int(later_hikes[0]) if later_hikes.size else len(rates)
        cuts = int(np.count_nonzero((moved >= t) & (moved < end) & (signs < 0)))
        rows.append([day, float(rates[t - 1]), float(rates[t]), float(np.min(rates[t:end])), cuts])
    if not rows:
        raise CellError(
            f"no easing cycle in the data: no cut of {min_step:g} or more after a hike and {quiet_days:g} days "
            "without a cut"
        )
    return [list(EASING_HEADER), *rows]


def event_header(horizons: Sequence[int]) -> list[str]:
    return ["Event", "Start", *[f"After {h}" for h in horizons]]


def event_returns(values: np.ndarray, dates: np.ndarray, events: np.ndarray, horizons: Sequence[int]) -> Table:
    """For each event date e: s = the first observation dated on or after e, and Vₛ₊ₕ / Vₛ − 1 for each horizon h
    (in observations); "" where the data ends sooner, and a whole row of "" when e is before the first date or
    after the last. Then the median and the share of values above 0 per column, over the events that have one."""
    need(len(values), 2, "event returns", "values with a date")
    if not len(events):
        raise CellError("events holds no dates")
    last = len(values) - 1
    body: Table = []
    columns: list[list[float]] = [[] for _ in horizons]
    for event in events.tolist():
        start = int(np.searchsorted(dates, event, side="left"))
        if event < dates[0] or start > last:
            body.append([event, "", *[""] * len(horizons)])
            continue
        row: list[float | str] = [event, float(dates[start])]
        for index, h in enumerate(horizons):
            if start + h > last:
                row.append("")
            else:
                change = float(values[start + h] / values[start] - 1.0)
                row.append(change)
                columns[index].append(change)
        body.append(row)
    medians = [float(np.median(c)) if c else "" for c in columns]
    shares = [float(np.count_nonzero(np.array(c) > 0) / len(c)) if c else "" for c in columns]
    return [event_header(horizons), *body, ["Median", "", *medians], ["Share positive", "", *shares]]
