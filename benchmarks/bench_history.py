"""HISTORY through xlwings' own call_udf (under the COM stubs), on a 25,000-row series in a SQLite store: cold (the
first call after a refresh reads the store) and warm (the cached series), beside the floor of returning the same
table with no conversion at all.

    python benchmarks/bench_history.py
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from addin.pipeline.store import Store
from testkit.xlwings_harness import windows_xlwings

ROWS = 25_000
RUNS = 30


def median_ms(work, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "lazarus.sqlite")
        first = dt.date(1926, 1, 4)
        days = [first + dt.timedelta(days=k) for k in range(ROWS)]
        store.write_series("LONG", "bench", [(day, 100.0 + (k % 997) / 10) for k, day in enumerate(days)])
        store.append_log([(dt.datetime.now(dt.UTC), "LONG", "bench", ROWS, days[-1], "ok")])
        os.environ.update(LAZARUS_DATA_DIR=folder, LAZARUS_CONFIG=str(Path(folder) / "none.toml"))
        os.environ.pop("LAZARUS_STORE", None)
        with windows_xlwings() as xl:
            provider = xl.module.store_rows
            call = lambda: xl.raw_call("HISTORY", "LONG", None, None, None)  # noqa: E731
            table = call()
            assert len(table) == ROWS + 1

            def cold() -> None:
                provider._cache.clear()
                call()

            floor = median_ms(lambda: [list(row) for row in table])
            print(f"HISTORY on {ROWS:,} rows through call_udf (median of {RUNS}):")
            print(f"  cold (reads the store)   {median_ms(cold):7.2f} ms")
            print(f"  warm (cached series)     {median_ms(call):7.2f} ms")
            print(f"  floor: copying the table {floor:7.2f} ms")


if __name__ == "__main__":
    main()
