"""What every reader shares: the observation type, the validation every parsed series passes, body
sniffing."""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Iterable, Mapping
from typing import Any

from addin.pipeline.vendors.errors import BadResponse, NotFound
from addin.pipeline.vendors.http import HttpClient, Response

Observation = tuple[dt.date, float]


def sniff_body(vendor: str, series: str, response: Response, expected: str) -> str:
    """Return the body as text, or raise :class:`BadResponse` when it is plainly not ``expected`` data.

    Vendors answer outages, captchas and key gates with status 200 and a web page or a paragraph of text;
    those must never be parsed as data.
    """
    text = response.text
    stripped = text.lstrip()
    if not stripped:
        raise BadResponse(vendor, series, f"the {expected} came back empty.")
    head = stripped[:512].lower()
    if head.startswith("<") or "<html" in head or "text/html" in response.content_type:
        title = "a web page"
        if "will be right back" in text.lower():
            title = "an outage page ('Will be right back')"
        raise BadResponse(vendor, series, f"returned {title} instead of {expected}; the vendor may be down.")
    return text


def parse_number(text: str) -> float | None:
    """A vendor's number, or None for its missing-value tokens ('' and '.'). Never turns missing into 0."""
    text = text.strip()
    if text in ("", ".", "null", "NaN", "nan", "N/A"):
        return None
    return float(text)


def validate(
    vendor: str, series: str, rows: Iterable[tuple[dt.date, float | None]], *, newest_first: bool = False
) -> list[Observation]:
    """Check a parsed series and return it oldest first without missing values.

    Dates must be strictly monotonic in the vendor's documented order (a repeat or a step backwards means a
    broken file, so nothing is used), numbers must be finite, and at least one real value must remain.
    """
    rows = list(rows)
    if newest_first:
        rows.reverse()
    previous: dt.date | None = None
    for day, _ in rows:
        if previous is not None and day <= previous:
            what = "a date appears twice" if day == previous else "the dates are out of order"
            raise BadResponse(vendor, series, f"{what} ({day.isoformat()}).")
        previous = day
    kept: list[Observation] = []
    for day, value in rows:
        if value is None:
            continue
        if not math.isfinite(value):
            raise BadResponse(vendor, series, f"the value for {day.isoformat()} is not a finite number.")
        kept.append((day, float(value)))
    if not kept:
        raise BadResponse(vendor, series, "the response holds no observations.", advice="")
    return kept


def within(
    vendor: str, series: str, rows: list[Observation], start: dt.date | None, end: dt.date | None
) -> list[Observation]:
    """Keep the rows from ``start`` to ``end`` (vendors that ignore the range send more); none left is an error."""
    kept = [(day, value) for day, value in rows if (not start or day >= start) and (not end or day <= end)]
    if not kept:
        raise NotFound(vendor, series, "the vendor has no observations in the requested date range.", advice="")
    return kept


def iso_date(vendor: str, series: str, text: str) -> dt.date:
    """Parse YYYY-MM-DD (a trailing time such as Tiingo's ``T00:00:00.000Z`` is ignored)."""
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise BadResponse(vendor, series, f"{text.strip()[:40]!r} is not a date.") from None


class Reader:
    """One vendor behind one small interface: build a request, fetch it through the shared client, parse it.

    Subclasses set the class attributes and implement :meth:`fetch`. ``base_url`` comes from the caller
    (config), else from the environment variable ``LAZARUS_<NAME>_BASE_URL``, else the vendor's real address.
    """

    name: str = ""  # id used in source lists and config: "fred", "yahoo", …
    vendor: str = ""  # name shown to users
    default_base_url: str = ""
    pace_key: str = ""  # the real host, so pacing holds even when the base URL points elsewhere
    needs_key: bool = False

    def __init__(self, client: HttpClient, base_url: str | None = None, key: str | None = None) -> None:
        self.client = client
        env = os.environ.get(f"LAZARUS_{self.name.upper()}_BASE_URL")
        self.base_url = (base_url or env or self.default_base_url).rstrip("/")
        self.key = key or None

    def fetch(
        self, symbol: str, start: dt.date | None = None, end: dt.date | None = None, *, field: str = "close"
    ) -> list[Observation]:
        """Observations of ``symbol`` from ``start`` to ``end`` (inclusive; None means the vendor's full
        range)."""
        raise NotImplementedError

    def _get(self, symbol: str, path: str, params: Mapping[str, str] | str | None = None, **kw: Any) -> Response:
        return self.client.get(
            self.vendor,
            symbol,
            f"{self.base_url}{path}",
            params,
            pace_key=self.pace_key,
            secrets=(self.key,),
            **kw,
        )
