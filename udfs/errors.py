"""The one way a cell function fails: a short `#N/A …` text, never an exception.

xlwings cannot return a real `#N/A` error value (xlwings issue #776) and shows a Python exception as a traceback in
the cell, so every cell function returns `#N/A NAME: what is wrong and what would fix it` instead (SPEC.md).

The statistics modules (rally, overbought, market, curve, macro, reports) take clean NumPy arrays and depend on
nothing but NumPy and this module: they raise `CellError`, through `need` for the standard too-short message.
The guard at the edge (udfs.declare) turns that error (or any other) into the `#N/A …` text.
"""

from __future__ import annotations

import math
from typing import Any

NA_PREFIX = "#N/A "


class CellError(ValueError):
    """Bad input or an undefined result; the message is what the user reads after `#N/A NAME: `."""


def need(count: int, minimum: int, what: str, noun: str) -> None:
    """The standard too-short message, e.g. 'window 6 needs at least 27 prices, got 5'."""
    if count < minimum:
        raise CellError(f"{what} needs at least {minimum} {noun}, got {count}")


class Spill(list):
    """A table already in cell form (rows of finite Python floats and text, "" for a blank cell), built at NumPy
    speed: the guard passes it on without looking at every cell."""


def plain(value: Any) -> Any:
    """NumPy scalars become Python numbers (xlwings and formula engines expect those); non-finite is an error."""
    if isinstance(value, str) or value is None or type(value) is Spill:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain_row(row) if isinstance(row, (list, tuple)) else plain(row) for row in value]
    number = float(value)
    if not math.isfinite(number):
        raise CellError("the result is not a finite number; check the input for extreme values")
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    return number


def _plain_row(row: list[Any] | tuple[Any, ...]) -> list[Any]:
    # A spilled table has thousands of cells: finite floats and text pass without a call per cell.
    return [v if (type(v) is float and math.isfinite(v)) or type(v) is str else plain(v) for v in row]
