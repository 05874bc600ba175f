"""Stooq daily CSV ``/q/d/l/?s=spy.us&i=d&d1=YYYYMMDD&d2=YYYYMMDD&apikey=…`` (bring-your-own key since 2026).

Stooq answers HTTP 200 for everything: the key gate's instructions, ``No data`` for an unknown symbol, and a
proof-of-work HTML page for some clients. Only a body whose first line is the price header is data. Its prices
are dividend-adjusted (there is no raw close), whatever ``field`` asks for.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from addin.pipeline.secrets import clip
from addin.pipeline.vendors.base import KeySetting, Observation, Reader, date_range, iso_date, parse_number, validate
from addin.pipeline.vendors.errors import BadResponse, KeyRejected, NotFound

HEADER = ["Date", "Open", "High", "Low", "Close", "Volume"]


def parse(symbol: str, text: str) -> list[Observation]:
    """Parse Stooq's CSV (CRLF, oldest first); plain-text answers become typed errors."""
    first = text.strip().splitlines()[0].strip() if text.strip() else ""
    if first.lower().startswith("no data"):
        raise NotFound("Stooq", symbol, "Stooq answered 'No data' (unknown symbol or no data in the range).")
    if "apikey" in text.lower() or "api key" in text.lower():
        raise KeyRejected("Stooq", symbol, "Stooq answered with its API-key instructions instead of data.")
    rows = list(csv.reader(io.StringIO(text)))
    header = [cell.strip() for cell in rows[0]] if rows else []
    if header[:5] != HEADER[:5]:
        raise BadResponse("Stooq", symbol, f"expected a price CSV, got text starting {clip(first, 60)!r}.")
    parsed = []
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        try:
            parsed.append((iso_date("Stooq", symbol, row[0]), parse_number(row[4])))
        except (IndexError, ValueError):
            raise BadResponse("Stooq", symbol, f"line {number} of the CSV is malformed.") from None
    return validate("Stooq", symbol, parsed)


class StooqReader(Reader):
    id = "stooq"
    display_name = "Stooq"
    default_base_url = "https://stooq.com"
    pace_key = "stooq.com"
    pacing = 1.0
    key_setting = KeySetting("stooq", "Stooq key")
    missing_key = "Stooq needs a key ({variable}) since March 2026."
    expected = "a CSV file"

    def path(self, symbol: str) -> str:
        return "/q/d/l/"

    def params(self, symbol: str, start: dt.date | None, end: dt.date | None) -> dict[str, str]:
        dates = date_range(start, end, ("d1", "d2"), "%Y%m%d")
        return {"s": symbol.lower(), "i": "d", "apikey": self.key or "", **dates}

    def kind(self, field: str) -> str:
        return "adjusted"  # Stooq has no raw close, whatever ``field`` asks for

    def parse_body(self, symbol: str, text: str, field: str) -> list[Observation]:
        return parse(symbol, text)
