"""A user's own series: `lazarus series add ID` once, then one refresh against the local vendor server puts it in the
store, in HISTORY and on the built workbook's "Added series" sheet; removing it keeps its stored history."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from addin.commands import main
from addin.pipeline.config import load_config
from addin.pipeline.history import StoreHistory
from addin.pipeline.sources import chain_for, kind_of, read_user_sources, user_sources_file
from addin.pipeline.store import Store
from testkit.vendor_server import FIXTURES
from udfs.history import history_function
from udfs.inputs import date_to_serial

AAPL_BODY = FIXTURES / "yahoo" / "yahoo_chart_v8_AAPL_2020-08-31_to_2020-11-07_split_dividend.body.json"
SP500_BODY = FIXTURES / "fred" / "fred_api_series_observations_SP500_TRIMMED.json"


def _aapl_closes() -> dict[dt.date, float]:
    """The recording's closes by New York trading day, read straight from Yahoo's JSON (timestamps are the session's
    open in UTC; gmtoffset is New York's)."""
    result = json.loads(AAPL_BODY.read_text())["chart"]["result"][0]
    offset = dt.timedelta(seconds=result["meta"]["gmtoffset"])
    closes = result["indicators"]["quote"][0]["close"]
    return {
        (dt.datetime(1970, 1, 1) + dt.timedelta(seconds=stamp) + offset).date(): close
        for stamp, close in zip(result["timestamp"], closes, strict=True)
        if close is not None
    }


def _sp500() -> dict[dt.date, float]:
    observations = json.loads(SP500_BODY.read_text())["observations"]
    return {dt.date.fromisoformat(o["date"]): float(o["value"]) for o in observations if o["value"] != "."}


@pytest.fixture
def served(cli_env, newsletter_server, monkeypatch) -> Path:
    """The vendor server also answers for AAPL (Yahoo, recorded) and SP500 (the FRED API, recorded, with a key)."""
    newsletter_server.serve("yahoo:AAPL", AAPL_BODY.read_bytes(), content_type="application/json")
    newsletter_server.keys["fred"] = "test-key-0123456789abcdef0123"
    newsletter_server.serve("fred_api:SP500", SP500_BODY.read_bytes(), content_type="application/json")
    monkeypatch.setenv("LAZARUS_FRED_API_KEY", "test-key-0123456789abcdef0123")
    return cli_env


def test_the_vendor_chain_follows_the_ids_shape():
    assert kind_of("AAPL") == "ticker" and kind_of("BRK-B") == "ticker"
    assert kind_of("CPIAUCSL") == "fred" and kind_of("DGS10") == "fred" and kind_of("SP500") == "fred"
    assert kind_of("^VIX") == "yahoo" and kind_of("EURUSD=X") == "yahoo"
    assert [link.vendor for link in chain_for("AAPL")] == ["yahoo", "tiingo", "stooq", "alphavantage"]
    assert chain_for("AAPL")[2].symbol == "aapl.us"
    assert [link.vendor for link in chain_for("SP500")] == ["fred", "fred_api"]
    assert [link.vendor for link in chain_for("GDP", "fred")] == ["fred", "fred_api"]


def test_an_added_series_is_in_the_store_history_and_the_workbook_after_one_refresh(served, capsys):
    assert main(["series", "add", "aapl", "sp500"]) == 0
    data_dir = load_config().data_dir
    assert [s.id for s in read_user_sources(data_dir)] == ["AAPL", "SP500"]
    assert user_sources_file(data_dir).read_text().splitlines()[0] == "id,sheet,column,field,vendors"

    assert main(["refresh", "--no-progress"]) == 0  # the whole catalogue and the two added series
    store = Store(data_dir / "lazarus.sqlite")
    aapl, sp500 = _aapl_closes(), _sp500()
    assert dict(store.read_series("AAPL")) == pytest.approx(aapl)
    assert len(aapl) == 49 and dict(store.read_series("SP500")) == pytest.approx(sp500)

    # HISTORY reads it, whatever the case the user types.
    history = history_function(StoreHistory(lambda: store))
    table = history("aapl")
    assert table[1:] == [[date_to_serial(day), close] for day, close in sorted(aapl.items())]

    assert main(["build", "--out", "book.xlsx"]) == 0
    assert "newest data" in capsys.readouterr().out
    sheet = load_workbook(served / "book.xlsx", read_only=True)["Added series"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Date", "AAPL", "SP500")
    by_day = {row[0].date(): row[1:] for row in rows[1:]}
    assert {day: values[0] for day, values in by_day.items() if values[0] is not None} == pytest.approx(aapl)
    assert {day: values[1] for day, values in by_day.items() if values[1] is not None} == pytest.approx(sp500)
    sources = [
        row[0] for row in load_workbook(served / "book.xlsx", read_only=True)["Sources"].iter_rows(values_only=True)
    ]
    assert sources[-2:] == ["AAPL", "SP500"]  # the ribbon's Refresh reads the Sources sheet: it fetches them too

    # The colleague copy of that workbook keeps them, with their terms.
    assert main(["export", "book.xlsx"]) == 0
    copy = load_workbook(served / "book (for colleagues).xlsx", read_only=True)
    copied = {row[0].date(): row[1] for row in list(copy["Added series"].iter_rows(values_only=True))[1:] if row[1]}
    assert copied == pytest.approx(aapl)
    about = {row[0]: row for row in copy["About this copy"].iter_rows(values_only=True) if row and row[0]}
    assert about["AAPL"][2].startswith("yahoo") and about["yahoo"][1].startswith("Yahoo Finance: personal use only")


def test_removing_a_series_stops_fetching_it_and_keeps_its_history(served, capsys):
    assert main(["series", "add", "AAPL"]) == 0
    assert main(["refresh", "--only", "aapl", "--no-progress"]) == 0
    data_dir = load_config().data_dir
    stored = Store(data_dir / "lazarus.sqlite").read_series("AAPL")
    assert len(stored) == 49
    assert main(["series", "remove", "aapl"]) == 0
    assert read_user_sources(data_dir) == []
    assert Store(data_dir / "lazarus.sqlite").read_series("AAPL") == stored
    assert main(["refresh", "--only", "AAPL", "--no-progress"]) == 2
    assert "lazarus series add ID" in capsys.readouterr().err


def test_adding_twice_or_a_newsletter_series_is_refused(served, capsys):
    assert main(["series", "add", "QQQ"]) == 0
    assert main(["series", "add", "qqq"]) == 2
    assert main(["series", "add", "IWM"]) == 2
    err = capsys.readouterr().err
    assert "QQQ is already added" in err and "IWM is already one of the newsletter's series" in err
    assert main(["series", "list"]) == 0
    assert "QQQ" in capsys.readouterr().out


def test_the_readmes_source_list_is_what_series_add_writes(tmp_path):
    from addin.pipeline.sources import load_sources, user_source

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    example = readme.split("id,sheet,column,field,vendors", 1)[1].split("```", 1)[0]
    (tmp_path / "list.csv").write_text("id,sheet,column,field,vendors" + example, encoding="utf-8")
    assert load_sources(tmp_path / "list.csv") == [user_source("aapl"), user_source("CPIAUCSL")]


def test_the_date_forms_the_help_lists_are_accepted():
    import argparse

    from addin.commands.dates import FORMS, parse_day

    for form in FORMS.split(", "):
        assert parse_day(form.split(" (")[0]) == dt.date(2024, 7, 16), form
    assert parse_day("Jul 16, 2024") == parse_day("16/07/2024") == dt.date(2024, 7, 16)
    assert parse_day("03/04/2024") == dt.date(2024, 3, 4)  # month first
    for bad in ("yesterday", "2024-02-30", "13/13/2024"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_day(bad)


def test_the_ribbons_refresh_fetches_an_added_series_and_rewrites_its_sheet(newsletter_server, tmp_path):
    """A workbook built after `series add` lists the series on its Sources sheet; its Refresh data fetches it."""
    import pandas as pd

    from addin.excel.book_refresh import SOURCES_TABLE, refresh_book
    from addin.pipeline.sources import user_source
    from addin.pipeline.vendors import HttpClient
    from tests.test_book_refresh import TableWriter
    from tests.test_refresh import TODAY, config_for, fast_settings
    from workbook.added_sheet import SHEET, TABLE
    from workbook.catalogue import CATALOGUE, source_rows

    newsletter_server.serve("yahoo:AAPL", AAPL_BODY.read_bytes(), content_type="application/json")
    writer = TableWriter()
    rows = source_rows([*CATALOGUE, user_source("AAPL")])
    writer.tables[SOURCES_TABLE] = pd.DataFrame(rows[1:], columns=rows[0])
    result = refresh_book(
        writer,
        sheet=SHEET,
        store=Store(tmp_path / "lazarus.sqlite"),
        config=config_for(newsletter_server, tmp_path),
        client=HttpClient(fast_settings()),
        today=TODAY,
    )
    assert str(result).startswith("Refreshed 1 of 1 sources")
    table = writer.tables[TABLE]
    assert list(table.columns) == ["Date", "AAPL"]
    assert dict(zip(table["Date"], table["AAPL"], strict=True)) == pytest.approx(_aapl_closes())
