"""The main job against its floor, measured in the same run: `lazarus demo` and `lazarus build --offline` as whole
processes (median of 5: wall time, CPU time, peak memory), beside what cannot be avoided: starting Python with the
command's imports, and XlsxWriter alone writing the same cells (no tables, charts or names). Then the stages in this
process: build the Book, compute every formula (directly, and with the `formulas` engine, the independent proof),
write the live workbook, write the colleague copy (taking the data sheets from the live file).

Run: .venv/bin/python benchmarks/bench_workbook.py [--runs 5]     (targets: demo ≤ 2.5 s, build ≤ 1.5 s wall)

On a machine shared with other work, wall time moves with the load while CPU time mostly does not: both are printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from addin.pipeline.workbook_data import offline_data
from workbook import direct
from workbook.export import export_book
from workbook.layout import build_book
from workbook.model import Book
from workbook.xlsx import write_book

DAY = dt.date(2024, 7, 16)


def process(arguments: list[str], runs: int) -> tuple[float, float, float]:
    """Median wall seconds, median CPU seconds and the largest peak memory (MiB) of `runs` runs of a process."""
    walls, cpus, peaks = [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        child = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        walls.append(time.perf_counter() - start)
        if status != 0:
            raise RuntimeError(f"{' '.join(arguments)} failed ({status})")
        cpus.append(usage.ru_utime + usage.ru_stime)
        peaks.append(usage.ru_maxrss / 1024)
    return statistics.median(walls), statistics.median(cpus), max(peaks)


def timed(function: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """Median wall and CPU seconds of `runs` calls, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def xlsxwriter_alone(book: Book, results: direct.Results, path: Path) -> None:
    """The floor of writing `book`: XlsxWriter's own calls on the same cells with the same formats, nothing else."""
    workbook = xlsxwriter.Workbook(str(path))
    formats: dict[Any, Any] = {}
    for sheet in book.sheets:
        worksheet = workbook.add_worksheet(sheet.name)
        computed = results.get(sheet.name, {})
        for (row, column), cell in sheet.cells.items():
            key = cell.number_format
            if key not in formats:
                formats[key] = workbook.add_format({"num_format": key}) if key else None
            value = cell.value
            if cell.is_formula:
                cached = computed.get((row, column))
                worksheet.write_formula(row - 1, column - 1, value, formats[key], 0 if cached is None else cached)
            elif isinstance(value, dt.date):
                worksheet.write_number(row - 1, column - 1, float((value - dt.date(1899, 12, 30)).days), formats[key])
            elif isinstance(value, (int, float)):
                worksheet.write_number(row - 1, column - 1, value, formats[key])
            elif value is not None:
                worksheet.write_string(row - 1, column - 1, str(value), formats[key])
    workbook.close()


def line(label: str, wall: float, cpu: float, extra: str = "") -> None:
    print(f"  {label:<58}{wall:>7.2f} s wall {cpu:>6.2f} s CPU  {extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    folder = Path(tempfile.mkdtemp(prefix="lazarus-bench-"))
    python = sys.executable
    cli = [str(Path(python).with_name("lazarus"))]  # the installed command, as a user runs it

    print(f"Whole processes, median of {runs} (peak memory: the largest run's)")
    demo = process([*cli, "demo", "--out", str(folder / "demo"), "--force"], runs)
    build = process([*cli, "build", "--offline", "--out", str(folder / "build.xlsx"), "--force"], runs)
    start = process([python, "-c", "import addin.commands.demo, addin.commands.build"], runs)
    line("lazarus demo (two days computed, two files)", demo[0], demo[1], f"{demo[2]:.0f} MiB   target ≤ 2.5 s")
    line("lazarus build --offline (one day, one file)", build[0], build[1], f"{build[2]:.0f} MiB   target ≤ 1.5 s")
    line("floor: start Python with the commands' imports", start[0], start[1], f"{start[2]:.0f} MiB")

    inputs = offline_data()
    wall, cpu, book = timed(
        lambda: build_book(inputs.data, DAY, inputs.source_rows, inputs.log_rows, inputs.provenance), runs
    )
    cells = sum(len(sheet.cells) for sheet in book.sheets)
    print(f"\nStages in one process, median of {runs} ({cells:,} cells)")
    line("build the Book", wall, cpu)
    wall, cpu, results = timed(lambda: direct.calculate(book), runs)
    line("compute every formula directly (workbook.direct)", wall, cpu)
    from workbook import engine

    wall, cpu, _ = timed(lambda: engine.calculate(book), 1)
    line("the same with the formulas engine (the proof; 1 run)", wall, cpu)
    live = folder / "lazarus.xlsx"
    write = timed(lambda: write_book(book, live, results), runs)
    floor = timed(lambda: xlsxwriter_alone(book, results, folder / "floor.xlsx"), runs)
    line("write the live workbook", write[0], write[1], f"ratio to the floor {write[1] / floor[1]:.2f} (CPU)")
    line("floor: XlsxWriter alone on the same cells", floor[0], floor[1])
    wall, cpu, _ = timed(lambda: export_book(book, folder / "copy.xlsx", results, live=live), runs)
    # The copy cuts its data sheets at the as-of day, so a live part is reused only when nothing was cut.
    line("write the colleague copy (live parts offered)", wall, cpu)
    wall, cpu, _ = timed(lambda: export_book(book, folder / "copy-full.xlsx", results), runs)
    line("the colleague copy written in full", wall, cpu)


if __name__ == "__main__":
    main()
