"""Time every cell function on 25,000 observations (a century of daily data) and print a table.

Run: .venv/bin/python benchmarks/bench_stats.py
Input is what the Excel layer hands over: a plain Python list of floats with a header on top, and dates as
datetimes; the last column gives the same call on float arrays (dates as serials), i.e. the statistics alone.
Target (SPEC.md): every function under 2 ms median; nothing quadratic (the 100k/25k ratio checks that).
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable

import numpy as np

from udfs import cells

N = 25_000


def _series(n: int, seed: int = 7) -> tuple[list, list, list, list, list]:
    rng = np.random.default_rng(seed)
    prices = (100 * np.exp(np.cumsum(rng.normal(0.0003, 0.012, n)))).tolist()
    other = (200 * np.exp(np.cumsum(rng.normal(0.0003, 0.010, n)))).tolist()
    spread = np.round(np.cumsum(rng.normal(0, 0.03, n)), 2).tolist()
    start = dt.datetime(1926, 1, 4)
    dates = [start + dt.timedelta(days=int(d)) for d in np.cumsum(rng.integers(1, 4, n))]
    rates = np.round(4 + np.cumsum(rng.normal(0, 0.1, n // 21)), 1).tolist()
    return ["Close", *prices], ["SPY", *other], ["T10Y2Y", *spread], ["Date", *dates], ["UNRATE", *rates]


def calls(n: int, arrays: bool = False) -> dict[str, Callable[[], object]]:
    p, q, s, d, u = _series(n)
    if arrays:
        # What the statistics cost without list conversion: float arrays, dates as Excel serials.
        p, q, s, u = (np.array(x[1:], dtype=float) for x in (p, q, s, u))
        d = np.array([(x - dt.datetime(1899, 12, 30)).days for x in d[1:]], dtype=float)
    return {
        "RALLY_RETURN": lambda: cells.RALLY_RETURN(p, 6),
        "RALLY_SIGMA": lambda: cells.RALLY_SIGMA(p, 6),
        "RALLY_PERCENTILE": lambda: cells.RALLY_PERCENTILE(p, 6),
        "EVENTS_PER_CENTURY": lambda: cells.EVENTS_PER_CENTURY(p, 6, None, d),
        "EVENTS_PER_CENTURY(0%)": lambda: cells.EVENTS_PER_CENTURY(p, 2, 0.0),
        "UP_STREAK": lambda: cells.UP_STREAK(p),
        "UP_DAYS": lambda: cells.UP_DAYS(p, 6),
        "MAX_DAILY_GAIN": lambda: cells.MAX_DAILY_GAIN(p, 6),
        "RATIO_CHANGE": lambda: cells.RATIO_CHANGE(p, q, 6),
        "RATIO_SIGMA": lambda: cells.RATIO_SIGMA(p, q, 6),
        "RATIO_PERCENTILE": lambda: cells.RATIO_PERCENTILE(p, q, 6),
        "RSI": lambda: cells.RSI(p, 14),
        "MA_SIGMA": lambda: cells.MA_SIGMA(p, 50),
        "OVERBOUGHT_PERCENTILE": lambda: cells.OVERBOUGHT_PERCENTILE(p, 50),
        "DRAWDOWN": lambda: cells.DRAWDOWN(p),
        "BEAR_LINE": lambda: cells.BEAR_LINE(p),
        "MARKET_STATE": lambda: cells.MARKET_STATE(p),
        "CURVE_STATE": lambda: cells.CURVE_STATE(s, d),
        "CURVE_SINCE": lambda: cells.CURVE_SINCE(s, d),
        "CURVE_EPISODES": lambda: cells.CURVE_EPISODES(s, d),
        "SAHM_RULE": lambda: cells.SAHM_RULE(u),
        "PERCENTILE_RANK": lambda: cells.PERCENTILE_RANK(p),
        "RALLY_REPORT": lambda: cells.RALLY_REPORT(p, d),
        "RALLY_ANALOGS": lambda: cells.RALLY_ANALOGS(p, d, 6, 0.08),
        "RALLY_ANALOGS(all)": lambda: cells.RALLY_ANALOGS(p, d, 6),
    }


def median_ms(function: Callable[[], object], repeats: int = 60) -> float:
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main() -> None:
    base, big, arrays = calls(N), calls(4 * N), calls(N, arrays=True)
    print(f"{'function':<24}{'ms, 25k list':>14}{'ms, 100k list':>15}{'ratio':>7}{'ms, 25k arrays':>16}")
    worst = 0.0
    for name, function in base.items():
        small_ms, big_ms, array_ms = median_ms(function), median_ms(big[name], 15), median_ms(arrays[name])
        worst = max(worst, small_ms)
        print(f"{name:<24}{small_ms:>14.3f}{big_ms:>15.3f}{big_ms / small_ms:>7.1f}{array_ms:>16.3f}")
    print(
        f"\nslowest at 25,000 observations: {worst:.3f} ms (target < 2 ms); "
        "a 100k/25k ratio near 4 is linear, 16 quadratic"
    )


if __name__ == "__main__":
    main()
