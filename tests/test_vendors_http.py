"""The shared HTTP client against injected faults: retries and backoff, Retry-After, stalls, truncation, size cap,
HTTPS only, per-host pacing, keys that never show up in a message or a log line, and network failures (refused,
unresolved, timed out, cut off) told apart."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import socket
import threading
import time

import pytest

from addin.pipeline.secrets import redact, scrub
from addin.pipeline.vendors import BadResponse, HttpClient, HttpStatusError, RateLimited, VendorUnavailable
from addin.pipeline.vendors.errors import Offline
from addin.pipeline.vendors.fred_api import FredApiReader
from addin.pipeline.vendors.fred_csv import FredCsvReader
from testkit.vendor_server import Fault, VendorServer, fast_settings, fixture

D = dt.date
MODERN = "fred/fredgraph_T10Y2Y_modern_2024-06-27_2024-07-19.csv"
KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def server():
    with VendorServer() as running:
        running.serve("fred:T10Y2Y", fixture(MODERN), content_type="text/csv")
        running.keys["fred"] = KEY
        yield running


def fetch(server: VendorServer, **settings: object) -> list:
    return FredCsvReader(HttpClient(fast_settings(**settings)), base_url=server.url).fetch("T10Y2Y")


def gaps(server: VendorServer) -> list[float]:
    times = sorted(hit.at for hit in server.hits)
    return [b - a for a, b in itertools.pairwise(times)]


def test_500_then_success_returns_the_data(server):
    server.fault("fred:T10Y2Y", Fault(500, b"Internal Server Error"))
    assert len(fetch(server)) == 17
    assert [hit.status for hit in server.hits] == [500, 200]


def test_5xx_every_time_is_vendor_unavailable(server):
    server.fault("fred:T10Y2Y", *[Fault(503, b"Service Unavailable")] * 3)
    with pytest.raises(VendorUnavailable) as caught:
        fetch(server)
    assert "FRED, T10Y2Y: answered HTTP 503 (server error) (tried 3 times)." in str(caught.value)
    assert "try again later" in str(caught.value)


def test_429_with_retry_after_waits_as_asked(server):
    server.fault("fred:T10Y2Y", Fault(429, b"Too Many Requests", headers={"Retry-After": "1"}))
    assert len(fetch(server, max_wait=5.0)) == 17
    assert gaps(server)[0] >= 0.95  # backoff alone would have waited 0.01 s


def test_429_without_retry_after_backs_off_exponentially(server):
    server.fault("fred:T10Y2Y", *[Fault(429, b"Too Many Requests")] * 2)
    assert len(fetch(server, backoff=0.15)) == 17
    first, second = gaps(server)
    assert 0.14 <= first < 0.28 and second >= 0.29  # 0.15 s, then 0.30 s


def test_retry_after_longer_than_we_wait_fails_at_once_with_the_wait_named(server):
    server.fault("fred:T10Y2Y", Fault(429, b"Too Many Requests", headers={"Retry-After": "3600"}))
    with pytest.raises(RateLimited, match="asked us to wait 3600 s; that is longer than we wait"):
        fetch(server)
    assert len(server.hits) == 1


def test_stall_past_the_read_timeout_is_retried(server):
    server.fault("fred:T10Y2Y", Fault(200, stall=0.6))
    started = time.monotonic()
    assert len(fetch(server)) == 17
    assert time.monotonic() - started < 2.0


def test_stall_every_time_is_vendor_unavailable(server):
    server.fault("fred:T10Y2Y", *[Fault(200, stall=0.6)] * 3)
    with pytest.raises(VendorUnavailable, match=r"did not answer within 0.3 s \(tried 3 times\)"):
        fetch(server)


def test_truncated_body_is_retried_then_used_whole(server):
    server.fault("fred:T10Y2Y", Fault(200, truncate=True))
    rows = fetch(server)
    assert len(rows) == 17 and rows[-1] == (D(2024, 7, 19), -0.24)


def test_truncated_every_time_is_an_error_not_half_the_data(server):
    server.fault("fred:T10Y2Y", *[Fault(200, truncate=True)] * 3)
    with pytest.raises(VendorUnavailable, match="cut the download off before the end"):
        fetch(server)


def test_response_over_the_size_cap_is_refused(server):
    with pytest.raises(BadResponse, match="size cap"):
        fetch(server, max_bytes=100)


def test_plain_http_is_refused_except_on_localhost():
    reader = FredCsvReader(HttpClient(fast_settings()), base_url="http://fred.example.org")
    with pytest.raises(HttpStatusError, match="only HTTPS is allowed"):
        reader.fetch("T10Y2Y")


def test_requests_to_one_host_are_paced_even_from_several_threads(server):
    client = HttpClient(fast_settings(pacing={"fred.stlouisfed.org": 0.2}, pacing_scale=1.0))
    reader = FredCsvReader(client, base_url=server.url)
    threads = [threading.Thread(target=reader.fetch, args=("T10Y2Y",)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(server.hits) == 3 and all(gap >= 0.18 for gap in gaps(server))


def test_a_key_in_the_url_never_reaches_the_message_or_the_log(server, caplog):
    server.fault("fred_api:UNRATE", *[Fault(503, b"down")] * 3)
    reader = FredApiReader(HttpClient(fast_settings()), base_url=server.url, key=KEY)
    with caplog.at_level(logging.DEBUG, logger="lazarus.http"), pytest.raises(VendorUnavailable) as caught:
        reader.fetch("UNRATE")
    assert server.hits[0].query["api_key"] == KEY  # it was sent…
    assert KEY not in str(caught.value) and KEY not in repr(caught.value)  # …and never shown
    assert caplog.records and all(KEY not in record.getMessage() for record in caplog.records)
    assert "api_key=****" in caplog.text


def test_scrub_and_redact_hide_keys():
    assert scrub("https://x/?api_key=SECRETVALUE1&id=1") == "https://x/?api_key=****&id=1"
    assert scrub("Authorization: Token abcdefgh12345678") == "Authorization: Token ****"
    assert redact("0123456789abcdef0123456789abcdef") == "****cdef (32 characters)"
    assert redact("short") == "****" and redact(None) == "(not set)"


# Network failures, told apart by exception type ---------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _one_shot_server(answer: bytes, hold: float) -> str:
    """A socket that reads one request, sends ``answer`` (possibly b"" or half a response) and hangs up after
    ``hold`` seconds: the failures the vendor server cannot stage (a stall inside the body, a silent hang-up)."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        with listener, listener.accept()[0] as connection:
            connection.recv(65536)
            connection.sendall(answer)
            time.sleep(hold)

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}/graph/fredgraph.csv"


def _stalled_url(server: VendorServer) -> str:
    server.fault("fred:T10Y2Y", *[Fault(stall=1.0)] * 3)
    return f"{server.url}/graph/fredgraph.csv?id=T10Y2Y"


def _truncated_url(server: VendorServer) -> str:
    server.fault("fred:T10Y2Y", *[Fault(truncate=True)] * 3)
    return f"{server.url}/graph/fredgraph.csv?id=T10Y2Y"


FAILURES = {
    # failure: (how to make it, the problem the message names, whether the host counts as unreachable)
    "connection refused": (lambda s: f"http://127.0.0.1:{_closed_port()}/x", "could not be reached", True),
    "name not resolved": (lambda s: "https://lazarus-test.invalid/x", "could not be reached", True),
    "no answer in the read timeout": (_stalled_url, "did not answer within 0.3 s", False),
    "stall inside the body": (
        lambda s: _one_shot_server(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", 2.0),
        "did not answer in time",
        False,
    ),
    "download cut off": (_truncated_url, "cut the download off before the end", False),
    "hang-up without an answer": (lambda s: _one_shot_server(b"", 0.0), "could not be reached", False),
}


@pytest.mark.parametrize("failure", FAILURES)
def test_network_failures_are_told_apart_by_their_exception_type(server, failure):
    make_url, problem, unreachable = FAILURES[failure]
    if failure == "name not resolved":
        try:
            socket.getaddrinfo("lazarus-test.invalid", 443)
        except socket.gaierror:
            pass
        else:  # pragma: no cover - a resolver that answers for .invalid cannot stage this failure
            pytest.skip("this machine's resolver answers for .invalid names")
    client = HttpClient(fast_settings(retries=0))
    with pytest.raises(VendorUnavailable, match=f"FRED, T10Y2Y: the server {problem}") as caught:
        client.get("FRED", "T10Y2Y", make_url(server), pace_key="first.example")
    assert type(caught.value) is VendorUnavailable and "(tried 1 times)" in str(caught.value)
    # One more host refusing its connection: only two unreachable hosts mean the network is down.
    with pytest.raises(VendorUnavailable, match="could not be reached"):
        client.get("FRED", "T10Y2Y", f"http://127.0.0.1:{_closed_port()}/x", pace_key="second.example")
    assert client.offline is unreachable


def test_once_two_hosts_are_unreachable_they_are_not_retried_and_a_host_that_answers_still_is_asked(server):
    client = HttpClient(fast_settings())
    nowhere = f"http://127.0.0.1:{_closed_port()}/x"
    # An unreachable host gets one retry, not the whole backoff (UNREACHABLE_ATTEMPTS).
    with pytest.raises(VendorUnavailable, match=r"could not be reached \(connection failed\) \(tried 2 times\)"):
        client.get("FRED", "T10Y2Y", nowhere, pace_key="first.example")
    # The second refusal makes two: the network looks down, so no retry waits on it.
    with pytest.raises(Offline, match="not tried: there is no network"):
        client.get("FRED", "T10Y2Y", nowhere, pace_key="second.example")
    assert client.offline
    with pytest.raises(Offline, match="not tried"):
        client.get("FRED", "T10Y2Y", nowhere, pace_key="first.example")
    # A host not known to be unreachable still gets its attempt: a blocked vendor or two never stop the others.
    assert len(FredCsvReader(client, base_url=server.url).fetch("T10Y2Y")) == 17
