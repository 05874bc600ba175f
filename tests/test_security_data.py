"""Data a user did not ask to change: a source list (a workbook someone sent) cannot point a stored id at another
symbol, rows dated after today or before a plausible start are never stored (and a store that holds them heals),
and implausible values (a close of 1e308 or 5e-324, a monthly series served daily) keep the old data and say why.
Through the vendor server on 127.0.0.1, the real refresh and a real SQLite store."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from addin.pipeline.refresh import refresh
from addin.pipeline.sources import sources_from_rows
from addin.pipeline.store import Store
from addin.pipeline.vendors import HttpClient
from testkit.vendor_server import fast_settings, fredgraph_body
from tests.test_refresh import TODAY, config_for
from workbook.catalogue import CATALOGUE, SOURCE_HEADER, Source, VendorSymbol

D = dt.date
IWM = next(source for source in CATALOGUE if source.id == "IWM")
UNRATE = next(source for source in CATALOGUE if source.id == "UNRATE")


def run(server, store, tmp_path, *sources):
    report = refresh(
        list(sources), store, config_for(server, tmp_path), client=HttpClient(fast_settings()), today=TODAY
    )
    return {status.source_id: status for status in report.statuses}


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "lazarus.sqlite")


# --- 5: a received workbook cannot rewrite the store ------------------------------------------------------------


def test_a_sources_row_cannot_point_a_catalogue_id_at_another_symbol():
    row = ["IWM", "Prices", "IWM", "close", "yahoo:SPY"]
    with pytest.raises(ValueError, match=r"IWM is a catalogue series .* yahoo:SPY is refused"):
        sources_from_rows([SOURCE_HEADER, row])
    # choosing among the catalogue's own vendors is fine
    (chosen,) = sources_from_rows([SOURCE_HEADER, ["IWM", "Prices", "IWM", "close", "stooq:IWM.US|yahoo:IWM"]])
    assert [(link.vendor, link.symbol) for link in chosen.chain] == [("stooq", "iwm.us"), ("yahoo", "IWM")]


def test_a_changed_symbol_for_a_stored_id_is_refused_and_the_store_kept(newsletter_server, store, tmp_path):
    fund = Source("MYFUND", (VendorSymbol("yahoo", "IWM"),), "Prices", "MYFUND")
    assert run(newsletter_server, store, tmp_path, fund)["MYFUND"].ok
    before = store.read_rows("MYFUND")
    status = run(newsletter_server, store, tmp_path, dataclasses.replace(fund, chain=(VendorSymbol("yahoo", "SPY"),)))
    assert not status["MYFUND"].ok and "this is not the stored series" in status["MYFUND"].error
    assert store.read_rows("MYFUND") == before


def test_a_revision_beyond_the_tolerance_is_reported_not_counted_as_new(newsletter_server, store, tmp_path):
    assert run(newsletter_server, store, tmp_path, IWM)["IWM"].ok
    bars = newsletter_server.yahoo["IWM"]
    bars[-3] = dataclasses.replace(bars[-3], close=bars[-3].close * 1.02)  # the vendor revises one close by 2%
    status = run(newsletter_server, store, tmp_path, IWM)["IWM"]
    assert status.ok and status.rows_added == 0 and status.rows_revised == 1
    assert f"1 stored value(s) revised by more than 0.5% (first {bars[-3].day.isoformat()}" in status.note


# --- 6: dates after today or before a plausible start ------------------------------------------------------------


def test_a_row_dated_9999_or_0001_is_never_stored(newsletter_server, store, tmp_path):
    rows = [(D(1, 1, 1), 9.0), *newsletter_server.fred["UNRATE"], (D(9999, 12, 31), 3.9)]
    newsletter_server.serve("fred:UNRATE", fredgraph_body("UNRATE", rows, None, None), content_type="text/csv")
    status = run(newsletter_server, store, tmp_path, UNRATE)["UNRATE"]
    assert status.ok and "2 row(s) dated outside" in status.note
    assert store.last_date("UNRATE") == D(2026, 3, 1)  # the newest real row of tests/data/fred/UNRATE_granite-tsfm.csv
    assert store.read_series("UNRATE")[0].date == D(1948, 1, 1)


def test_a_refresh_heals_a_store_that_holds_such_rows(newsletter_server, store, tmp_path):
    store.write_series("UNRATE", "fred", [(D(1, 1, 1), 9.0), (D(2020, 1, 1), 3.6), (D(9999, 12, 31), 3.9)])
    status = run(newsletter_server, store, tmp_path, UNRATE)["UNRATE"]
    assert status.ok and "2 stored row(s) dated outside" in status.note
    # asked from a month before the newest plausible row (2020-01-01), not from 9999
    assert store.last_date("UNRATE") == D(2026, 3, 1) and store.read_series("UNRATE")[0].date == D(2019, 12, 1)
    again = run(newsletter_server, store, tmp_path, UNRATE)["UNRATE"]  # and the next refresh is an ordinary one
    assert again.ok and again.note == "" and again.rows_added == 0


# --- 7: implausible values ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("close", [1e308, 5e-324, 0.0, -4.0])
def test_an_implausible_close_keeps_the_old_data_and_says_why(close, newsletter_server, store, tmp_path):
    assert run(newsletter_server, store, tmp_path, IWM)["IWM"].ok
    before = store.read_rows("IWM")
    bars = newsletter_server.yahoo["IWM"]
    last = bars[-1]
    bars.append(dataclasses.replace(last, day=last.day + dt.timedelta(days=3), close=close, adjclose=close))
    status = run(newsletter_server, store, tmp_path, IWM)["IWM"]
    assert not status.ok and "nothing was written, the stored data is kept" in status.error
    assert ("not above zero" in status.error) if close <= 0 else ("jumps" in status.error)
    assert store.read_rows("IWM") == before


def test_a_monthly_series_served_daily_is_refused(newsletter_server, store, tmp_path):
    days = [D(2024, 1, 1) + dt.timedelta(days=i) for i in range(90)]
    newsletter_server.fred["UNRATE"] = [(day, 3.7) for day in days]
    status = run(newsletter_server, store, tmp_path, UNRATE)["UNRATE"]
    assert not status.ok and "UNRATE is a monthly series" in status.error
    assert store.read_series("UNRATE") == []
