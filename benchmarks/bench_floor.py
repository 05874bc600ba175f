"""Recalculation against its floor: every figure next to the cheapest way to do the same thing, measured in the same
run, so that a loaded machine moves both and the ratio stays. 25k -> 100k -> 1M rows: a ratio that holds while the
rows grow is linear.

    .venv/bin/python benchmarks/bench_floor.py [--quick]

Tables:
1. One column from what xlwings hands over (tuples of one cell, a header, a blank, a text and an #N/A inside) to a
   float array: ours (udfs.inputs.to_floats) against the floors `np.array([r[0] for r in rows])` and `np.fromiter` of
   the already-unpacked list, and a naive per-cell loop.
2. The Dashboard's RSI chart column (the last 252 rows): the naive way (one RSI per row, each over the whole history,
   as the workbook had it) against one RSI_SERIES call and TA-Lib's RSI (C) on the same float array; plus the whole
   column.
3. Every cell function through xlwings' own `call_udf` (testkit/xlwings_harness.py) on 25k, 100k and 1M rows, as a
   ratio to the conversion floor of the columns it reads (target: ≤ 3 ms at 25k rows); and a whole-column reference
   (Prices!B:B) against the exact range.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_udfs import udf_arguments  # the same table of arguments (this folder is on the path)

from testkit.xlwings_harness import ERROR_CODES, MISSING, ComSheet, ComTime, windows_xlwings
from udfs import cells, inputs

SIZES = (25_000, 100_000, 1_000_000)


def best_ms(call: Callable[[], Any], repeat: int = 7, budget: float = 0.5) -> float:
    """The median of `repeat` timings (fewer when one call takes over `budget` seconds), in ms."""
    call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
        if times[-1] > budget and len(times) >= 3:
            break
    return statistics.median(times) * 1e3


def prices(n: int, seed: int = 2024) -> list[Any]:
    rng = np.random.default_rng(seed)
    values: list[Any] = (100 * np.exp(np.cumsum(rng.normal(0.0003, 0.012, n)))).tolist()
    for i, cell in ((n // 3, None), (n // 2, "n/a"), (2 * n // 3, ERROR_CODES["#N/A"])):
        values[i] = cell
    return values


def com_column(values: list[Any], header: str = "Close") -> tuple[tuple[Any, ...], ...]:
    return ((header,), *((v,) for v in values))


def naive_floats(rows: tuple[tuple[Any, ...], ...]) -> np.ndarray:
    out = []
    for (cell,) in rows:
        is_number = isinstance(cell, (int, float)) and not isinstance(cell, bool)
        is_error = isinstance(cell, int) and -2146826288 <= cell <= -2146826238
        out.append(float(cell) if is_number and not is_error else np.nan)
    return np.array(out)


def conversion(sizes: tuple[int, ...]) -> None:
    print("1. One column to a float array, ms (ratio to the floor np.array([r[0] for r in rows]))")
    print(f"{'rows':>10} {'floor':>8} {'fromiter':>9} {'ours':>8} {'ratio':>6} {'naive loop':>11} {'ratio':>6}")
    for n in sizes:
        rows = com_column(prices(n))
        unpacked = [v if v.__class__ is float else None for (v,) in rows]
        floor = best_ms(lambda rows=rows: np.array([r[0] for r in rows]))
        fromiter = best_ms(lambda unpacked=unpacked: np.fromiter(unpacked, float, len(unpacked)))
        ours = best_ms(lambda rows=rows: inputs.to_floats(rows))
        naive = best_ms(lambda rows=rows: naive_floats(rows))
        print(f"{n:>10,} {floor:>8.3f} {fromiter:>9.3f} {ours:>8.3f} {ours / floor:>6.2f}"
              f" {naive:>11.3f} {naive / floor:>6.2f}")  # fmt: skip


def rsi_chart(sizes: tuple[int, ...]) -> None:
    import talib

    print("\n2. The RSI chart column (last 252 rows), ms (ratio to TA-Lib's RSI on the float array)")
    print(f"{'rows':>10} {'TA-Lib':>8} {'RSI_SERIES 252':>15} {'ratio':>6} {'whole column':>13} {'ratio':>6}"
          f" {'252 x RSI (old chart)':>22} {'ratio':>7}")  # fmt: skip
    for n in sizes:
        column = [v if isinstance(v, float) else None for v in prices(n)]
        array = np.array([np.nan if v is None else v for v in column])
        filled = array[~np.isnan(array)]
        ta = best_ms(lambda filled=filled: talib.RSI(filled, timeperiod=14))
        series = best_ms(lambda column=column: cells.RSI_SERIES(column, 14, 252))
        whole = best_ms(lambda column=column: cells.RSI_SERIES(column, 14))
        naive = best_ms(lambda column=column: [cells.RSI(column[: len(column) - k], 14) for k in range(252)], 3)
        print(f"{n:>10,} {ta:>8.3f} {series:>15.3f} {series / ta:>6.1f} {whole:>13.3f} {whole / ta:>6.1f}"
              f" {naive:>22.1f} {naive / ta:>7.0f}")  # fmt: skip


def udf_inputs(n: int) -> dict[str, tuple[Any, ...]]:
    """COM arguments per function: one price column, a second one, date cells, a spread, monthly unemployment."""
    rng = np.random.default_rng(7)
    start = dt.date(1926, 1, 4)
    days = [start + dt.timedelta(days=7 * (i // 5) + i % 5) for i in range(n)]
    p = com_column(prices(n))
    q = com_column(prices(n, seed=3), "SPY")
    d = com_column([ComTime(x.year, x.month, x.day, tzinfo=dt.UTC) for x in days], "Date")
    s = com_column(np.round(np.cumsum(rng.normal(0, 0.03, n)) % 4 - 1.5, 2).tolist(), "T10Y2Y")
    u = com_column(np.round(5 + np.cumsum(rng.normal(0, 0.1, n)) % 6, 1).tolist(), "UNRATE")
    # A policy rate that steps by a quarter point now and then, weekly claims on weekly dates, and event dates.
    steps = np.where(rng.random(n) < 0.01, rng.choice([-0.25, 0.25], n), 0.0)
    rates = com_column(np.round(np.clip(5 + np.cumsum(steps), 0, 20), 2).tolist(), "DFEDTAR")
    weeks = [start + dt.timedelta(days=7 * i) for i in range(n)]
    w = com_column([ComTime(x.year, x.month, x.day, tzinfo=dt.UTC) for x in weeks], "Week")
    events = com_column([ComTime(x.year, x.month, x.day, tzinfo=dt.UTC) for x in days[:: n // 40]], "Event")
    m = MISSING
    return {
        **udf_arguments(p, q, d, s, u),
        "EASING_CYCLES": (rates, d, m, m, m, m),
        "EVENT_RETURNS": (p, d, events, m, m),
        "PERIOD_CHANGE": (q, w, 52.0, 4.0, m),
        "RSI_SERIES": (p, m, 252.0),
        "MA_SIGMA_SERIES": (p, m, 252.0),
        "DRAWDOWN_SERIES": (p, 252.0),
        "BEAR_LINE_SERIES": (p, m, 252.0),
        "RATIO_SERIES": (p, q, 252.0),
        "LAST_ROWS": (d, 252.0),
    }


def through_call_udf(n: int) -> None:
    print(f"\n3. Through xlwings' call_udf, {n:,} rows: ms, and the ratio to the floor of the columns read")
    with windows_xlwings() as xl:
        args = udf_inputs(n)
        floor = best_ms(lambda: np.array([r[0] for r in args["RSI"][0]]))
        print(f"   floor, one column: {floor:.3f} ms")
        print(f"{'function':<22} {'ms':>8} {'columns':>8} {'ratio':>6}  result")
        for name, arguments in args.items():
            columns = sum(isinstance(a, tuple) for a in arguments)
            ms = best_ms(lambda name=name, arguments=arguments: xl.raw_call(name, *arguments), 9)
            result = xl.raw_call(name, *arguments)
            shown = result[0][0] if len(result) == 1 else f"{len(result)}x{len(result[0])} table"
            print(f"{name:<22} {ms:>8.3f} {columns:>8} {ms / (floor * columns):>6.2f}  {str(shown)[:30]}")

        # A whole-column reference against the exact range, read through the COM stand-ins (one read each).
        values = prices(n)
        sheet = ComSheet({1: ["Date", *range(n)], 2: ["Close", *values]})
        exact, whole = sheet.column(2, 1, n + 1), sheet.column(2)
        print(f"\n   Prices!B:B (1,048,576 rows, {n:,} used) against Prices!B1:B{n + 1}")
        for name, extra in (("RALLY_SIGMA", (6.0, MISSING)), ("RSI", (MISSING,)), ("RSI_SERIES", (14.0, 252.0))):
            exact_ms = best_ms(lambda name=name, extra=extra: xl.raw_call(name, exact, *extra), 9)
            whole_ms = best_ms(lambda name=name, extra=extra: xl.raw_call(name, whole, *extra), 9)
            sheet.reads.clear()
            xl.raw_call(name, whole, *extra)
            print(f"   {name:<12} exact {exact_ms:7.3f} ms, whole column {whole_ms:7.3f} ms, ratio"
                  f" {whole_ms / exact_ms:5.2f}; cells read {sheet.cells_read():,}")  # fmt: skip


def on_arrays() -> None:
    print("\n4. The statistics alone on float arrays (25k rows), ms")
    from benchmarks.bench_stats import calls

    for name, call in calls(25_000, arrays=True).items():
        print(f"   {name:<24} {best_ms(call, 15):7.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="25k and 100k rows only")
    sizes = SIZES[:2] if parser.parse_args().quick else SIZES
    conversion(sizes)
    rsi_chart(sizes)
    for n in sizes:  # a ratio to the floor that holds while the rows grow is linear
        through_call_udf(n)
    on_arrays()


if __name__ == "__main__":
    main()
