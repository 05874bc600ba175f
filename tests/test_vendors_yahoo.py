"""Yahoo's v8 chart API: raw and adjusted closes on exchange dates, null bars, and its 404/429/outage answers."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from addin.pipeline.vendors import BadResponse, HttpClient, NotFound, RateLimited
from addin.pipeline.vendors.yahoo import YahooReader
from testkit.vendor_server import Bar, Fault, VendorServer, fast_settings, fixture

D = dt.date
AAPL = "yahoo/yahoo_chart_v8_AAPL_2020-08-31_to_2020-11-07_split_dividend.body.json"


@pytest.fixture
def server():
    with VendorServer() as running:
        running.serve("yahoo:AAPL", fixture(AAPL), content_type="application/json")
        running.serve("yahoo:QQQ", fixture("yahoo/yahoo_chart_v8_QQQ_2020-01-01_to_2020-01-03.body.json"))
        yield running


def reader(server: VendorServer) -> YahooReader:
    return YahooReader(HttpClient(fast_settings()), base_url=server.url)


def test_raw_close_on_new_york_dates(server):
    rows = reader(server).fetch("AAPL", D(2020, 8, 31), D(2020, 11, 7))
    body = json.loads(fixture(AAPL))["chart"]["result"][0]
    assert len(rows) == len(body["timestamp"]) == 49
    assert rows[0] == (D(2020, 8, 31), 129.0399932861328)  # the first post-split day
    assert rows[1] == (D(2020, 9, 1), 134.17999267578125)
    assert rows[-1][0] == D(2020, 11, 6)


def test_adjusted_close_is_a_separate_field(server):
    rows = reader(server).fetch("AAPL", D(2020, 8, 31), D(2020, 11, 7), field="adjclose")
    assert rows[0] == (D(2020, 8, 31), 125.82673645019531)


def test_single_bar_answer_uses_the_bar_not_the_live_price(server):
    rows = reader(server).fetch("QQQ", D(2020, 1, 1), D(2020, 1, 3))
    assert rows == [(D(2020, 1, 2), 216.16000366210938)]  # meta.regularMarketPrice is 539.52: not used


def test_request_carries_the_date_range_and_encodes_index_symbols(server):
    server.yahoo["^RUT"] = [Bar(D(2024, 7, 8), 1, 1, 1, 2036.6, 2036.6, 0)]
    assert reader(server).fetch("^RUT", D(2024, 7, 1), D(2024, 7, 19)) == [(D(2024, 7, 8), 2036.6)]
    hit = server.hits[-1]
    assert hit.path == "/v8/finance/chart/%5ERUT"
    assert hit.query["period1"] == "1719792000" and hit.query["period2"] == "1721433600"  # 07-01 .. 07-20 00:00 UTC
    assert hit.query["interval"] == "1d"


def test_null_bars_are_skipped_not_zero(server):
    # Not a recording: Yahoo's null bar (every field null) inserted into generated bars.
    server.yahoo["IWM"] = [
        Bar(D(2024, 7, 8), 202.0, 203.0, 201.0, 202.28, 200.1, 10),
        Bar(D(2024, 7, 9), None, None, None, None, None, None),
        Bar(D(2024, 7, 10), 203.0, 204.0, 202.0, 203.93, 201.7, 10),
    ]
    assert reader(server).fetch("IWM", D(2024, 7, 1), D(2024, 7, 19)) == [
        (D(2024, 7, 8), 202.28),
        (D(2024, 7, 10), 203.93),
    ]


def test_404_body_is_not_found_with_yahoos_words(server):
    with pytest.raises(NotFound) as caught:
        reader(server).fetch("ZZZZ")
    assert str(caught.value).startswith("Yahoo, ZZZZ: Yahoo says: No data found, symbol may be delisted.")


def test_empty_result_list_is_not_found(server):
    server.serve("yahoo:IWM", fixture("yahoo/yahoo_chart_empty_result.json"))
    with pytest.raises(NotFound, match="no data for this symbol"):
        reader(server).fetch("IWM")


def test_429_then_success_is_retried(server):
    server.fault("yahoo:AAPL", Fault(429, fixture("yahoo/yahoo_429_too_many_requests.txt")))
    assert len(reader(server).fetch("AAPL", D(2020, 8, 31), D(2020, 11, 7))) == 49
    assert [hit.status for hit in server.hits] == [429, 200]


def test_429_every_time_is_rate_limited_after_the_retries(server):
    body = fixture("yahoo/yahoo_429_too_many_requests.txt")
    server.fault("yahoo:AAPL", *[Fault(429, body)] * 3)
    with pytest.raises(RateLimited) as caught:
        reader(server).fetch("AAPL")
    assert "Yahoo, AAPL: answered 429 Too Many Requests (tried 3 times)." in str(caught.value)
    assert len(server.hits) == 3


def test_html_outage_page_with_status_200_is_an_error(server):
    from testkit.vendor_server import YAHOO_OUTAGE_HTML

    server.fault("yahoo:AAPL", Fault(200, YAHOO_OUTAGE_HTML, content_type="text/html"))
    with pytest.raises(BadResponse, match=r"outage page \('Will be right back'\)"):
        reader(server).fetch("AAPL")


def test_out_of_order_or_duplicated_bars_are_rejected(server):
    bar = Bar(D(2024, 7, 8), 1, 1, 1, 202.28, 202.28, 1)
    server.yahoo["IWM"] = [bar, Bar(D(2024, 7, 5), 1, 1, 1, 200.0, 200.0, 1)]
    with pytest.raises(BadResponse, match="out of order"):
        reader(server).fetch("IWM", D(2024, 7, 1), D(2024, 7, 19))
    server.yahoo["IWM"] = [bar, bar]
    with pytest.raises(BadResponse, match="appears twice"):
        reader(server).fetch("IWM", D(2024, 7, 1), D(2024, 7, 19))
