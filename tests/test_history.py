"""HISTORY: a stored series spilled into any workbook, from the store only, cached until the next refresh; composable
with the other cell functions, in Excel (xlwings' own code under COM stubs) and in the headless engine."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from addin.pipeline import sample
from addin.pipeline.history import StoreHistory
from addin.pipeline.store import Store
from tests import realdata
from udfs import cells
from udfs.history import Stored, history_function, history_table
from udfs.inputs import date_to_serial
from workbook import engine
from workbook.model import Book, Sheet

D = dt.date


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Store:
    """A SQLite store holding the bundled sample, loaded offline as `lazarus store load-sample` does."""
    store = Store(tmp_path_factory.mktemp("history") / "lazarus.sqlite")
    sample.load_into(store)
    return store


@pytest.fixture
def history(loaded):
    return history_function(StoreHistory(lambda: loaded))


def test_history_equals_the_stores_rows_exactly(loaded, history):
    for series in ("IWM", "UNRATE", "T10Y2Y"):
        table = history(series)
        assert table[0] == ["Date", series]
        stored = loaded.read_series(series)  # a missing value (UNRATE 2025-10) is a row with an empty value
        assert table[1:] == [[date_to_serial(day), "" if value is None else value] for day, value in stored]
    unrate = dict(map(tuple, history("UNRATE")[1:]))
    assert unrate[date_to_serial(D(2025, 10, 1))] == "" and unrate[date_to_serial(D(2025, 11, 1))] == 4.5


def test_start_and_end_bound_the_rows_and_take_dates_serials_or_text(history):
    table = history("IWM", dt.datetime(2024, 7, 8), "2024-07-16")
    assert [row[0] for row in table[1:]] == [date_to_serial(D(2024, 7, 8)) + k for k in (0, 1, 2, 3, 4, 7, 8)]
    closes = {realdata.serial(day): close for day, close in zip(*realdata.iwm(), strict=True)}
    assert [row[1] for row in table[1:]] == [closes[row[0]] for row in table[1:]]
    assert history("IWM", date_to_serial(D(2024, 7, 8)), date_to_serial(D(2024, 7, 8)))[1:] == [table[1]]


def test_as_of_keeps_only_what_was_published_by_then():
    # A monthly figure dated the 1st comes out about five weeks later (lag 35 days).
    stored = Stored(np.array([45383.0, 45413.0, 45444.0]), np.array([3.9, 4.0, np.nan]), published_days=35)
    as_of = 45413.0 + 35  # May's figure has just come out, June's not yet
    rule = "publication delay (35 days)"  # a series without vintages: the delay is the only rule, and says so
    assert history_table("UNRATE", stored, None, None, as_of) == [
        ["Date", "UNRATE", "Rule"],
        [45383.0, 3.9, rule],
        [45413.0, 4.0, rule],
    ]
    assert history_table("UNRATE", stored, None, None, None)[-1] == [45444.0, ""]  # missing stays a blank row


def test_unknown_and_empty_series_say_what_to_do(history):
    unknown = history("IMW")
    assert unknown.startswith(
        '#N/A HISTORY: no series "IMW" in the store; did you mean "IWM"? to add it, run `lazarus series add IMW`'
    )
    assert "IWM" in unknown and "^GSPC" in unknown
    assert (
        history("^GSPC")
        == '#N/A HISTORY: "^GSPC" has no rows in the store yet: press Refresh data (or run `lazarus refresh`)'
    )
    assert history("IWM", "2030-01-01").endswith('"IWM" has no rows between the dates asked for')
    assert history("IWM", "yesterday") == '#N/A HISTORY: start_date must be a date, got text "yesterday"'


def test_the_cache_serves_repeat_calls_and_a_refresh_invalidates_it(tmp_path):
    store = Store(tmp_path / "lazarus.sqlite")
    store.write_series("IWM", "yahoo", [(D(2024, 7, 15), 222.0)])
    reads = []

    class Counting:
        def __getattr__(self, name):
            return getattr(store, name)

        def read_series(self, series):
            reads.append(series)
            return store.read_series(series)

    counting = Counting()
    history = history_function(StoreHistory(lambda: counting))
    assert history("IWM")[1:] == history("IWM")[1:] == [[date_to_serial(D(2024, 7, 15)), 222.0]]
    assert reads == ["IWM"]
    store.write_series("IWM", "yahoo", [(D(2024, 7, 16), 224.6)])
    store.append_log([(dt.datetime.now(dt.UTC), "IWM", "yahoo", 1, D(2024, 7, 16), "ok")])
    assert history("IWM")[-1] == [date_to_serial(D(2024, 7, 16)), 224.6]
    assert reads == ["IWM", "IWM"]


def test_a_blank_workbook_with_history_and_rally_sigma_computes_headless(loaded):
    """README's two-cell analysis: B1 counts the observations, B2 is the sigma of the latest six-day move."""
    sheet = Sheet("Analysis")
    sheet.put(1, 1, "IWM observations")
    sheet.put(1, 2, '=ROWS(HISTORY("IWM"))-1')
    sheet.put(2, 1, "IWM six-day sigma")
    sheet.put(2, 2, '=RALLY_SIGMA(INDEX(HISTORY("IWM"),0,2),6)')
    sheet.put(3, 2, '=RALLY_SIGMA(INDEX(HISTORY("IWM",,"2024-07-16"),0,2),6)')
    results = engine.calculate(Book(sheets=[sheet]), extra={"HISTORY": history_function(StoreHistory(lambda: loaded))})
    closes = [close for _, close in loaded.read_series("IWM")]
    assert results["Analysis"][(1, 2)] == len(closes)
    assert results["Analysis"][(2, 2)] == pytest.approx(cells.RALLY_SIGMA(closes, 6), rel=1e-12)
    _, until = realdata.until(*realdata.iwm(), D(2024, 7, 16))
    assert results["Analysis"][(3, 2)] == pytest.approx(cells.RALLY_SIGMA(until, 6), rel=1e-12)
    assert results["Analysis"][(3, 2)] == pytest.approx(3.14, abs=0.005)  # the newsletter's "3-sigma" move


def test_history_and_rally_sigma_on_its_spill_through_xlwings_call_udf(loaded, monkeypatch):
    """In Excel: =HISTORY("IWM") through xlwings' own call_udf, then =RALLY_SIGMA(INDEX(HISTORY("IWM"),0,2),6), whose
    argument Excel passes as the array INDEX returns (a column of values with the header on top), not a range."""
    from testkit.xlwings_harness import windows_xlwings

    monkeypatch.setenv("LAZARUS_DATA_DIR", str(loaded.path.parent))
    monkeypatch.setenv("LAZARUS_CONFIG", str(loaded.path.parent / "no-config.toml"))
    monkeypatch.delenv("LAZARUS_STORE", raising=False)
    with windows_xlwings() as xl:
        spill = xl.raw_call("HISTORY", "IWM", None, "2024-07-16", None)
        assert xl.module.HISTORY.__xlfunc__["ret"]["options"]["convert"] == "raw"
    rows = [(day, close) for day, close in loaded.read_series("IWM") if day <= D(2024, 7, 16)]
    assert [list(row) for row in spill] == [["Date", "IWM"], *[[date_to_serial(d), c] for d, c in rows]]
    column = tuple((row[1],) for row in spill)  # INDEX(spill, 0, 2) as Excel hands it to a cell function
    with windows_xlwings() as xl:
        sigma = xl.call("RALLY_SIGMA", column, 6.0)
    _, closes = realdata.until(*realdata.iwm(), D(2024, 7, 16))
    assert sigma == pytest.approx(cells.RALLY_SIGMA(closes, 6), rel=1e-12)


def test_the_ribbon_refresh_recalculates_exactly_the_history_cells():
    """LiveBook.recalculate_calls reads each sheet's formulas once and marks only the HISTORY cells dirty."""
    from types import SimpleNamespace

    from addin.excel.live_book import LiveBook

    dirty, calculated = [], []

    class Sheet:
        def __init__(self, top, left, formulas):
            self.used_range = SimpleNamespace(row=top, column=left, formula=formulas)

        def range(self, address):
            return SimpleNamespace(api=SimpleNamespace(Dirty=lambda: dirty.append(address)))

    sheets = [
        Sheet(2, 3, (('=history("IWM")', "text", "=RALLY_SIGMA(E2:E99,6)"), ("", 4.0, '=ROWS(HISTORY("SPY"))'))),
        Sheet(1, 1, "=1+1"),
    ]
    book = SimpleNamespace(sheets=sheets, app=SimpleNamespace(calculate=lambda: calculated.append(True)))
    assert LiveBook(book).recalculate_calls("HISTORY") == 2
    assert dirty == [(2, 3), (3, 5)] and calculated == [True]


def test_history_reads_the_desks_postgresql_store_the_same_way(pg_cluster, loaded):
    from addin.pipeline.store.postgres import PostgresStore
    from testkit.postgres import READER, READER_PASSWORD

    database = pg_cluster.database()
    sample.load_into(PostgresStore(pg_cluster.url(database)))
    reader = PostgresStore(pg_cluster.url(database, READER, READER_PASSWORD))  # SELECT is all HISTORY needs
    on_server = history_function(StoreHistory(lambda: reader))
    on_file = history_function(StoreHistory(lambda: loaded))
    for series in ("IWM", "ICSA"):
        assert on_server(series) == on_file(series)


def test_dated_functions_take_the_date_column_of_the_spill(loaded):
    sheet = Sheet("Analysis")
    spill = 'HISTORY("IWM",,"2024-07-16")'
    sheet.put(1, 1, f"=EVENTS_PER_CENTURY(INDEX({spill},0,2),6,0.1,INDEX({spill},0,1))")
    results = engine.calculate(Book(sheets=[sheet]), extra={"HISTORY": history_function(StoreHistory(lambda: loaded))})
    days, closes = realdata.until(*realdata.iwm(), D(2024, 7, 16))
    expected = cells.EVENTS_PER_CENTURY(closes, 6, 0.1, [realdata.serial(day) for day in days])
    assert isinstance(expected, float) and results["Analysis"][(1, 1)] == pytest.approx(expected, rel=1e-12)
