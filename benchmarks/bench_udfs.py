"""Time every cell function the way Excel calls it: xlwings' own `call_udf` (argument conversion, the registration in
addin.excel.cell_functions, the statistics, result conversion) under testkit/xlwings_harness.py, for a 25,000-row
column and for a whole-column reference (1,048,576 rows, 25,000 filled). Prints the median milliseconds per call; the
target is under 10 ms.

    .venv/bin/python benchmarks/bench_udfs.py [--repeat 15]

Not measured: Excel reading the range over COM and pywin32 building the tuples, which happen before Python's
`call_udf` runs.
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

from testkit.xlwings_harness import ERROR_CODES, MISSING, ComTime, Harness, windows_xlwings

ROWS = 25_000
WHOLE_COLUMN = 1_048_576
TARGET_MS = 10.0


def _column(cells: list[Any], header: str, rows: int) -> tuple[tuple[Any, ...], ...]:
    """Header, the cells, then blank rows up to `rows` rows in all (as Excel passes a range: every row its own
    tuple, so no comparison gets the identity shortcut of one shared `(None,)`)."""
    body = ((header,), *((cell,) for cell in cells))
    return body + tuple((None,) for _ in range(rows - len(body)))


def _inputs(rows: int) -> dict[str, tuple[Any, ...]]:
    """COM-style arguments per function over 25,000 observations: a random-walk price (with a blank, a text and an
    #N/A cell inside), business-day date cells, a yield spread around zero, monthly unemployment."""
    rng = np.random.default_rng(2024)
    n = ROWS
    prices = (100 * np.exp(np.cumsum(rng.normal(0.0003, 0.012, n)))).tolist()  # Python floats, as from COM
    other = (100 * np.exp(np.cumsum(rng.normal(0.0002, 0.010, n)))).tolist()
    for i, cell in ((n // 3, None), (n // 2, "n/a"), (2 * n // 3, ERROR_CODES["#N/A"])):
        prices[i] = cell
    start = dt.date(1926, 1, 4)
    days = [start + dt.timedelta(days=7 * (i // 5) + i % 5) for i in range(n)]
    date_cells = [ComTime(d.year, d.month, d.day, tzinfo=dt.UTC) for d in days]
    spread = np.round(np.cumsum(rng.normal(0, 0.03, n)) % 4 - 1.5, 2).tolist()
    unemployment = np.round(5 + np.cumsum(rng.normal(0, 0.1, n)) % 6, 1).tolist()

    p = _column(prices, "Close", rows)
    q = _column(other, "SPY", rows)
    d = _column(date_cells, "Date", rows)
    s = _column(spread, "T10Y2Y", rows)
    u = _column(unemployment, "UNRATE", rows)
    return udf_arguments(p, q, d, s, u)


def udf_arguments(p: Any, q: Any, d: Any, s: Any, u: Any) -> dict[str, tuple[Any, ...]]:
    """The arguments of every SPEC function through call_udf: prices `p`, a second price column `q`, dates `d`, a
    spread `s` and monthly unemployment `u` (omitted optional arguments as Excel passes them)."""
    m = MISSING
    return {
        "RALLY_RETURN": (p, 6.0),
        "RALLY_SIGMA": (p, 6.0, m),
        "RALLY_PERCENTILE": (p, 6.0, m),
        "EVENTS_PER_CENTURY": (p, 6.0, m, d),
        "UP_STREAK": (p, m),
        "UP_DAYS": (p, 6.0, m),
        "MAX_DAILY_GAIN": (p, 6.0),
        "RATIO_CHANGE": (p, q, 6.0),
        "RATIO_SIGMA": (p, q, 6.0, m),
        "RATIO_PERCENTILE": (p, q, 6.0, m),
        "RSI": (p, m),
        "MA_SIGMA": (p, m),
        "OVERBOUGHT_PERCENTILE": (p, m),
        "DRAWDOWN": (p,),
        "BEAR_LINE": (p, m),
        "MARKET_STATE": (p,),
        "CURVE_STATE": (s, d, m, m),
        "CURVE_SINCE": (s, d, m, m),
        "CURVE_EPISODES": (s, d, m),
        "SAHM_RULE": (u,),
        "PERCENTILE_RANK": (p, m),
        "RALLY_REPORT": (p, d, 6.0, m),
        "RALLY_ANALOGS": (p, d, 6.0, m, m),
    }


def median_ms(call: Callable[[], Any], repeat: int) -> float:
    call()  # warm-up: imports, caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(xl: Harness, repeat: int) -> list[tuple[str, float, float, str]]:
    column, whole = _inputs(ROWS + 1), _inputs(WHOLE_COLUMN)
    rows = []
    for name, args in column.items():
        result = xl.raw_call(name, *args)
        if result != xl.raw_call(name, *whole[name]):
            raise AssertionError(f"{name}: the whole-column reference gives a different result")
        shown = result[0][0] if len(result) == 1 else f"{len(result)}×{len(result[0])} table"
        rows.append(
            (
                name,
                median_ms(lambda name=name, args=args: xl.raw_call(name, *args), repeat),
                median_ms(lambda name=name: xl.raw_call(name, *whole[name]), repeat),
                str(shown)[:40],
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed calls per function (median reported)")
    repeat = parser.parse_args().repeat
    with windows_xlwings() as xl:
        rows = run(xl, repeat)
    print(f"call_udf, median of {repeat} calls, ms (target < {TARGET_MS:g} ms)")
    print(f"{'function':<22} {'25k column':>11} {'whole column':>13}  result")
    for name, column_ms, whole_ms, shown in rows:
        flag = "" if max(column_ms, whole_ms) < TARGET_MS else "  <-- over target"
        print(f"{name:<22} {column_ms:>11.2f} {whole_ms:>13.2f}  {shown}{flag}")


if __name__ == "__main__":
    main()
