"""How a cell function's per-row result goes back to a sheet: one value per cell of its range, a column (or a row),
blank where undefined, and with `last` exactly the latest rows (SPEC.md "Series")."""

from __future__ import annotations

import numpy as np

from udfs.errors import CellError, Spill
from udfs.excel_facts import SHEET_ROWS


def check_last(rows: int) -> int:
    """How many rows a series function returns: no more than a sheet has, or a typo such as 2520000 would build a
    table of millions of blank rows before Excel refused it."""
    if rows > SHEET_ROWS:
        raise CellError(f"last {rows:,} is more rows than a sheet has ({SHEET_ROWS:,})")
    return rows


def per_row(values: np.ndarray, row: bool, last: int) -> Spill:
    """Per-cell results as a column (a row for a row range): NaN is a blank cell (""); with `last` > 0 exactly the
    last `last` cells, blank ones on top when the range is shorter."""
    last = check_last(last)
    if last:
        values = values[-last:]
        if len(values) < last:
            values = np.concatenate([np.full(last - len(values), np.nan), values])
    if not len(values):
        raise CellError("the range has no cells")
    cells = values.astype(object)
    cells[~np.isfinite(values)] = ""
    return Spill([cells.tolist()] if row else cells.reshape(-1, 1).tolist())
