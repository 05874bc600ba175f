"""Yield-curve inversion episodes and the curve's state (SPEC.md "Yield curve").

A day is inverted when the spread < 0 (0.00 is not inverted). With `persist` p:
- an episode starts on the first day of a run of ≥ p consecutive inverted days (while no episode is open);
- an open episode ends on the first day of a run of ≥ p consecutive non-inverted days; shorter runs never break it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from udfs.errors import need

INVERTED = "INVERTED"
UN_INVERTING = "UN-INVERTING"
DIS_INVERTED = "DIS-INVERTED"
NORMAL = "NORMAL"


@dataclass(frozen=True)
class Episode:
    """An inversion episode as indices into the series: `end` is the first day of the run that ended it."""

    start: int
    end: int | None


def episodes(spread: np.ndarray, persist: int = 5) -> list[Episode]:
    """Every inversion episode, oldest first; the last one is open (end None) if no long enough run closed it.

    Only runs of ≥ persist equal-signed days can change the state, so the runs are computed once (vectorised) and
    an episode opens at a long inverted run that follows a long non-inverted run (or none), and closes at the next
    long non-inverted run.
    """
    inverted = spread < 0
    n = len(inverted)
    if n == 0:
        return []
    boundaries = np.flatnonzero(inverted[1:] != inverted[:-1]) + 1
    run_starts = np.concatenate(([0], boundaries))
    run_lengths = np.diff(np.concatenate((run_starts, [n])))
    long_runs = run_lengths >= persist
    long_starts = run_starts[long_runs]
    long_inverted = inverted[long_starts]
    before = np.concatenate(([False], long_inverted[:-1]))
    opens = long_starts[long_inverted & ~before].tolist()
    closes = long_starts[~long_inverted & before].tolist()
    return [Episode(start, closes[i] if i < len(closes) else None) for i, start in enumerate(opens)]


@dataclass(frozen=True)
class CurveState:
    """The state word on the last day and the date (Excel serial) of the turn it dates from: a day in the data."""

    state: str
    since: float


def curve_state(spread: np.ndarray, dates: np.ndarray, persist: int = 5, memory_days: int = 365) -> CurveState:
    """State on the last day.

    INVERTED: an episode is open and the spread < 0, since the episode's start.
    UN-INVERTING: an episode is open and the spread ≥ 0, since the episode's start.
    DIS-INVERTED: the last episode ended less than `memory_days` calendar days before the last date, since its end.
    NORMAL: otherwise, dated from the last episode's end (or the first date if there was none): the day the curve
    turned, never that day + `memory_days`, which is a date on no turn (2025-09-06, a Saturday, for 2024-09-06).
    """
    need(len(spread), 1, "the curve", "spread value with a date")
    found = episodes(spread, persist)
    if not found:
        return CurveState(NORMAL, float(dates[0]))
    last = found[-1]
    if last.end is None:
        state = INVERTED if spread[-1] < 0 else UN_INVERTING
        return CurveState(state, float(dates[last.start]))
    ended = float(dates[last.end])
    if dates[-1] - ended < memory_days:
        return CurveState(DIS_INVERTED, ended)
    return CurveState(NORMAL, ended)


def episode_table(spread: np.ndarray, dates: np.ndarray, persist: int = 5) -> list[list[float | str]]:
    """One row per episode: start, end ("" while open), calendar days (to the last date while open),
    minimum spread and the date of that minimum (its first occurrence), all dates as Excel serials."""
    rows: list[list[float | str]] = []
    for episode in episodes(spread, persist):
        stop = len(spread) if episode.end is None else episode.end
        inside = spread[episode.start : stop]
        lowest = episode.start + int(np.argmin(inside))
        last_day = dates[-1] if episode.end is None else dates[episode.end]
        rows.append(
            [
                float(dates[episode.start]),
                "" if episode.end is None else float(dates[episode.end]),
                float(last_day - dates[episode.start]),
                float(spread[lowest]),
                float(dates[lowest]),
            ]
        )
    return rows
