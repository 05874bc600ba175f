"""The Lazarus workbooks the tests build: on the full bundled sample, and on a small sample of the same layout.

The small sample keeps the last SMALL_ROWS observations of every series up to SMALL_END: every sheet, table, name,
formula and chart is there, the answers that need only recent data (six-day returns, closes, the chart data) are
the full sample's, and it computes and writes in a fraction of the time. Structure checks use it; value checks that
need the whole history use the full sample.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import replace

from addin.pipeline.workbook_data import WorkbookData

MOMENT = dt.date(2024, 7, 16)  # the newsletter's day
REPLAY = dt.date(2024, 9, 12)  # the as-of day a user types into the workbook's as-of cell
SMALL_END = REPLAY
SMALL_ROWS = 300


def small(inputs: WorkbookData, end: dt.date = SMALL_END, rows: int = SMALL_ROWS) -> WorkbookData:
    """`inputs` with every series cut to its last `rows` observations on or before `end`."""
    data = {}
    for series_id, (dates, values) in inputs.data.items():
        stop = bisect.bisect_right(dates, end)
        start = max(0, stop - rows)
        data[series_id] = (dates[start:stop], values[start:stop])
    return replace(inputs, data=data)
