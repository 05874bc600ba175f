"""A real HTTP server on 127.0.0.1 that answers at each vendor's real paths, with injectable faults.

Bodies are either recorded vendor responses from ``tests/fixtures`` served verbatim, or vendor-format bodies
generated from real data (``tests/data``) that honour the request's date range (``cosd``/``coed`` for FRED,
``period1``/``period2`` for Yahoo), so an incremental refresh really moves fewer bytes.

Redirects (``server.redirect(route, Redirect(…))``) answer every request to a route with a 3xx pointing elsewhere (to
the route itself for a loop, to a second server on 127.0.0.2 for "another host"), with a body as large as asked,
streamed, never held in memory, or a gzip bomb; ``server.written`` counts what really left the server.

Faults are queued per route (``"yahoo:IWM"``, ``"fred:T10Y2Y"``, ``"treasury:2024"``…) and consumed one per
request: a status with a body and headers (429 + Retry-After, 500, an HTML page with 200), a stall longer than
the client's timeout, or a body cut off half-way. Every request is recorded with the bytes sent.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import functools
import json
import threading
import time
import zlib
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

# The recordings and real data stay beside the tests that cite them.
FIXTURES = Path(__file__).parents[1] / "tests" / "fixtures"
DATA = Path(__file__).parents[1] / "tests" / "data"
TREASURY_PREFIX = "/resource-center/data-chart-center/interest-rates/daily-treasury-rates.csv/"

# The HTML page Yahoo shows during outages (yfinance keys off "Will be right back"); not a recording.
YAHOO_OUTAGE_HTML = (
    b"<!DOCTYPE html><html><head><title>Yahoo</title></head><body><h1>Will be right back...</h1>"
    b"<p>Thank you for your patience. Our engineers are working quickly to resolve the issue.</p></body></html>"
)
# Stooq's key gate: no recording exists in the fixtures (see fixtures/SOURCES.md); this paraphrases the
# documented behaviour (HTTP 200, plain-text instructions pointing at get_apikey).
STOOQ_GATE_TEXT = (
    b"Access to this service requires an API key. Get your free apikey at "
    b"https://stooq.com/q/d/?s=spy.us&get_apikey and add &apikey=... to the request.\r\n"
)


def fixture(relative: str) -> bytes:
    return (FIXTURES / relative).read_bytes()


@dataclass
class Fault:
    """One injected answer. ``body=None`` keeps the normal body (useful with ``stall`` or ``truncate``)."""

    status: int = 200
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/plain"
    stall: float = 0.0  # seconds to wait before answering (longer than the client's read timeout = a stall)
    truncate: bool = False  # announce the full Content-Length, send half, close the connection


@dataclass(frozen=True)
class Redirect:
    """Every request to a route answered with ``status`` and ``Location: location``. ``{query}`` in the location is
    replaced by the request's query string (what a vendor that moved would send back). The body is ``body_bytes``
    zero bytes, streamed in chunks and announced in Content-Length, or with ``gzip`` a gzip stream
    that inflates to ``body_bytes`` (built once, about 1 KB per MB)."""

    location: str
    status: int = 302
    body_bytes: int = 0
    gzip: bool = False


@functools.cache
def gzip_zeros(size: int) -> bytes:
    """``size`` zero bytes, gzip-compressed: a decompression bomb of about size/1000 bytes."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    parts = [packer.compress(chunk) for _ in range(size // len(chunk))]
    parts.append(packer.compress(bytes(size % len(chunk))))
    parts.append(packer.flush())
    return b"".join(parts)


@dataclass(frozen=True)
class Bar:
    """One daily price bar (None fields make a Yahoo null bar). Frozen: servers share the bars read once."""

    day: dt.date
    open: float | None
    high: float | None
    low: float | None
    close: float | None
    adjclose: float | None
    volume: int | None


@dataclass(frozen=True)
class Hit:
    route: str
    path: str
    query: dict[str, str]
    status: int
    bytes_sent: int
    at: float  # when the request arrived (monotonic clock)
    headers: dict[str, str]


# --- loading real data --------------------------------------------------------------------------------------


def load_fred_csv(path: Path) -> list[tuple[dt.date, float | None]]:
    """A fredgraph-style CSV (either header) as (date, value or None)."""
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    out = []
    for row in rows[1:]:
        if row:
            value = row[1].strip()
            out.append((dt.date.fromisoformat(row[0]), None if value in ("", ".") else float(value)))
    return out


def load_price_csv(path: Path) -> list[Bar]:
    """A Yahoo-download-style price CSV (Date,Open,High,Low,Close,Adj Close,Volume or the lower-case form)."""
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        out = []
        for row in reader:
            row = {key.strip().lower().replace(" ", "_"): value for key, value in row.items()}
            out.append(
                Bar(
                    dt.date.fromisoformat(row["date"]),
                    float(row["open"]),
                    float(row["high"]),
                    float(row["low"]),
                    float(row["close"]),
                    float(row["adj_close"] if "adj_close" in row else row["adjclose"]),
                    int(float(row["volume"])),
                )
            )
    return out


# --- vendor-format bodies -----------------------------------------------------------------------------------


def fredgraph_body(
    series: str,
    rows: list[tuple[dt.date, float | None]],
    start: str | None,
    end: str | None,
    header: str = "observation_date",
    missing: str = "",
) -> bytes:
    lines = [f"{header},{series}"]
    for day, value in rows:
        iso = day.isoformat()
        if (start and iso < start) or (end and iso > end):
            continue
        lines.append(f"{iso},{missing if value is None else format(value, '.10g')}")
    return ("\n".join(lines) + "\n").encode()


def fred_api_body(series: str, rows: list[tuple[dt.date, float | None]], start: str | None, end: str | None) -> bytes:
    observations = [
        {
            "realtime_start": "2026-11-24",
            "realtime_end": "2026-11-24",
            "date": d.isoformat(),
            "value": format(v, ".10g"),
        }
        if v is not None
        else {"realtime_start": "2026-11-24", "realtime_end": "2026-11-24", "date": d.isoformat(), "value": "."}
        for d, v in rows
        if (not start or d.isoformat() >= start) and (not end or d.isoformat() <= end)
    ]
    payload = {"file_type": "json", "count": len(observations), "observations": observations}
    return json.dumps(payload, separators=(",", ":")).encode()


def _epoch(day: dt.date, hour: int = 14, minute: int = 30) -> int:
    return calendar.timegm(dt.datetime(day.year, day.month, day.day, hour, minute).timetuple())


def yahoo_chart_body(symbol: str, bars: list[Bar], period1: int, period2: int) -> bytes:
    """A v8 chart body in Yahoo's shape; bars stamped at 14:30 UTC (the New York open in winter)."""
    chosen = [bar for bar in bars if period1 <= _epoch(bar.day, 0, 0) < period2]
    meta = {
        "currency": "USD",
        "symbol": symbol,
        "instrumentType": "ETF",
        "gmtoffset": -18000,
        "timezone": "EST",
        "exchangeTimezoneName": "America/New_York",
        "regularMarketPrice": bars[-1].close if bars else None,
        "dataGranularity": "1d",
    }
    result = {
        "meta": meta,
        "timestamp": [_epoch(bar.day) for bar in chosen],
        "indicators": {
            "quote": [
                {
                    "open": [bar.open for bar in chosen],
                    "high": [bar.high for bar in chosen],
                    "low": [bar.low for bar in chosen],
                    "close": [bar.close for bar in chosen],
                    "volume": [bar.volume for bar in chosen],
                }
            ],
            "adjclose": [{"adjclose": [bar.adjclose for bar in chosen]}],
        },
    }
    return json.dumps({"chart": {"result": [result], "error": None}}, separators=(",", ":")).encode()


# --- the server ---------------------------------------------------------------------------------------------


class VendorServer:
    """Start with ``with VendorServer() as server:``; ``server.url`` is the base URL for every vendor."""

    def __init__(self, latency: float = 0.0, host: str = "127.0.0.1") -> None:
        self.host = host  # another loopback address (127.0.0.2) is "another host" to a client
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self.reset(latency)

    def reset(self, latency: float = 0.0) -> None:
        """Back to the state of a new server: no data, served bodies, keys, faults or hits (a running one keeps
        its port). For one server shared by several tests; a request still stalled from an earlier test would
        record its hit after the reset, so tests that inject stalls use a server of their own."""
        with self._lock:
            self.latency = latency
            self.fred: dict[str, list[tuple[dt.date, float | None]]] = {}
            self.fred_header = "observation_date"
            self.fred_missing = ""
            self.yahoo: dict[str, list[Bar]] = {}
            self.treasury: dict[int, bytes] = {}
            self.static: dict[str, tuple[int, bytes, str]] = {}  # route -> (status, body, content type)
            self.keys: dict[str, str] = {}  # vendor -> the only key it accepts
            self.faults: dict[str, deque[Fault]] = defaultdict(deque)
            self.hits: list[Hit] = []
            self.redirects: dict[str, Redirect] = {}
            self.written = 0  # body bytes that really left the server (a client may hang up first)

    # setup helpers
    def fault(self, route: str, *faults: Fault) -> None:
        with self._lock:
            self.faults[route].extend(faults)

    def redirect(self, route: str, redirect: Redirect) -> None:
        with self._lock:
            self.redirects[route] = redirect

    def serve(self, route: str, body: bytes, status: int = 200, content_type: str = "text/plain") -> None:
        self.static[route] = (status, body, content_type)

    def hits_for(self, route: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.route == route]

    @property
    def bytes_sent(self) -> int:
        return sum(hit.bytes_sent for hit in self.hits)

    def base_urls(self) -> dict[str, str]:
        """This server as the base URL of every vendor id Lazarus knows."""
        from addin.pipeline.vendors import READERS

        return dict.fromkeys(READERS, self.url)

    # lifecycle
    def __enter__(self) -> VendorServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server._handle(self)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer((self.host, 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._httpd is not None
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def url(self) -> str:
        assert self._httpd is not None
        return f"http://{self.host}:{self._httpd.server_address[1]}"

    # request handling
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        arrived = time.monotonic()
        parts = urlsplit(request.path)
        query = {key: values[0] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        route, answer = self._answer(parts.path, query, {k: v for k, v in request.headers.items()})
        if route in self.redirects:
            self._redirect(request, route, parts.path, query, arrived, self.redirects[route], parts.query)
            return
        with self._lock:
            fault = self.faults[route].popleft() if self.faults.get(route) else None
        status, body, content_type = answer
        extra: dict[str, str] = {}
        if fault:
            status = fault.status
            if fault.body is not None:
                body, content_type = fault.body, fault.content_type
            extra = fault.headers
            time.sleep(fault.stall)
        time.sleep(self.latency)
        sent = len(body) // 2 if fault and fault.truncate else len(body)
        # Recorded before replying: a client that has its answer must find its request in `hits`.
        with self._lock:
            self.hits.append(Hit(route, parts.path, query, status, sent, arrived, dict(request.headers)))
        try:
            request.send_response(status)
            request.send_header("Content-Type", content_type)
            request.send_header("Content-Length", str(len(body)))
            for name, value in extra.items():
                request.send_header(name, value)
            if fault and fault.truncate:
                request.send_header("Connection", "close")
                request.close_connection = True
            request.end_headers()
            request.wfile.write(body[:sent])
            request.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a stall past its timeout)

    def _redirect(
        self,
        request: BaseHTTPRequestHandler,
        route: str,
        path: str,
        query: dict[str, str],
        arrived: float,
        redirect: Redirect,
        raw_query: str,
    ) -> None:
        body = gzip_zeros(redirect.body_bytes) if redirect.gzip else b""
        length = len(body) if redirect.gzip else redirect.body_bytes
        with self._lock:
            self.hits.append(Hit(route, path, query, redirect.status, length, arrived, dict(request.headers)))
        try:
            request.send_response(redirect.status)
            request.send_header("Location", redirect.location.replace("{query}", raw_query))
            request.send_header("Content-Type", "text/html")
            request.send_header("Content-Length", str(length))
            if redirect.gzip:
                request.send_header("Content-Encoding", "gzip")
            request.end_headers()
            if redirect.gzip:
                request.wfile.write(body)
                self._count(len(body))
                return
            chunk = bytes(1 << 20)
            left = length
            while left > 0:
                piece = chunk[: min(left, len(chunk))]
                request.wfile.write(piece)
                self._count(len(piece))
                left -= len(piece)
            request.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            request.close_connection = True  # the client hung up without reading the body: what it should do

    def _count(self, size: int) -> None:
        with self._lock:
            self.written += size

    def _answer(self, path: str, q: dict[str, str], headers: dict[str, str]) -> tuple[str, tuple[int, bytes, str]]:
        """(route, (status, body, content type)) of the normal, fault-free answer."""
        if path == "/graph/fredgraph.csv":
            series = q.get("id", "")
            route = f"fred:{series}"
            if route in self.static:
                return route, self.static[route]
            if series in self.fred:
                body = fredgraph_body(
                    series, self.fred[series], q.get("cosd"), q.get("coed"), self.fred_header, self.fred_missing
                )
                return route, (200, body, "text/csv")
            return route, (404, b"<html><body>Series not found</body></html>", "text/html")
        if path == "/fred/series/observations":
            series = q.get("series_id", "")
            route = f"fred_api:{series}"
            if not q.get("api_key"):
                return route, (400, fixture("fred/fred_api_error_400_api_key_not_set.json"), "application/json")
            if q["api_key"] != self.keys.get("fred"):
                return route, (
                    400,
                    fixture("fred/fred_api_error_400_api_key_not_registered.json"),
                    "application/json",
                )
            if route in self.static:
                return route, self.static[route]
            if series in self.fred:
                body = fred_api_body(series, self.fred[series], q.get("observation_start"), q.get("observation_end"))
                return route, (200, body, "application/json; charset=UTF-8")
            return route, (400, fixture("fred/fred_api_error_400_series_does_not_exist.json"), "application/json")
        if path.startswith(TREASURY_PREFIX):
            year = path[len(TREASURY_PREFIX) :].split("/")[0]
            route = f"treasury:{year}"
            body = self.treasury.get(int(year), b"") if year.isdigit() else b""
            return route, (200, body, "text/csv")
        if path.startswith("/v8/finance/chart/"):
            symbol = unquote(path.rsplit("/", 1)[1])
            route = f"yahoo:{symbol}"
            if route in self.static:
                return route, self.static[route]
            if symbol in self.yahoo:
                body = yahoo_chart_body(symbol, self.yahoo[symbol], int(q["period1"]), int(q["period2"]))
                return route, (200, body, "application/json;charset=utf-8")
            return route, (404, fixture("yahoo/yahoo_chart_error_404_not_found.json"), "application/json")
        if path.startswith("/tiingo/daily/"):
            symbol = path.split("/")[3].upper()
            route = f"tiingo:{symbol}"
            if headers.get("Authorization") != f"Token {self.keys.get('tiingo')}":
                return route, (401, b'{"detail":"Invalid token."}', "application/json")
            return route, self.static.get(route, (404, b'{"detail":"Not found."}', "application/json"))
        if path == "/q/d/l/":
            symbol = q.get("s", "")
            route = f"stooq:{symbol}"
            if q.get("apikey") != self.keys.get("stooq"):
                return route, (200, STOOQ_GATE_TEXT, "text/plain")
            return route, self.static.get(route, (200, fixture("stooq/stooq_no_data_body.txt"), "text/plain"))
        if path == "/query":
            symbol = q.get("symbol", "")
            route = f"alphavantage:{symbol}"
            return route, self.static.get(
                route, (200, fixture("alphavantage/av_error_invalid_api_call.json"), "application/json")
            )
        return "unknown", (404, b"not found", "text/plain")


# --- the newsletter's sources from real data -------------------------------------------------------------


def load_newsletter_data(server: VendorServer) -> None:
    """Fill ``server`` with real histories for every default source (see tests/data/SOURCES.md).

    ^RUT and ^GSPC have no real history in the repo, so the independent legacy IWM and SPY downloads
    (xjcarter/data, 2000–2022) stand in for them: real bars of realistic size, under the index symbols.
    T10Y3M comes from the recorded FRED API body (2023-01..06) and BAMLH0A0HYM2 from its fredgraph excerpt.
    The files are read once per process; each server gets its own lists, so a test may replace or edit them.
    """
    yahoo, fred = _newsletter_histories()
    server.yahoo.update((symbol, list(bars)) for symbol, bars in yahoo.items())
    server.fred.update((series, list(rows)) for series, rows in fred.items())


@functools.cache
def _newsletter_histories() -> tuple[dict[str, tuple[Bar, ...]], dict[str, tuple[tuple[dt.date, float | None], ...]]]:
    prices = DATA / "prices"
    yahoo = {
        "IWM": load_price_csv(prices / "IWM_chenc319-Silverlight.csv"),
        "SPY": load_price_csv(prices / "SPY_chenc319-Silverlight.csv"),
        "IWC": load_price_csv(prices / "IWC_2024_alm0421.csv"),
        "MDY": load_price_csv(prices / "legacy_2000_2022" / "MDY_xjcarter-data.csv"),
        "XLF": load_price_csv(prices / "XLF_chenc319-Silverlight.csv"),
        "XLRE": load_price_csv(prices / "XLRE_chenc319-Silverlight.csv"),
        "IYR": load_price_csv(prices / "IYR_taeheon-kong-etf-app.csv"),
        "RSP": load_price_csv(prices / "RSP_taeheon-kong-etf-app.csv"),
        "^RUT": load_price_csv(prices / "legacy_2000_2022" / "IWM_xjcarter-data.csv"),
        "^GSPC": load_price_csv(prices / "legacy_2000_2022" / "SPY_xjcarter-data.csv"),
    }
    fred_dir = DATA / "fred"
    fred = {
        "T10Y2Y": load_fred_csv(fred_dir / "T10Y2Y_qie2003.csv"),
        "DGS10": load_fred_csv(fred_dir / "DGS10_qie2003.csv"),
        "DGS2": load_fred_csv(fred_dir / "DGS2_matemadrigal.csv"),
        "UNRATE": load_fred_csv(fred_dir / "UNRATE_granite-tsfm.csv"),
        "ICSA": load_fred_csv(fred_dir / "ICSA_rellethy.csv"),
        "DFF": load_fred_csv(fred_dir / "DFF_RayaneTroudi.csv"),
        "DFEDTAR": load_fred_csv(fred_dir / "DFEDTAR_mihikabairathi.csv"),
        "DFEDTARU": load_fred_csv(fred_dir / "DFEDTARU_mihikabairathi.csv"),
        "FEDFUNDS": load_fred_csv(fred_dir / "FEDFUNDS_taeheon-kong-etf-app.csv"),
        "HOUST": load_fred_csv(fred_dir / "HOUST_legacyformat_Engineer194.csv"),
        "TTLCONS": load_fred_csv(fred_dir / "TTLCONS_Tommy-Nguyen-Stonera.csv"),
        "BAMLH0A0HYM2": load_fred_csv(FIXTURES / "fred" / "fredgraph_BAMLH0A0HYM2_modern_2024-07-01_10.csv"),
    }
    api = json.loads(fixture("fred/fred_api_series_observations_T10Y3M_2023-01-01_2023-06-06.json"))
    fred["T10Y3M"] = [
        (dt.date.fromisoformat(o["date"]), None if o["value"] == "." else float(o["value"]))
        for o in api["observations"]
    ]
    # Tuples of frozen bars and tuples: the copy read once cannot be changed by accident.
    return (
        {symbol: tuple(bars) for symbol, bars in yahoo.items()},
        {series: tuple(rows) for series, rows in fred.items()},
    )


def fast_settings(**overrides: object):
    """Client settings for tests: tiny timeouts and backoff, no pacing unless a test asks for it."""
    from addin.pipeline.vendors.http import HttpSettings

    values: dict = {
        "connect_timeout": 1.0,
        "read_timeout": 0.3,
        "retries": 2,
        "backoff": 0.01,
        "max_wait": 1.0,
        "pacing_scale": 0.0,
    }
    values.update(overrides)
    return HttpSettings(**values)
