"""Time the main job's stages on the bundled data: build the Book, write the .xlsx, compute every formula
headless, write the colleague copy; then the whole `lazarus demo`, and a demo on a day before any price. Prints
wall times and the peak memory.

Run: .venv/bin/python benchmarks/bench_workbook.py        (target: the whole demo under 10 s on 2 cores)
"""

from __future__ import annotations

import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from addin.commands import main as cli_main
from addin.pipeline.workbook_data import offline_data
from workbook import engine
from workbook.export import export_book
from workbook.layout import build_book
from workbook.xlsx import write_book


def timed(label: str, function: Callable[[], Any], repeats: int = 3) -> Any:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    print(f"{label:<44}{statistics.median(times):>8.2f} s   (min {min(times):.2f}, {repeats} runs)")
    return result


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="lazarus-bench-"))
    inputs = timed("load the bundled sample", offline_data)
    day = dt.date(2024, 7, 16)
    book = timed(
        "build the Book (layout, 150k data cells)",
        lambda: build_book(inputs.data, day, inputs.source_rows, inputs.log_rows, inputs.provenance),
    )
    # A fresh process compiles each formula shape once; later runs reuse the compiled templates.
    results = timed("compute every formula headless (first run)", lambda: engine.calculate(book), repeats=1)
    timed("compute every formula headless (warm)", lambda: engine.calculate(book))
    timed("write lazarus.xlsx (XlsxWriter, cached values)", lambda: write_book(book, folder / "lazarus.xlsx", results))
    formulas = sum(len(values) for values in results.values())
    print(f"{'':<44}({formulas} formula cells)")
    timed("write the colleague copy", lambda: export_book(book, folder / "copy.xlsx", results))
    timed("lazarus demo (both days, both files)", lambda: cli_main(["demo", "--out", str(folder / "demo")]), 1)
    # Nothing to compute before the first price: it says so at once (348 s when the engine spread #N/A over every
    # range; target under 10 s).
    before = ["demo", "--as-of", "1990-01-01", "--out", str(folder / "before")]
    timed("lazarus demo --as-of before the first price", lambda: cli_main(before), 1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"\npeak memory (max RSS of this process): {peak / 1024:.0f} MB" if sys.platform != "darwin" else "")


if __name__ == "__main__":
    main()
