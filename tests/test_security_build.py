"""`lazarus build` from a store whose table has more dates than a sheet has rows: it refuses, saying exactly how
many rows would be cut, and writes nothing (no workbook with rows dropped and names past row 1,048,576). A real
SQLite store file, the real command."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from addin import commands
from addin.pipeline.store import Store
from udfs.excel_facts import SHEET_ROWS
from workbook.data_sheets import SheetFull, add_data_sheets
from workbook.model import Book


@pytest.mark.slow  # a million rows into a real store: about 20 s
def test_build_refuses_a_table_longer_than_a_sheet(tmp_path, monkeypatch, capsys):
    path = tmp_path / "lazarus.sqlite"
    Store(path).write_series("SPY", "yahoo", [(dt.date(2024, 1, 2), 470.0)])
    first = dt.date(1900, 1, 1).toordinal()
    rows = [("IWM", dt.date.fromordinal(first + i).isoformat(), 100.0, "yahoo", "2026-11-24T00:00:00+00:00") for i in
            range(SHEET_ROWS)]  # fmt: skip
    with sqlite3.connect(path) as con:  # one date more than fits below the header
        con.executemany("INSERT INTO observations(series, date, value, vendor, fetched_at) VALUES (?,?,?,?,?)", rows)
    monkeypatch.setenv("LAZARUS_CONFIG", str(tmp_path / "none.toml"))
    out = tmp_path / "lazarus.xlsx"
    assert commands.main(["build", "--store", str(path), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "the PricesTable on the Prices sheet would need 1,048,576 rows of dates" in err
    assert "1 would be cut, so no workbook was written" in err
    assert not out.exists() and list(tmp_path.glob("*.partial")) == []


def test_one_date_more_than_a_sheet_holds_is_refused_before_anything_is_laid_out():
    first = dt.date(1900, 1, 1).toordinal()
    dates = [dt.date.fromordinal(first + i) for i in range(SHEET_ROWS)]
    book = Book(sheets=[])
    with pytest.raises(SheetFull, match=r"need 1,048,576 rows of dates .* 1 would be cut"):
        add_data_sheets(book, {"IWM": (dates, [100.0] * len(dates))})
    assert book.names == {}
