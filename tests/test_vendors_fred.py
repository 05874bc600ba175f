"""FRED readers against recorded bodies served over real HTTP: both CSV header forms, both missing tokens, the
API's string values and its 400 error bodies."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from addin.pipeline.vendors import BadResponse, HttpClient, KeyRejected, MissingKey, NotFound
from addin.pipeline.vendors.fred_api import FredApiReader
from addin.pipeline.vendors.fred_csv import FredCsvReader
from testkit.vendor_server import Fault, VendorServer, fast_settings, fixture

D = dt.date
KEY = "abcdef0123456789abcdef0123456789"  # a made-up 32-character key


@pytest.fixture
def server():
    with VendorServer() as running:
        running.keys["fred"] = KEY
        yield running


def csv_reader(server: VendorServer) -> FredCsvReader:
    return FredCsvReader(HttpClient(fast_settings()), base_url=server.url)


def test_modern_header_with_empty_missing_value_keeps_july_4_missing_instead_of_zero(server):
    server.serve("fred:T10Y2Y", fixture("fred/fredgraph_T10Y2Y_modern_2024-06-27_2024-07-19.csv"))
    rows = dict(csv_reader(server).fetch("T10Y2Y", D(2024, 6, 27), D(2024, 7, 19)))
    assert rows[D(2024, 7, 4)] is None  # missing stays missing at its date, never 0
    assert rows[D(2024, 7, 3)] == -0.35 and rows[D(2024, 7, 5)] == -0.32
    assert rows[D(2024, 6, 27)] == -0.41 and rows[D(2024, 7, 19)] == -0.24
    assert len(rows) == 17  # 17 dates in the file, one of them missing (kept as None)


def test_legacy_date_header_with_dot_missing_value_keeps_a_real_zero(server):
    server.serve("fred:T10Y2Y", fixture("fred/fredgraph_T10Y2Y_legacy_DATE_dot_2022-06-28_2022-07-08.csv"))
    rows = dict(csv_reader(server).fetch("T10Y2Y"))
    assert rows[D(2022, 7, 4)] is None
    assert rows[D(2022, 7, 5)] == 0.0  # a real 0.0, not a missing value
    assert rows[D(2022, 6, 28)] == 0.1 and rows[D(2022, 7, 8)] == -0.03


def test_weekly_icsa_and_ice_spread_with_its_own_holiday_value(server):
    server.serve("fred:ICSA", fixture("fred/fredgraph_ICSA_modern_tail.csv"))
    server.serve("fred:BAMLH0A0HYM2", fixture("fred/fredgraph_BAMLH0A0HYM2_modern_2024-07-01_10.csv"))
    reader = csv_reader(server)
    assert reader.fetch("ICSA") == [(D(2025, 4, 5), 224000), (D(2025, 4, 12), 216000), (D(2025, 4, 19), 223000),
                                    (D(2025, 4, 26), 241000)]  # fmt: skip
    assert dict(reader.fetch("BAMLH0A0HYM2"))[D(2024, 7, 4)] == 3.25


def test_request_asks_only_for_the_date_range(server):
    server.fred["DGS2"] = [(D(2024, 1, 2), 4.33), (D(2024, 1, 3), 4.33), (D(2024, 1, 4), 4.38)]
    rows = csv_reader(server).fetch("DGS2", D(2024, 1, 3), D(2024, 1, 31))
    assert rows == [(D(2024, 1, 3), 4.33), (D(2024, 1, 4), 4.38)]
    assert server.hits[-1].query == {"id": "DGS2", "cosd": "2024-01-03", "coed": "2024-01-31"}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "came back empty"),
        (b"observation_date,T10Y2Y_PCH\n2024-07-01,-0.29\n", "header changed"),
        (b"observation_date,T10Y2Y\n2024-07-02,-0.31\n2024-07-01,-0.29\n", "out of order"),
        (b"observation_date,T10Y2Y\n2024-07-01,-0.29\n2024-07-01,-0.29\n", "appears twice"),
        (b"observation_date,T10Y2Y\n2024-07-01,-0.29\n2024-07-0", "cut off"),
        (b"observation_date,T10Y2Y\n2024-07-01,abc\n", "not a number"),
        (b"observation_date,T10Y2Y\n2024-07-04,\n", "no observations"),
        (b"<!DOCTYPE html><html><body>Error</body></html>", "web page"),
    ],
    ids=["empty", "renamed-header", "out-of-order", "duplicated", "cut-mid-line", "text-value", "all-missing", "html"],
)
def test_broken_csv_bodies_are_errors_naming_vendor_series_and_problem(server, body, words):
    server.serve("fred:T10Y2Y", body)
    with pytest.raises(BadResponse) as caught:
        csv_reader(server).fetch("T10Y2Y")
    assert str(caught.value).startswith("FRED, T10Y2Y: ")
    assert words in str(caught.value)


def test_unknown_series_is_not_found(server):
    with pytest.raises(NotFound, match="FRED, NOPE: FRED has no series"):
        csv_reader(server).fetch("NOPE")


def test_api_values_are_strings_and_dot_is_missing(server):
    server.serve(
        "fred_api:T10Y3M",
        fixture("fred/fred_api_series_observations_T10Y3M_2023-01-01_2023-06-06.json"),
        content_type="application/json",
    )
    reader = FredApiReader(HttpClient(fast_settings()), base_url=server.url, key=KEY)
    rows = dict(reader.fetch("T10Y3M", D(2023, 1, 1), D(2023, 6, 6)))
    assert rows[D(2023, 1, 2)] is None  # "." in the body
    assert rows[D(2023, 1, 3)] == -0.74 and rows[D(2023, 1, 4)] == -0.86
    observations = json.loads(fixture("fred/fred_api_series_observations_T10Y3M_2023-01-01_2023-06-06.json"))
    assert len(rows) == len(observations["observations"])
    assert sum(value is not None for value in rows.values()) == sum(
        o["value"] != "." for o in observations["observations"]
    )
    assert server.hits[-1].query["api_key"] == KEY and server.hits[-1].query["file_type"] == "json"


def test_api_trimmed_sp500_envelope(server):
    server.serve("fred_api:SP500", fixture("fred/fred_api_series_observations_SP500_TRIMMED.json"))
    reader = FredApiReader(HttpClient(fast_settings()), base_url=server.url, key=KEY)
    rows = reader.fetch("SP500")
    assert rows[0] == (D(2014, 6, 27), 1960.96) and rows[-1] == (D(2024, 6, 26), 5477.9) and len(rows) == 7


@pytest.mark.parametrize(
    ("key", "series", "error", "words"),
    [
        ("ffffffffffffffffffffffffffffffff", "UNRATE", KeyRejected, "does not accept the configured API key"),
        (KEY, "NOPE", NotFound, "series does not exist"),
    ],
)
def test_api_400_bodies_become_typed_errors_without_the_key(server, key, series, error, words):
    reader = FredApiReader(HttpClient(fast_settings()), base_url=server.url, key=key)
    with pytest.raises(error) as caught:
        reader.fetch(series)
    assert words in str(caught.value)
    assert key not in str(caught.value) and key not in repr(caught.value)


def test_api_without_a_key_never_calls_the_server(server):
    with pytest.raises(MissingKey, match="FRED API, UNRATE: the FRED API needs a free key"):
        FredApiReader(HttpClient(fast_settings()), base_url=server.url).fetch("UNRATE")
    assert server.hits == []


def test_api_key_not_set_body_is_missing_key():
    from addin.pipeline.vendors.fred_api import raise_for_error

    with pytest.raises(MissingKey, match="none was sent"):
        raise_for_error("UNRATE", 400, fixture("fred/fred_api_error_400_api_key_not_set.json").decode())


def test_html_outage_with_status_200_is_bad_response_not_data(server):
    server.serve("fred:DGS10", b"ok")
    server.fault("fred:DGS10", Fault(200, b"<html><body>Maintenance</body></html>", content_type="text/html"))
    with pytest.raises(BadResponse, match="web page"):
        csv_reader(server).fetch("DGS10")
