"""HISTORY as Excel sees it: the cell function that spills a stored series into any workbook, like STOCKHISTORY, from
the store Lazarus refreshes. No network call ever happens inside a cell.

A second module in the add-in's `UDF Modules` setting (beside udfs.excel), because it reads the store: the cell
functions in udfs know nothing of stores, and this declaration hands them a provider instead.
"""

from __future__ import annotations

from typing import Any

import xlwings as xw

from addin.pipeline.config import load_config
from addin.pipeline.history import StoreHistory
from addin.pipeline.store import open_store
from udfs.history import history_function

CATEGORY = "Lazarus"

# One provider per Excel session: its cache lives as long as the add-in's Python process.
store_rows = StoreHistory(lambda: open_store(load_config()))
_history = history_function(store_rows)


@xw.func(category=CATEGORY)
@xw.arg("series", err_to_str=True, doc='A series id from the store, e.g. "IWM", "T10Y2Y" or "UNRATE".')
@xw.arg("start_date", err_to_str=True, doc="First date to show (a date cell, a serial or text 2024-01-31). Optional.")
@xw.arg("end_date", err_to_str=True, doc="Last date to show. Optional: the newest stored date.")
@xw.arg(
    "as_of",
    err_to_str=True,
    doc="Show only what was published by this date (monthly and weekly data come out later). Optional.",
)
@xw.ret("raw")
def HISTORY(series: Any, start_date: Any = None, end_date: Any = None, as_of: Any = None) -> Any:
    """History of a stored series: a header row, then one row of date and value per observation, oldest first.
    Reads the store only (press Refresh data to update it)."""
    return _history(series, start_date, end_date, as_of)
