"""The one way a cell function fails: a short `#N/A …` text, never an exception.

xlwings cannot return a real `#N/A` error value (xlwings issue #776) and shows a Python exception as a traceback in
the cell, so every cell function returns `#N/A NAME: what is wrong and what would fix it` instead (SPEC.md).

The statistics modules (rally, overbought, market, curve, macro, reports) take clean NumPy arrays and depend on
nothing but NumPy and this module: they raise `CellError`, through `need` for the standard too-short message.
`cell_function`, the guard at the edge, turns that error (or any other) into the `#N/A …` text.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

NA_PREFIX = "#N/A "


class CellError(ValueError):
    """Bad input or an undefined result; the message is what the user reads after `#N/A NAME: `."""


def need(count: int, minimum: int, what: str, noun: str) -> None:
    """The standard too-short message, e.g. 'window 6 needs at least 27 prices, got 5'."""
    if count < minimum:
        raise CellError(f"{what} needs at least {minimum} {noun}, got {count}")


class Spill(list):
    """A table already in cell form (rows of finite Python floats and text, "" for a blank cell), built at NumPy
    speed: `cell_function` passes it on without looking at every cell."""


def _plain(value: Any) -> Any:
    """NumPy scalars become Python numbers (xlwings and formula engines expect those); non-finite is an error."""
    if isinstance(value, str) or value is None or type(value) is Spill:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain_row(row) if isinstance(row, (list, tuple)) else _plain(row) for row in value]
    number = float(value)
    if not math.isfinite(number):
        raise CellError("the result is not a finite number; check the input for extreme values")
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    return number


def _plain_row(row: list[Any] | tuple[Any, ...]) -> list[Any]:
    # A spilled table has thousands of cells: finite floats and text pass without a call per cell.
    return [v if (type(v) is float and math.isfinite(v)) or type(v) is str else _plain(v) for v in row]


def cell_function(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every failure of `func` into `#N/A FUNC_NAME: message`, so nothing ever raises into a cell."""
    name = func.__name__

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            # Overflow and division by zero show up as a non-finite result, which _plain reports in words.
            with np.errstate(all="ignore"):
                return _plain(func(*args, **kwargs))
        except CellError as exc:
            return f"{NA_PREFIX}{name}: {exc}"
        except Exception as exc:  # the last line of defence: a cell must show text, not a traceback
            return f"{NA_PREFIX}{name}: unexpected {type(exc).__name__}: {exc}"[:255]

    return wrapper
