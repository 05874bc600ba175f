"""Redirects, followed by the client hop by hop: a key never goes to another origin or over plain HTTP to a host that
is not this computer, a loop stops after a few paced requests, and no redirect body is read, however large or
compressed. "Another host" is a second vendor server on 127.0.0.2 (loopback, but not a name the client trusts with
plain HTTP) or on another port of 127.0.0.1 (another origin)."""

from __future__ import annotations

import datetime as dt
import itertools
import tracemalloc

import pytest

from addin.pipeline.vendors import BadResponse, HttpClient, HttpStatusError
from addin.pipeline.vendors.fred_api import FredApiReader
from addin.pipeline.vendors.fred_csv import FredCsvReader
from addin.pipeline.vendors.stooq import StooqReader
from addin.pipeline.vendors.tiingo import TiingoReader
from testkit.vendor_server import Redirect, VendorServer, fast_settings, fixture, load_newsletter_data

D = dt.date
FRED_KEY = "fredKEY0123456789abcdef01234567"
TIINGO_KEY = "tiingo-0123456789abcdef0123456789abcdef"
STOOQ_KEY = "stooqKEY7f3a9c2e"
MODERN = "fred/fredgraph_T10Y2Y_modern_2024-06-27_2024-07-19.csv"


@pytest.fixture
def vendor():
    with VendorServer() as running:
        load_newsletter_data(running)
        running.keys.update(fred=FRED_KEY, tiingo=TIINGO_KEY, stooq=STOOQ_KEY)
        yield running


@pytest.fixture
def elsewhere():
    """A second server: on 127.0.0.2, which is not a host plain HTTP may go to."""
    with VendorServer(host="127.0.0.2") as running:
        load_newsletter_data(running)
        running.keys.update(fred=FRED_KEY, tiingo=TIINGO_KEY, stooq=STOOQ_KEY)
        yield running


@pytest.fixture
def other_port():
    """A second server on 127.0.0.1: plain HTTP is allowed there, but it is another origin."""
    with VendorServer() as running:
        load_newsletter_data(running)
        running.keys.update(fred=FRED_KEY, tiingo=TIINGO_KEY, stooq=STOOQ_KEY)
        yield running


def client(**settings: object) -> HttpClient:
    return HttpClient(fast_settings(**settings))


def carried_a_key(server: VendorServer) -> list[str]:
    """Every key that reached `server`, in a query or a header."""
    found = []
    for hit in server.hits:
        text = " ".join([*hit.query.values(), *hit.headers.values()])
        found += [key for key in (FRED_KEY, TIINGO_KEY, STOOQ_KEY) if key in text]
    return found


@pytest.mark.parametrize("target", ["elsewhere", "other_port"])
def test_a_redirect_never_carries_the_fred_key_to_another_host(vendor, target, request):
    other = request.getfixturevalue(target)
    vendor.redirect("fred_api:UNRATE", Redirect(f"{other.url}/fred/series/observations?{{query}}"))
    with pytest.raises(HttpStatusError) as caught:
        FredApiReader(client(), base_url=vendor.url, key=FRED_KEY).fetch("UNRATE", D(2020, 1, 1))
    assert other.hits == [] and carried_a_key(other) == []
    assert FRED_KEY not in str(caught.value)
    assert "redirected" in str(caught.value) and "API key" in str(caught.value)


@pytest.mark.parametrize("target", ["elsewhere", "other_port"])
def test_a_redirect_never_carries_a_tiingo_token_header_or_a_stooq_key(vendor, target, request):
    other = request.getfixturevalue(target)
    other.serve("tiingo:GOOGL", fixture("tiingo/tiingo_daily_prices_GOOGL_2015-01-01_05.body.json"))
    vendor.redirect("tiingo:GOOGL", Redirect(f"{other.url}/tiingo/daily/googl/prices?{{query}}", status=307))
    vendor.redirect("stooq:spy.us", Redirect(f"{other.url}/q/d/l/?{{query}}", status=301))
    with pytest.raises(HttpStatusError):
        TiingoReader(client(), base_url=vendor.url, key=TIINGO_KEY).fetch("GOOGL", D(2015, 1, 1))
    with pytest.raises(HttpStatusError):
        StooqReader(client(), base_url=vendor.url, key=STOOQ_KEY).fetch("spy.us", D(2024, 7, 1))
    assert other.hits == [] and carried_a_key(other) == []


def test_a_keyless_redirect_to_plain_http_on_another_host_is_refused(vendor, elsewhere):
    elsewhere.serve("fred:T10Y2Y", fixture(MODERN), content_type="text/csv")
    vendor.redirect("fred:T10Y2Y", Redirect(f"{elsewhere.url}/graph/fredgraph.csv?{{query}}"))
    with pytest.raises(HttpStatusError, match="only HTTPS is allowed"):
        FredCsvReader(client(), base_url=vendor.url).fetch("T10Y2Y")
    assert elsewhere.hits == []


def test_a_keyless_redirect_within_the_rules_is_followed(vendor, other_port):
    other_port.serve("fred:T10Y2Y", fixture(MODERN), content_type="text/csv")
    vendor.redirect("fred:T10Y2Y", Redirect(f"{other_port.url}/graph/fredgraph.csv?{{query}}"))
    rows = FredCsvReader(client(), base_url=vendor.url).fetch("T10Y2Y")
    assert len(rows) == 17 and len(other_port.hits) == 1


def test_a_redirect_with_the_key_on_the_same_origin_is_followed(vendor):
    # A vendor that moved a path on its own host keeps the key: that is where the key was configured for.
    # (the server reads the first series_id, so the moved request asks for UNRATE)
    vendor.redirect("fred_api:OLD", Redirect("/fred/series/observations?series_id=UNRATE&{query}"))
    reader = FredApiReader(client(), base_url=vendor.url, key=FRED_KEY)
    rows = reader.fetch("OLD", D(2020, 1, 1), D(2020, 12, 31))
    assert rows[0] == (D(2020, 1, 1), 3.6) and len(rows) == 12  # tests/data/fred/UNRATE_granite-tsfm.csv


def test_a_redirect_loop_stops_after_a_few_paced_requests(vendor):
    vendor.redirect("fred:T10Y2Y", Redirect("/graph/fredgraph.csv?id=T10Y2Y"))
    http = client(pacing={"127.0.0.1": 0.05}, pacing_scale=1.0)
    with pytest.raises(BadResponse, match="redirected more than 5 times"):
        FredCsvReader(http, base_url=vendor.url).fetch("T10Y2Y")
    hits = vendor.hits_for("fred:T10Y2Y")
    assert len(hits) == 6 == http.requests_made  # the first request and five hops, not retried
    gaps = [b.at - a.at for a, b in itertools.pairwise(hits)]
    assert min(gaps) >= 0.045  # every hop waited its turn at the host


@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
def test_a_redirect_body_is_never_read(vendor, other_port, gzip):
    # 200 MB behind a redirect: requests reads all of it (and inflates the gzip one) before following.
    other_port.serve("fred:T10Y2Y", fixture(MODERN), content_type="text/csv")
    size = 200 * 1024 * 1024
    vendor.redirect("fred:T10Y2Y", Redirect(f"{other_port.url}/graph/fredgraph.csv?{{query}}", 302, size, gzip))
    http = client(max_bytes=1024 * 1024, read_timeout=5.0)
    tracemalloc.start()
    try:
        rows = FredCsvReader(http, base_url=vendor.url).fetch("T10Y2Y")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(rows) == 17
    assert http.bytes_received < 10_000
    assert peak < 8 * 1024 * 1024  # requests held the whole (inflated) body: 200 MB and more
    # What the kernel buffers before the client hangs up is all that leaves the server.
    assert vendor.written < 32 * 1024 * 1024


def test_a_redirect_loop_of_large_bodies_reads_none_of_them(vendor):
    vendor.redirect("fred:T10Y2Y", Redirect("/graph/fredgraph.csv?id=T10Y2Y", 302, 100 * 1024 * 1024))
    http = client(max_bytes=1024 * 1024, read_timeout=5.0)
    with pytest.raises(BadResponse, match="redirected more than"):
        FredCsvReader(http, base_url=vendor.url).fetch("T10Y2Y")
    assert http.bytes_received == 0
    assert vendor.written < 6 * 32 * 1024 * 1024
