"""Intraday highs (catalogue field "high", the IWC_HIGH series): each vendor in IWC_HIGH's chain reads the bar's high
from its real recorded answer, served by the local vendor server; the expected numbers are read from the recorded
body here with json alone."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from addin.pipeline.vendors import HttpClient
from addin.pipeline.vendors.alphavantage import AlphaVantageReader
from addin.pipeline.vendors.tiingo import TiingoReader
from addin.pipeline.vendors.yahoo import YahooReader
from testkit.vendor_server import VendorServer, fast_settings, fixture
from workbook.catalogue import CATALOGUE

D = dt.date
TIINGO_KEY = "tiingo-0123456789abcdef0123456789abcdef"
AV_KEY = "AVKEY9Z8Y7X6W5V4"
AAPL = "yahoo/yahoo_chart_v8_AAPL_2020-08-31_to_2020-11-07_split_dividend.body.json"
GOOGL = "tiingo/tiingo_daily_prices_GOOGL_2015-01-01_05.body.json"
IBM = "alphavantage/av_TIME_SERIES_DAILY_IBM_compact_2024-06-18.json"


@pytest.fixture
def server():
    with VendorServer() as running:
        running.keys.update(tiingo=TIINGO_KEY)
        running.serve("yahoo:AAPL", fixture(AAPL), content_type="application/json")
        running.serve("tiingo:GOOGL", fixture(GOOGL))
        running.serve("alphavantage:IBM", fixture(IBM), content_type="application/json")
        yield running


def test_iwc_high_is_a_raw_high_from_vendors_that_serve_one():
    source = next(source for source in CATALOGUE if source.id == "IWC_HIGH")
    assert source.field == "high" and [link.vendor for link in source.chain] == ["yahoo", "tiingo", "alphavantage"]


def test_yahoo_reads_the_quote_high(server):
    rows = YahooReader(HttpClient(fast_settings()), base_url=server.url).fetch(
        "AAPL", D(2020, 8, 31), D(2020, 11, 7), field="high"
    )
    quote = json.loads(fixture(AAPL))["chart"]["result"][0]["indicators"]["quote"][0]
    assert [value for _, value in rows] == [high for high in quote["high"] if high is not None]
    closes = YahooReader(HttpClient(fast_settings()), base_url=server.url).fetch("AAPL", D(2020, 8, 31), D(2020, 11, 7))
    assert all(high >= close for (_, high), (_, close) in zip(rows, closes, strict=True))


def test_tiingo_reads_the_raw_high(server):
    reader = TiingoReader(HttpClient(fast_settings()), base_url=server.url, key=TIINGO_KEY)
    bars = json.loads(fixture(GOOGL))
    assert reader.fetch("GOOGL", D(2015, 1, 1), D(2015, 1, 5), field="high") == [
        (D.fromisoformat(bar["date"][:10]), float(bar["high"])) for bar in bars
    ]
    assert reader.kind("high") == "raw"


def test_alpha_vantage_reads_the_high_not_the_close(server):
    reader = AlphaVantageReader(HttpClient(fast_settings()), base_url=server.url, key=AV_KEY)
    bars = json.loads(fixture(IBM))["Time Series (Daily)"]
    rows = reader.fetch("IBM", field="high")
    assert rows == sorted((D.fromisoformat(day), float(bar["2. high"])) for day, bar in bars.items())
    assert rows != reader.fetch("IBM")  # the close is another column
