"""Tiingo end-of-day prices ``/tiingo/daily/SYMBOL/prices`` (free key, sent as an ``Authorization: Token``
header).

A JSON list of bars with raw ``close`` and split/dividend-adjusted ``adjClose`` side by side. Errors are a
JSON object ``{"detail": "…"}`` (shape unverified: no recorded error body exists).
"""

from __future__ import annotations

import datetime as dt
import json

from addin.pipeline.vendors.base import Observation, Reader, iso_date, sniff_body, validate
from addin.pipeline.vendors.errors import BadResponse, HttpStatusError, KeyRejected, MissingKey, NotFound


def parse(symbol: str, text: str, field: str = "close") -> list[Observation]:
    """Parse Tiingo's JSON price list; ``field`` is "close" (raw) or "adjclose"."""
    try:
        bars = json.loads(text)
    except ValueError:
        raise BadResponse("Tiingo", symbol, "the answer is not JSON.") from None
    if isinstance(bars, dict):
        detail = str(bars.get("detail") or bars)[:120]
        raise NotFound("Tiingo", symbol, f"Tiingo says: {detail}")
    if not isinstance(bars, list):
        raise BadResponse("Tiingo", symbol, "the answer is not a list of prices.")
    name = "adjClose" if field == "adjclose" else "close"
    rows = []
    for bar in bars:
        try:
            value = bar[name]
            rows.append((iso_date("Tiingo", symbol, str(bar["date"])), None if value is None else float(value)))
        except (KeyError, TypeError, ValueError):
            raise BadResponse("Tiingo", symbol, f"a price bar lacks a date or a {name!r} number.") from None
    return validate("Tiingo", symbol, rows)


class TiingoReader(Reader):
    name = "tiingo"
    vendor = "Tiingo"
    default_base_url = "https://api.tiingo.com"
    pace_key = "api.tiingo.com"
    needs_key = True

    def fetch(
        self, symbol: str, start: dt.date | None = None, end: dt.date | None = None, *, field: str = "close"
    ) -> list[Observation]:
        if not self.key:
            raise MissingKey(self.vendor, symbol, "Tiingo needs a free key (LAZARUS_TIINGO_API_KEY).")
        params = {
            "format": "json",
            "resampleFreq": "daily",
            "startDate": (start or dt.date(1900, 1, 1)).isoformat(),
        }
        if end:
            params["endDate"] = end.isoformat()
        headers = {"Authorization": f"Token {self.key}", "Content-Type": "application/json"}
        response = self._get(symbol, f"/tiingo/daily/{symbol.lower()}/prices", params, headers=headers)
        if response.status in (401, 403):
            raise KeyRejected(self.vendor, symbol, "Tiingo refused the configured key.")
        if response.status == 404:
            raise NotFound(self.vendor, symbol, "Tiingo does not know this ticker.")
        if response.status != 200:
            raise HttpStatusError(self.vendor, symbol, f"answered HTTP {response.status}.")
        return parse(symbol, sniff_body(self.vendor, symbol, response, "JSON prices"), field)
