"""Excel's real cost of the live workbook: how many Lazarus calls one full recalculation makes.

In Excel every cell whose formula calls a Lazarus function is one round trip to Python at each recalculation, and a
defined name is evaluated again at each reference: a name holding a Lazarus call is one more call per reference.
This counts them by evaluating the workbook's formulas as Excel does (workbook.direct's evaluator with its memory of
names and calls switched off: each cell once, a legacy array formula once, only the IF branch taken, a name at
each reference) and compares the count with the distinct computations among them (same function, same arguments).

    .venv/bin/python benchmarks/bench_calls.py
"""

from __future__ import annotations

import collections
import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from addin.pipeline.workbook_data import offline_data
from workbook import direct
from workbook.layout import build_book
from workbook.model import Book


class Recalculation(direct.Evaluator):
    """The evaluator with Excel's bookkeeping: no memory of names or of calls, and a log of every Lazarus call."""

    def __init__(self, book: Book):
        super().__init__(book)
        self.log: list[tuple[str, Any]] = []
        self.seconds: collections.Counter[str] = collections.Counter()

    def name(self, name: str) -> Any:
        self.values.pop(("name", name), None)  # evaluated again at each reference, as Excel does
        return super().name(name)

    def _lazarus(self, name: str, values: list[Any]) -> Any:
        self.calls.clear()  # no memory of earlier calls
        start = time.perf_counter()
        result = super()._lazarus(name, values)
        self.seconds[name] += time.perf_counter() - start
        arguments = next(iter(self.calls.values()))[0]
        key = (name, *(_content(a) for a in arguments))
        self.log.append((name, key))
        return result


def _content(value: Any) -> Any:
    """An argument as a key: an array by its values (a table computed again is a new array with the same values)."""
    if hasattr(value, "shape"):
        return (value.shape, value.tobytes() if value.dtype != object else tuple(value.ravel().tolist()))
    return value


def count(book: Book) -> Recalculation:
    recalculation = Recalculation(book)
    recalculation.compute()
    return recalculation


def main() -> None:
    inputs = offline_data()
    book = build_book(inputs.data, dt.date(2024, 7, 16), inputs.source_rows, inputs.log_rows, inputs.provenance)
    recalculation = count(book)
    calls = recalculation.log
    distinct = {key for _, key in calls}
    print("Lazarus calls in one full recalculation of the live workbook (bundled data, 2024-07-16)")
    print(f"  calls: {len(calls)}   distinct computations: {len(distinct)}   (target: calls = distinct)")
    print(f"  time in the cell functions: {sum(recalculation.seconds.values()):.2f} s (Python side only)")
    by_function = collections.Counter(name for name, _ in calls)
    unique = collections.Counter(key[0] for key in distinct)
    print(f"\n  {'function':<22}{'calls':>7}{'distinct':>10}{'seconds':>9}")
    for name, number in by_function.most_common():
        print(f"  {name:<22}{number:>7}{unique[name]:>10}{recalculation.seconds[name]:>9.3f}")


if __name__ == "__main__":
    main()
