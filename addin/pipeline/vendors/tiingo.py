"""Tiingo end-of-day prices ``/tiingo/daily/SYMBOL/prices`` (free key, sent as an ``Authorization: Token``
header).

A JSON list of bars with raw ``close`` and split/dividend-adjusted ``adjClose`` side by side. Errors are a
JSON object ``{"detail": "…"}`` (shape unverified: no recorded error body exists).
"""

from __future__ import annotations

import datetime as dt
import json

from addin.pipeline.secrets import clip
from addin.pipeline.vendors.base import KeySetting, Observation, Reader, iso_date, validate
from addin.pipeline.vendors.errors import BadResponse, NotFound


def parse(symbol: str, text: str, field: str = "close") -> list[Observation]:
    """Parse Tiingo's JSON price list; ``field`` is "close" (raw), "adjclose" or "high" (the raw intraday high)."""
    try:
        bars = json.loads(text)
    except ValueError:
        raise BadResponse("Tiingo", symbol, "the answer is not JSON.") from None
    if isinstance(bars, dict):
        detail = clip(str(bars.get("detail") or bars), 120)
        raise NotFound("Tiingo", symbol, f"Tiingo says: {detail}")
    if not isinstance(bars, list):
        raise BadResponse("Tiingo", symbol, "the answer is not a list of prices.")
    name = {"adjclose": "adjClose", "high": "high"}.get(field, "close")
    rows = []
    for bar in bars:
        try:
            value = bar[name]
            rows.append((iso_date("Tiingo", symbol, str(bar["date"])), None if value is None else float(value)))
        except (KeyError, TypeError, ValueError):
            raise BadResponse("Tiingo", symbol, f"a price bar lacks a date or a {name!r} number.") from None
    return validate("Tiingo", symbol, rows)


class TiingoReader(Reader):
    id = "tiingo"
    display_name = "Tiingo"
    default_base_url = "https://api.tiingo.com"
    pace_key = "api.tiingo.com"
    pacing = 1.0
    key_setting = KeySetting("tiingo", "Tiingo token")
    missing_key = "Tiingo needs a free key ({variable})."
    expected = "JSON prices"
    key_rejected = "Tiingo refused the configured key."
    not_found = "Tiingo does not know this ticker."

    def path(self, symbol: str) -> str:
        return f"/tiingo/daily/{symbol.lower()}/prices"

    def params(self, symbol: str, start: dt.date | None, end: dt.date | None) -> dict[str, str]:
        params = {
            "format": "json",
            "resampleFreq": "daily",
            "startDate": (start or dt.date(1900, 1, 1)).isoformat(),
        }
        if end:
            params["endDate"] = end.isoformat()
        return params

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.key}", "Content-Type": "application/json"}

    def parse_body(self, symbol: str, text: str, field: str) -> list[Observation]:
        return parse(symbol, text, field)
