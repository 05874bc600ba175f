"""What a cell gets back is text a cell can hold: a 40,000-character series id gives an answer of at most 32,767
characters (Excel's limit per cell), on a real SQLite store."""

from __future__ import annotations

import datetime as dt

from addin.pipeline.history import StoreHistory
from addin.pipeline.store import Store
from udfs.excel_facts import CELL_TEXT_LIMIT
from udfs.history import history_function


def test_history_with_a_huge_id_answers_within_a_cell(tmp_path):
    store = Store(tmp_path / "lazarus.sqlite")
    store.write_series("IWM", "yahoo", [(dt.date(2024, 1, 2), 190.0)])
    cell = history_function(StoreHistory(lambda: store))
    for series in ("I" * 40_000, "Z" * 40_000, "x" * 300):
        answer = cell(series)
        assert isinstance(answer, str) and answer.startswith("#N/A HISTORY:")
        assert len(answer) <= CELL_TEXT_LIMIT
    assert cell("IWM")[1] == [45293.0, 190.0]  # 2024-01-02 as an Excel serial: an ordinary id still works
