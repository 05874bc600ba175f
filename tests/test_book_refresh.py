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
from addin.excel.live_book import LiveBook
from addin.pipeline.store import Store
from addin.pipeline.vendors import HttpClient
from testkit.vendor_server import Fault, load_newsletter_data, unrate_snapshots
from tests.test_refresh import TODAY, config_for, copy_store, fast_settings
from tests.test_vintages import KEY, snapshot
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
        self.sheets: dict[str, list[list]] = {}  # sheets that are grids, not tables (Vintages)
        self.progress_calls: list[tuple[int, int, str]] = []

    def read_table(self, name):
        return self.tables[name]

    def write_table(self, name, frame):
        self.tables[name] = frame

    def write_sheet(self, name, cells):
        self.sheets[name] = [list(row) for row in cells]

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


# The Vintages sheet ---------------------------------------------------------------------------------------------------


def test_refresh_rewrites_the_vintages_sheet_from_the_stores_vintages(server, tmp_path):
    """A keyed refresh stores UNRATE's vintages (the local server's FRED API real-time periods, built from the two real
    snapshots) and the Vintages sheet is rewritten from them: one column per vintage day, each equal to its snapshot
    file, read here with the csv module, and its names pointed at the new grid."""
    writer = TableWriter()
    server.keys["fred"] = KEY
    server.fred_vintages["UNRATE"] = list(unrate_snapshots())
    result = refresh_book(
        writer,
        sheet="Macro",
        store=Store(tmp_path / "lazarus.sqlite"),
        config=config_for(server, tmp_path, fred=KEY),
        client=HttpClient(fast_settings()),
        today=TODAY,
    )
    assert result.tables[-1] == "Vintages" and "Vintages" in str(result)
    october = snapshot("UNRATE_vintage_2024-10-04_dberweger2017.csv", "UNRATE")
    january = snapshot("UNRATE_realtime_2025-01-20_giorgi-ghviniashvili.csv", "value")
    header, *rows = writer.sheets["Vintages"]
    assert header == ["UNRATE date", dt.date(2024, 10, 4), dt.date(2025, 1, 20)]
    assert [row[0] for row in rows] == sorted(january) and set(october) < set(january)
    assert {row[0]: row[1] for row in rows if row[1] is not None} == october
    assert {row[0]: row[2] for row in rows} == january
    july = next(row for row in rows if row[0] == dt.date(2024, 7, 1))
    assert july[1:] == [4.3, 4.2]  # the first release, then the January 2025 revision
    last_row = len(january) + 1
    assert writer.names["UNRATE_VINTAGE_DATES"] == "Vintages!$B$1:$C$1"
    assert writer.names["UNRATE_VINTAGES"] == f"Vintages!$B$2:$C${last_row}"
    assert writer.names["UNRATE_VINTAGE_MONTHS"] == f"Vintages!$A$2:$A${last_row}"


def test_a_refresh_without_vintages_leaves_the_sheet_saying_so_and_a_sheet_without_unrate_alone(
    first_refresh, server, tmp_path
):
    _, writer, result = first_refresh  # no FRED key: no vintages in the store
    assert writer.sheets["Vintages"] == [["UNRATE date", "no vintages stored"]]
    assert writer.names["UNRATE_VINTAGES"] == "Vintages!$B$2:$B$2" and "Vintages" in result.tables
    rates = TableWriter()
    assert "Vintages" not in run(server, tmp_path, rates, sheet="Rates").tables and rates.sheets == {}


class GridSheet:
    """An xlwings sheet as LiveBook.write_sheet uses it: cells by (row, column), cleared and written from A1."""

    def __init__(self, name: str, cells: dict[tuple[int, int], object] | None = None) -> None:
        self.name, self.cells = name, dict(cells or {})

    def clear_contents(self) -> None:
        self.cells.clear()

    def range(self, address: str):
        assert address == "A1"
        sheet = self

        class Anchor:
            @property
            def value(self):
                raise AssertionError("write_sheet only writes")

            @value.setter
            def value(self, grid):
                for r, row in enumerate(grid, start=1):
                    for c, value in enumerate(row, start=1):
                        if value is not None:
                            sheet.cells[(r, c)] = value

        return Anchor()


class GridSheets(list):
    def __getitem__(self, key):
        return next(s for s in self if s.name == key) if isinstance(key, str) else super().__getitem__(key)

    def add(self, name, after=None):
        sheet = GridSheet(name)
        self.insert(self.index(after) + 1, sheet)
        return sheet


def test_the_live_writer_replaces_the_whole_grid_and_adds_a_missing_sheet():
    from types import SimpleNamespace

    old = {(r, c): 1.0 for r in range(1, 30) for c in range(1, 6)}  # a larger grid than the new one
    book = SimpleNamespace(sheets=GridSheets([GridSheet("Dashboard"), GridSheet("Vintages", old)]))
    cells = [["UNRATE date", dt.date(2024, 10, 4)], [dt.date(2024, 7, 1), 4.3], [dt.date(2024, 8, 1), None]]
    LiveBook(book).write_sheet("Vintages", cells)
    assert book.sheets["Vintages"].cells == {
        (1, 1): "UNRATE date",
        (1, 2): dt.date(2024, 10, 4),
        (2, 1): dt.date(2024, 7, 1),
        (2, 2): 4.3,
        (3, 1): dt.date(2024, 8, 1),
    }
    # A workbook built before the Vintages sheet existed gains one, after its last sheet.
    book = SimpleNamespace(sheets=GridSheets([GridSheet("Dashboard"), GridSheet("Log")]))
    LiveBook(book).write_sheet("Vintages", cells)
    assert [sheet.name for sheet in book.sheets] == ["Dashboard", "Log", "Vintages"]
    assert book.sheets["Vintages"].cells[(2, 2)] == 4.3
