"""Yahoo Finance's keyless v8 chart API ``/v8/finance/chart/SYMBOL?period1=…&period2=…&interval=1d``.

Unofficial, personal-use terms, and bursty (429 waves, "No data found" for every ticker, HTML outage
pages), so it is paced and every answer is checked. Bars carry epoch timestamps at the exchange's open;
they are turned into exchange-local dates. Null bars are skipped. ``field="close"`` is the raw close (the
default: adjusted closes drift with the download date), ``field="adjclose"`` the dividend- and
split-adjusted one, ``field="high"`` the raw intraday high (for bear-market lines drawn from it).
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from addin.pipeline.secrets import clip
from addin.pipeline.vendors.base import Observation, Reader, validate, within
from addin.pipeline.vendors.errors import BadResponse, NotFound

if TYPE_CHECKING:
    from addin.pipeline.vendors.http import Response

# Yahoo accepts negative epochs; 1900 is before any series it carries (^GSPC starts in 1927).
EARLIEST = dt.date(1900, 1, 1)


def _epoch(day: dt.date) -> int:
    return calendar.timegm(day.timetuple())


def _local_date(meta: dict[str, Any]) -> Any:
    """A function from epoch seconds to the exchange's calendar date."""
    try:
        zone: dt.tzinfo = ZoneInfo(str(meta["exchangeTimezoneName"]))
    except (KeyError, ZoneInfoNotFoundError, ValueError):
        zone = dt.timezone(dt.timedelta(seconds=int(meta.get("gmtoffset") or 0)))
    return lambda seconds: dt.datetime.fromtimestamp(seconds, zone).date()


def parse(symbol: str, text: str, field: str = "close") -> list[Observation]:
    """Parse a chart JSON body into (date, close), (date, adjclose) or (date, high) observations."""
    try:
        chart = json.loads(text)["chart"]
    except (ValueError, KeyError, TypeError):
        raise BadResponse("Yahoo", symbol, "the answer is not Yahoo's chart JSON.") from None
    error = chart.get("error")
    if error:
        raise NotFound("Yahoo", symbol, f"Yahoo says: {clip(str(error.get('description') or error), 120)}")
    results = chart.get("result") or []
    if not results:
        raise NotFound("Yahoo", symbol, "Yahoo returned no data for this symbol and date range.")
    result = results[0]
    stamps = result.get("timestamp") or []
    indicators = result.get("indicators") or {}
    try:
        if field == "adjclose":
            values = indicators["adjclose"][0]["adjclose"]
        else:
            values = indicators["quote"][0]["high" if field == "high" else "close"]
    except (KeyError, IndexError, TypeError):
        raise BadResponse("Yahoo", symbol, f"the chart has no {field} prices.") from None
    if len(values) != len(stamps):
        raise BadResponse("Yahoo", symbol, "the chart's timestamps and prices do not line up.")
    to_date = _local_date(result.get("meta") or {})
    rows = []
    for stamp, value in zip(stamps, values, strict=True):
        if value is not None and not isinstance(value, int | float):
            raise BadResponse("Yahoo", symbol, f"{clip(str(value), 20)!r} is not a price.")
        rows.append((to_date(int(stamp)), None if value is None else float(value)))
    return validate("Yahoo", symbol, rows, keep_missing=False)


class YahooReader(Reader):
    id = "yahoo"
    display_name = "Yahoo"
    default_base_url = "https://query1.finance.yahoo.com"
    pace_key = "query1.finance.yahoo.com"
    pacing = 1.0  # Yahoo throttles bursty clients hard
    expected = "chart data"

    def read(self, symbol: str, start: dt.date | None, end: dt.date | None, field: str) -> list[Observation]:
        observations = super().read(symbol, start, end, field)
        return within(self.display_name, symbol, observations, start, end or dt.date.today())

    def path(self, symbol: str) -> str:
        return f"/v8/finance/chart/{quote(symbol, safe='')}"

    def params(self, symbol: str, start: dt.date | None, end: dt.date | None) -> dict[str, str]:
        last = end or dt.date.today()
        return {
            "period1": str(_epoch(start or EARLIEST)),
            # period2 is exclusive; the day after `last` includes its bar.
            "period2": str(_epoch(last + dt.timedelta(days=1))),
            "interval": "1d",
            "events": "div|split",
            "includeAdjustedClose": "true",
        }

    def raise_for_status(self, symbol: str, response: Response, detail: str = "") -> None:
        if response.status == 404:
            detail = "No data found, symbol may be delisted" if "No data found" in response.text else "not found"
            raise NotFound(self.display_name, symbol, f"Yahoo says: {detail}.")
        super().raise_for_status(symbol, response, detail)

    def parse_body(self, symbol: str, text: str, field: str) -> list[Observation]:
        return parse(symbol, text, field)
