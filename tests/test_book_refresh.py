"""The ribbon's Refresh: store refreshed from a real local vendor server, data tables and names rewritten, Log grown.

The workbook side is a stand-in writer with LiveBook's methods (xlwings itself needs Excel); the vendors are
the recorded bodies served over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import copy
import datetime as dt

import pandas as pd
import pytest

from addin.excel.book_refresh import LOG_TABLE, SOURCES_TABLE, refresh_book
from addin.pipeline.store import Store
from addin.pipeline.vendors import HttpClient
from testkit.vendor_server import Fault, load_newsletter_data
from tests.test_refresh import TODAY, config_for, copy_store, fast_settings
from workbook.catalogue import CATALOGUE, source_rows
from workbook.info_sheets import LOG_HEADER


class TableWriter:
    """LiveBook's interface over in-memory tables."""

    def __init__(self) -> None:
        rows = source_rows(CATALOGUE)
        self.tables = {
            SOURCES_TABLE: pd.DataFrame(rows[1:], columns=rows[0]),
            LOG_TABLE: pd.DataFrame(columns=LOG_HEADER),
        }
        self.names: dict[str, str] = {}
        self.progress_calls: list[tuple[int, int, str]] = []

    def read_table(self, name):
        return self.tables[name]

    def write_table(self, name, frame):
        self.tables[name] = frame

    def append_rows(self, name, rows):
        old = self.tables[name]
        self.tables[name] = pd.concat([old, pd.DataFrame(rows, columns=old.columns)], ignore_index=True)

    def set_names(self, names):
        self.names.update(names)

    def progress(self, done, total, what):
        self.progress_calls.append((done, total, what))

    def recalculate_calls(self, function):
        self.recalculated = function
        return 0


@pytest.fixture
def server(newsletter_server):
    return newsletter_server


def run(server, tmp_path, writer, sheet=None):
    return refresh_book(
        writer,
        sheet=sheet,
        store=Store(tmp_path / "lazarus.sqlite"),
        config=config_for(server, tmp_path),
        client=HttpClient(fast_settings()),
        today=TODAY,
    )


@pytest.fixture(scope="module")
def first_refresh(running_vendor_server, tmp_path_factory):
    """One Refresh of a new workbook from every catalogue series, made once per module: (its folder, with the
    store, and the writer and result as it left them). Read it only; `refreshed_copy` gives a test its own copy."""
    running_vendor_server.reset()
    load_newsletter_data(running_vendor_server)
    folder = tmp_path_factory.mktemp("first-book-refresh")
    writer = TableWriter()
    result = run(running_vendor_server, folder, writer)
    return folder, writer, result


@pytest.fixture
def refreshed_copy(first_refresh, server, tmp_path):
    """This test's copy of `first_refresh`'s writer, with its store copied into ``tmp_path``; the server is reset."""
    folder, writer, _ = first_refresh
    copy_store(folder / "lazarus.sqlite", tmp_path / "lazarus.sqlite")
    return copy.deepcopy(writer)


def test_refresh_fills_every_table_points_the_names_at_the_new_rows_and_logs(first_refresh):
    _, writer, result = first_refresh
    prices = writer.tables["PricesTable"]
    sectors = ["XLF", "XLRE", "IYR", "RSP", "IWC_ADJ", "IWC_HIGH"]
    assert list(prices.columns) == ["Date", "IWM", "SPY", "IWC", "MDY", *sectors, "RUT", "GSPC"]
    row = prices[prices["Date"] == dt.date(2024, 7, 8)].iloc[0]
    assert row["IWM"] == pytest.approx(202.28, abs=1e-5) and row["SPY"] == pytest.approx(555.28, abs=1e-4)
    # Yahoo's chart serves the bar's high beside its close (tests/data/prices/IWC_2024_alm0421.csv: 114.09, 113.09).
    assert (row["IWC_HIGH"], row["IWC"]) == (pytest.approx(114.09), pytest.approx(113.09))
    assert writer.names["ALL_IWM"] == f"Prices!$B$2:$B${len(prices) + 1}"
    assert writer.names["IWM"] == "INDEX(ALL_IWM,1):INDEX(ALL_IWM,PRICE_ROW)"
    months = writer.tables["MonthlyTable"]
    assert months.loc[months["Date"] == dt.date(2025, 9, 1), "UNRATE"].iloc[0] == pytest.approx(4.4)
    log = writer.tables[LOG_TABLE]
    assert len(log) == len(CATALOGUE) and set(log["Status"]) == {"ok"}
    assert [done for done, _, _ in writer.progress_calls] == list(range(1, len(CATALOGUE) + 1))
    assert writer.recalculated == "HISTORY"  # the cells that read the store are recalculated
    assert str(result).startswith(f"Refreshed {len(CATALOGUE)} of {len(CATALOGUE)} sources")


def test_refresh_this_sheet_touches_only_that_sheets_sources_and_tables(server, tmp_path):
    writer = TableWriter()
    result = run(server, tmp_path, writer, sheet="Rates")
    rates = ["T10Y2Y", "T10Y3M", "DGS10", "DGS2", "DFF", "DFEDTAR", "DFEDTARU"]
    assert [s.source_id for s in result.report.statuses] == rates
    assert result.tables == ["RatesTable", "PolicyTable"] and "PricesTable" not in writer.tables
    with pytest.raises(ValueError, match="No source on the Sources sheet writes to the sheet 'Dashboard'"):
        run(server, tmp_path, writer, sheet="Dashboard")


def test_a_failing_vendor_leaves_its_column_as_it_was_and_says_why(server, tmp_path, refreshed_copy):
    writer = refreshed_copy
    before = writer.tables["MonthlyTable"].copy()
    server.fault("fred:UNRATE", *[Fault(500, b"Internal Server Error")] * 10)
    result = run(server, tmp_path, writer)
    pd.testing.assert_frame_equal(writer.tables["MonthlyTable"], before)
    assert "UNRATE" in str(result) and "its old data is unchanged" in str(result)
    last = writer.tables[LOG_TABLE].iloc[-len(CATALOGUE) :]
    status = last.loc[last["Source"] == "UNRATE", "Status"].iloc[0]
    assert status != "ok" and "UNRATE" in status
