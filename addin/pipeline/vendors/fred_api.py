"""FRED's keyed API ``/fred/series/observations`` (JSON; every value is a string; ``"."`` is missing).

With ``realtime_start``/``realtime_end`` the same endpoint answers ALFRED's vintages: with the default
``output_type=1`` ("observations by real-time period") each row carries the real-time period in which its value held,
``realtime_start`` being the day it was published (a period is clipped to the window asked for, and the newest one
ends ``9999-12-31``). A page holds at most ``limit=100000`` rows; ``count`` and ``offset`` page through the rest.

Errors come back as HTTP 400 with ``{"error_code":400,"error_message":"Bad Request.  …"}``; the message says
whether the key is unset, unregistered, or the series does not exist, and each maps to its own error type.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import TYPE_CHECKING

from addin.pipeline.secrets import clip
from addin.pipeline.vendors.base import KeySetting, Observation, Reader, date_range, iso_date, parse_number, validate
from addin.pipeline.vendors.errors import BadResponse, HttpStatusError, KeyRejected, MissingKey, NotFound

if TYPE_CHECKING:
    from addin.pipeline.vendors.http import Response


def _payload(series: str, text: str) -> dict:
    """The JSON object of an observations body, with its list of observations; anything else is refused."""
    try:
        payload = json.loads(text)
        if isinstance(payload, dict) and isinstance(payload["observations"], list):
            return payload
    except (ValueError, KeyError, TypeError):
        pass
    raise BadResponse("FRED API", series, "the answer is not FRED's observations JSON.")


def parse(series: str, text: str) -> list[Observation]:
    """Parse an observations JSON body."""
    parsed = []
    for item in _payload(series, text)["observations"]:
        try:
            value = parse_number(str(item["value"]))
        except (KeyError, ValueError):
            raise BadResponse("FRED API", series, f"the value for {item.get('date')} is not a number.") from None
        parsed.append((iso_date("FRED API", series, str(item.get("date", ""))), value))
    return validate("FRED API", series, parsed)


Vintage = tuple[dt.date, dt.date, float | None]  # (date, realtime_start, value)

# FRED's documented bounds of real time: every vintage ALFRED holds lies between them.
REALTIME_FIRST = "1776-07-04"
REALTIME_LAST = "9999-12-31"
PAGE = 100_000  # FRED's largest `limit`


def parse_vintages(series: str, text: str) -> tuple[list[Vintage], int]:
    """The (date, realtime_start, value) rows of one page of a real-time observations body, and FRED's `count` of
    rows in all pages."""
    payload = _payload(series, text)
    observations = payload["observations"]
    try:
        count = int(payload.get("count", len(observations)))
    except (ValueError, TypeError):
        raise BadResponse("FRED API", series, "the answer's count is not a number.") from None
    rows = []
    for item in observations:
        try:
            value = parse_number(str(item["value"]))
            known = item["realtime_start"]
        except (KeyError, ValueError):
            what = f"the vintage of {item.get('date')} has no number or no realtime_start."
            raise BadResponse("FRED API", series, what) from None
        if value is not None and not math.isfinite(value):
            raise BadResponse("FRED API", series, f"the value for {item.get('date')} is not a finite number.")
        day = iso_date("FRED API", series, str(item.get("date", "")))
        rows.append((day, iso_date("FRED API", series, str(known)), value))
    return rows, count


def raise_for_error(series: str, status: int, text: str) -> None:
    """Turn FRED's 400/404 error JSON into the matching typed error."""
    try:
        message = str(json.loads(text).get("error_message", ""))
    except (ValueError, AttributeError):
        message = ""
    lowered = message.lower()
    if "api_key is not set" in lowered:
        raise MissingKey("FRED API", series, "FRED asks for an API key and none was sent.")
    if "api_key" in lowered:
        raise KeyRejected("FRED API", series, "FRED does not accept the configured API key (not registered).")
    if "does not exist" in lowered or status == 404:
        raise NotFound("FRED API", series, "FRED says this series does not exist.")
    detail = f": {clip(message, 120)}" if message else ""
    raise HttpStatusError("FRED API", series, f"answered HTTP {status}{detail}")


class FredApiReader(Reader):
    id = "fred_api"
    display_name = "FRED API"
    default_base_url = "https://api.stlouisfed.org"
    pace_key = "api.stlouisfed.org"
    pacing = 1.0  # FRED enforces about 2 requests/s since 2026 and answers bursts with 429: stay at 1/s
    key_setting = KeySetting("fred", "FRED API key")  # the website export (FredCsvReader) needs none
    missing_key = "the FRED API needs a free key ({variable})."
    expected = "JSON data"
    serves_vintages = True  # ALFRED's real-time periods, through the same key (refresh's vintage pass asks for them)

    def path(self, symbol: str) -> str:
        return "/fred/series/observations"

    def params(self, symbol: str, start: dt.date | None, end: dt.date | None) -> dict[str, str]:
        dates = date_range(start, end, ("observation_start", "observation_end"))
        return {"series_id": symbol, "api_key": self.key or "", "file_type": "json", **dates}

    def raise_for_status(self, symbol: str, response: Response, detail: str = "") -> None:
        raise_for_error(symbol, response.status, response.text)

    def kind(self, field: str) -> str:
        return "raw"  # FRED's values are what they are; ``field`` does not apply

    def parse_body(self, symbol: str, text: str, field: str) -> list[Observation]:
        return parse(symbol, text)

    def fetch_vintages(self, symbol: str, since: dt.date | None = None) -> list[Vintage]:
        """Every (date, realtime_start, value) FRED has published for ``symbol`` from ``since`` on (None: all of
        ALFRED's history), page by page. A value published before ``since`` and still holding comes back with
        ``since`` as its realtime_start (FRED clips periods to the window); the store drops such repeats."""
        if not self.key:
            raise MissingKey(self.display_name, symbol, self.missing_key.format(variable=self.key_setting.variable))
        rows: list[Vintage] = []
        while True:
            params = {
                "series_id": symbol,
                "api_key": self.key,
                "file_type": "json",
                "realtime_start": since.isoformat() if since else REALTIME_FIRST,
                "realtime_end": REALTIME_LAST,
                "limit": str(PAGE),
                "offset": str(len(rows)),
            }
            response = self.get(symbol, self.path(symbol), params, detail=" for its vintages")
            page, count = parse_vintages(symbol, self.body_text(symbol, response))
            rows.extend(page)
            if not page or len(rows) >= count:
                return rows
