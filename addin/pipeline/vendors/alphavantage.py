"""Alpha Vantage ``/query?function=TIME_SERIES_DAILY&symbol=…&apikey=…`` (bring-your-own key, 25 requests a
day).

Every error is HTTP 200 with an ``Information``, ``Note`` or ``Error Message`` key instead of the data. Their
wording changes from one answer to the next (and one variant echoes the key), so errors are recognised by
the key and the vendor's text is never shown unscrubbed. The free tier returns the last 100 days
(``outputsize=compact``).
"""

from __future__ import annotations

import datetime as dt
import json

from addin.pipeline.vendors.base import KeySetting, Observation, Reader, iso_date, parse_number, validate, within
from addin.pipeline.vendors.errors import BadResponse, KeyRejected, NotFound, RateLimited

SERIES_KEY = "Time Series (Daily)"
COMPACT_DAYS = 140  # calendar days safely inside the 100 trading days of a compact answer


# The bar's key for each field Lazarus asks for ("high": the day's intraday high, for bear-market lines).
BAR_KEYS = {"close": "4. close", "high": "2. high"}


def parse(symbol: str, text: str, field: str = "close") -> list[Observation]:
    """Parse a TIME_SERIES_DAILY body (newest first) into (date, close) or (date, high)."""
    try:
        payload = json.loads(text)
    except ValueError:
        raise BadResponse("Alpha Vantage", symbol, "the answer is not JSON.") from None
    if not isinstance(payload, dict):
        raise BadResponse("Alpha Vantage", symbol, "the answer is not Alpha Vantage's JSON.")
    if SERIES_KEY not in payload:
        if "Error Message" in payload:
            if "apikey" in str(payload["Error Message"]).lower():
                raise KeyRejected("Alpha Vantage", symbol, "Alpha Vantage says the API key is invalid or missing.")
            raise NotFound("Alpha Vantage", symbol, "Alpha Vantage rejected the call (unknown symbol?).")
        if "Information" in payload or "Note" in payload:
            message = str(payload.get("Information") or payload.get("Note"))
            if "premium endpoint" in message.lower():
                raise BadResponse("Alpha Vantage", symbol, "this request needs a premium Alpha Vantage plan.")
            raise RateLimited(
                "Alpha Vantage",
                symbol,
                "Alpha Vantage says the key's request quota is used up (25 a day on free keys).",
            )
        raise BadResponse("Alpha Vantage", symbol, f"the answer has no {SERIES_KEY!r} section.")
    key = BAR_KEYS.get(field, BAR_KEYS["close"])
    rows = []
    for day, bar in payload[SERIES_KEY].items():
        try:
            rows.append((iso_date("Alpha Vantage", symbol, day), parse_number(str(bar[key]))))
        except (KeyError, TypeError, ValueError):
            raise BadResponse("Alpha Vantage", symbol, f"the bar for {day} has no {key!r} price.") from None
    rows.sort()  # a JSON object's key order is not a promise; duplicates cannot survive json.loads
    return validate("Alpha Vantage", symbol, rows)


class AlphaVantageReader(Reader):
    id = "alphavantage"
    display_name = "Alpha Vantage"
    default_base_url = "https://www.alphavantage.co"
    pace_key = "www.alphavantage.co"
    pacing = 1.2  # Alpha Vantage allows about 1 request/s on free keys
    key_setting = KeySetting("alphavantage", "Alpha Vantage key")
    missing_key = "Alpha Vantage needs a key ({variable})."
    expected = "JSON data"

    def read(self, symbol: str, start: dt.date | None, end: dt.date | None, field: str) -> list[Observation]:
        # A compact answer holds the last 100 days whatever the range: keep only the range asked for.
        return within(self.display_name, symbol, super().read(symbol, start, end, field), start, end)

    def path(self, symbol: str) -> str:
        return "/query"

    def params(self, symbol: str, start: dt.date | None, end: dt.date | None) -> dict[str, str]:
        recent = start is not None and (dt.date.today() - start).days <= COMPACT_DAYS
        return {
            "function": "TIME_SERIES_DAILY",
            "symbol": symbol,
            "outputsize": "compact" if recent else "full",
            "datatype": "json",
            "apikey": self.key or "",
        }

    def kind(self, field: str) -> str:
        return "raw"  # TIME_SERIES_DAILY's "4. close" is the raw close; adjusted closes are a premium endpoint

    def parse_body(self, symbol: str, text: str, field: str) -> list[Observation]:
        return parse(symbol, text, field)
