"""HISTORY: a stored series as a table that spills, header first, then one row per date, oldest first.

The table is built here from arrays; where the rows come from (the local or the desk's store) is the caller's
business, handed in as a `Provider`, so this module knows nothing of stores, vendors or Excel.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np

from udfs.declare import Param, cell
from udfs.errors import CellError, Spill
from udfs.inputs import date_to_serial, to_serials


@dataclass(frozen=True)
class Stored:
    """One series as a store holds it: Excel serials of its dates, its values (NaN = an explicit missing value),
    and how many days after its date an observation is published (0 for market closes)."""

    serials: np.ndarray
    values: np.ndarray
    publication_lag_days: int = 0


MAX_ID_LENGTH = 255  # series ids are short names; a longer text is a reference to the wrong cell
Provider = Callable[[str], Stored]  # series id -> its rows; raises CellError naming what is wrong


def history_table(series: str, stored: Stored, start: float | None, end: float | None, as_of: float | None) -> Spill:
    """Rows of HISTORY: ``["Date", series]``, then ``[serial, value]`` for every stored date d with
    start ≤ d ≤ end and, with `as_of`, d + publication lag ≤ as_of (only what was published by then). A missing value
    is a row with empty text as its value, at its date (Excel shows an Empty spilled value as 0)."""
    keep = np.ones(len(stored.serials), dtype=bool)
    if start is not None:
        keep &= stored.serials >= start
    if end is not None:
        keep &= stored.serials <= end
    if as_of is not None:
        keep &= stored.serials + stored.publication_lag_days <= as_of
    serials, values = stored.serials[keep], stored.values[keep]
    if not len(serials):
        raise CellError(f'"{series}" has no rows between the dates asked for')
    # Built column-wise in C, then zipped: a per-row Python object costs ~10x more on 25,000 rows.
    column = values.astype(object)
    column[np.isnan(values)] = ""  # Excel shows an Empty in a spilled array as 0; empty text shows blank
    return Spill([["Date", series], *map(list, zip(serials.tolist(), column.tolist(), strict=True))])


def _day(value: Any, name: str) -> float:
    """A date argument (a date cell, an Excel serial or ISO text such as "2024-07-16") as a serial."""
    if isinstance(value, str):
        try:
            return date_to_serial(dt.date.fromisoformat(value.strip()))
        except ValueError:
            raise CellError(f'{name} must be a date, got text "{value}"') from None
    serial = to_serials([value], name)[0]
    if math.isnan(serial):
        raise CellError(f"{name} must be a date, got {value!r}")
    return float(serial)


def _series_id(value: Any, name: str) -> str:
    while isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str) or not value.strip():
        raise CellError(f'{name} must be a series id such as "IWM", got {value!r:.80}')
    if len(value.strip()) > MAX_ID_LENGTH:
        raise CellError(f'{name} must be a series id such as "IWM", not {len(value.strip()):,} characters of text')
    return value.strip()


class HistoryTables:
    """HISTORY's tables over one provider. The last `tables_kept` tables are kept, keyed by their arguments and the
    provider's series object: a provider that returns the same `Stored` until the store changes makes a repeated
    call cost one dictionary lookup."""

    def __init__(self, provider: Provider, tables_kept: int = 64):
        self.provider = provider
        self.tables_kept = tables_kept
        # key -> (the series object, its table): holding the object keeps its id from being reused while it lives.
        self.tables: dict[tuple[Any, ...], tuple[Stored, Spill]] = {}

    def table(self, name: str, start: float | None, end: float | None, as_of: float | None) -> Spill:
        stored = self.provider(name)
        key = (name, start, end, as_of, id(stored))
        if key not in self.tables:
            if len(self.tables) >= self.tables_kept:
                self.tables.clear()
            self.tables[key] = (stored, history_table(name, stored, start, end, as_of))
        return self.tables[key][1]


# start_date/end_date as Excel's STOCKHISTORY names them; "end" alone is a VBA keyword, and the add-in's VBA wrappers
# take the Python argument names.
@cell("Any series, any workbook", spills=True, context=("tables",))
def HISTORY(
    series: Annotated[str, Param('A series id from the store, e.g. "IWM", "T10Y2Y" or "UNRATE".', _series_id)],
    start_date: Annotated[
        float | None, Param("First date to show (a date cell, a serial or text 2024-01-31). Optional.", _day)
    ] = None,
    end_date: Annotated[float | None, Param("Last date to show. Optional: the newest stored date.", _day)] = None,
    as_of: Annotated[
        float | None,
        Param("Show only what was published by this date (monthly and weekly data come out later). Optional.", _day),
    ] = None,
    *,
    tables: HistoryTables,
) -> Spill:
    """History of a stored series: a header row, then one row of date and value per observation, oldest first.
    Reads the store only (press Refresh data to update it)."""
    return tables.table(series, start_date, end_date, as_of)


def history_function(provider: Provider, tables_kept: int = 64) -> Callable[..., Any]:
    """The HISTORY cell function reading its rows from `provider`."""
    return HISTORY.declaration.bound(tables=HistoryTables(provider, tables_kept))
