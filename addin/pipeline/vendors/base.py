"""What every reader shares: the observation type, the validation every parsed series passes, body
sniffing, how a vendor's key is set (:class:`KeySetting`), and the :class:`Reader` base that owns the fetch."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from addin.pipeline.secrets import clip
from addin.pipeline.vendors.errors import BadResponse, HttpStatusError, KeyRejected, MissingKey, NotFound

if TYPE_CHECKING:  # the HTTP client (and `requests`) loads only when a refresh makes one, not with the config
    from addin.pipeline.vendors.http import HttpClient, Response

# (date, value); None is the vendor's explicit missing value (FRED's "." or empty field), kept at its date.
Observation = tuple[dt.date, float | None]


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
    vendor: str,
    series: str,
    rows: Iterable[tuple[dt.date, float | None]],
    *,
    newest_first: bool = False,
    keep_missing: bool = True,
) -> list[Observation]:
    """Check a parsed series and return it oldest first.

    Dates must be strictly monotonic in the vendor's documented order (a repeat or a step backwards means a
    broken file, so nothing is used), numbers must be finite, and at least one real value must remain. A missing
    value (None) stays a missing value at its date, so the store and every table show the gap where the vendor
    put it; ``keep_missing=False`` drops them instead (Yahoo's null bars are glitches, not observations).
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
            if keep_missing:
                kept.append((day, None))
            continue
        if not math.isfinite(value):
            raise BadResponse(vendor, series, f"the value for {day.isoformat()} is not a finite number.")
        kept.append((day, float(value)))
    if all(value is None for _, value in kept):
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


def date_range(
    start: dt.date | None, end: dt.date | None, names: tuple[str, str], date_format: str = "%Y-%m-%d"
) -> dict[str, str]:
    """The request parameters `names` = (first, last) for a date range; an open end is left out."""
    return {name: day.strftime(date_format) for name, day in zip(names, (start, end), strict=True) if day}


def iso_date(vendor: str, series: str, text: str) -> dt.date:
    """Parse YYYY-MM-DD (a trailing time such as Tiingo's ``T00:00:00.000Z`` is ignored)."""
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise BadResponse(vendor, series, f"{clip(text.strip(), 40)!r} is not a date.") from None


@dataclass(frozen=True)
class KeySetting:
    """Where a user puts a vendor's API key: ``name`` under ``[keys]`` in the config file, or an environment
    variable. The variables are derived here and nowhere else: ``LAZARUS_<NAME>_API_KEY`` first, then the
    vendor's customary ``<NAME>_API_KEY``, which users of the vendor's own tools often have set already."""

    name: str  # under [keys] in the config file: "fred", "tiingo", …
    label: str  # what the user pastes, as the config file's template says it: "FRED API key", "Tiingo token", …

    @property
    def variables(self) -> tuple[str, ...]:
        """The environment variables that hold the key, the one that wins first."""
        return (f"LAZARUS_{self.name.upper()}_API_KEY", f"{self.name.upper()}_API_KEY")

    @property
    def variable(self) -> str:
        """The variable Lazarus names in its help and messages."""
        return self.variables[0]


class Reader:
    """One vendor behind one small interface, in the shape of pandas-datareader's ``_BaseReader``.

    The base owns the fetch: the key check (:class:`MissingKey` when the vendor needs a key and none is
    configured), the GET through the shared :class:`HttpClient`, the HTTP status (:meth:`raise_for_status`),
    the body sniffing (:func:`sniff_body`) and the parse call. A reader gives its URL :meth:`path`, its
    :meth:`params` (and :meth:`headers`), the words for the data its body should be (``expected``), its parser
    (:meth:`parse_body`) and its own error texts. A reader that needs several requests (Treasury: one file per
    year) or that trims the parsed rows overrides :meth:`read` and builds on :meth:`get` and :meth:`body_text`.

    ``base_url`` comes from the caller (config resolves any override); None means the vendor's real address.

    A reader's class attributes are all Lazarus knows of its vendor: config, the refresh, ``lazarus refresh
    --help`` and the config file's template derive the vendor ids, key names, key variables and pacing from them,
    so a new vendor is one new module added to ``READERS``.
    """

    id: str = ""  # used in source lists, config and store rows: "fred", "yahoo", …
    display_name: str = ""  # shown to users: "FRED", "Yahoo", …
    default_base_url: str = ""
    pace_key: str = ""  # the real host, so pacing holds even when the base URL points elsewhere
    pacing: float = 0.0  # minimum seconds between two requests to ``pace_key``
    key_setting: KeySetting | None = None  # None: the vendor needs no key
    missing_key: str = ""  # the MissingKey text when no key is configured; {variable} names the key's variable
    expected: str = ""  # what the body should be, in sniff_body's words: "a CSV file", "JSON data", …
    key_rejected: str = ""  # the KeyRejected text for HTTP 401/403; "" leaves them to HttpStatusError
    not_found: str = ""  # the NotFound text for HTTP 404; "" leaves it to HttpStatusError

    def __init__(self, client: HttpClient, base_url: str | None = None, key: str | None = None) -> None:
        self.client = client
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.key = key or None

    @property
    def needs_key(self) -> bool:
        return self.key_setting is not None

    def fetch(
        self, symbol: str, start: dt.date | None = None, end: dt.date | None = None, *, field: str = "close"
    ) -> list[Observation]:
        """Observations of ``symbol`` from ``start`` to ``end`` (inclusive; None means the vendor's full
        range)."""
        if self.key_setting is not None and not self.key:
            raise MissingKey(self.display_name, symbol, self.missing_key.format(variable=self.key_setting.variable))
        return self.read(symbol, start, end, field)

    def read(self, symbol: str, start: dt.date | None, end: dt.date | None, field: str) -> list[Observation]:
        """One request, its body parsed. Readers that need more than that override this."""
        response = self.get(symbol, self.path(symbol), self.params(symbol, start, end), self.headers())
        return self.parse_body(symbol, self.body_text(symbol, response), field)

    # What a reader gives.

    def path(self, symbol: str) -> str:
        """The URL path of ``symbol``'s data, after the base URL."""
        raise NotImplementedError

    def params(self, symbol: str, start: dt.date | None, end: dt.date | None) -> Mapping[str, str] | str | None:
        """The query parameters (a mapping, or a ready query string)."""
        return None

    def headers(self) -> Mapping[str, str] | None:
        """Extra request headers (say a key sent as ``Authorization``)."""
        return None

    def parse_body(self, symbol: str, text: str, field: str) -> list[Observation]:
        """The validated observations in a sniffed body."""
        raise NotImplementedError

    def kind(self, field: str) -> str:
        """What this reader's values are for ``field``: 'adjusted' (dividend/split-adjusted prices) or 'raw'.
        Readers whose vendor serves one kind whatever is asked (Stooq: adjusted only) override this."""
        return "adjusted" if field == "adjclose" else "raw"

    # What the base does.

    def get(
        self,
        symbol: str,
        path: str,
        params: Mapping[str, str] | str | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        detail: str = "",
    ) -> Response:
        """GET ``path`` through the shared client (which retries 429 and 5xx) and raise for a status other
        than 200; ``detail`` is added to the status error (say " for 2023")."""
        response = self.client.get(
            self.display_name,
            symbol,
            f"{self.base_url}{path}",
            params,
            headers=headers,
            pace_key=self.pace_key,
            pacing=self.pacing,
            secrets=(self.key,),
        )
        if response.status != 200:
            self.raise_for_status(symbol, response, detail)
        return response

    def raise_for_status(self, symbol: str, response: Response, detail: str = "") -> None:
        """Raise the typed error for a response whose status is not 200. Readers whose vendor puts meaning in
        other statuses or in the error body override this."""
        if response.status in (401, 403) and self.key_rejected:
            raise KeyRejected(self.display_name, symbol, self.key_rejected)
        if response.status == 404 and self.not_found:
            raise NotFound(self.display_name, symbol, self.not_found)
        raise HttpStatusError(self.display_name, symbol, f"answered HTTP {response.status}{detail}.")

    def body_text(self, symbol: str, response: Response) -> str:
        """The body as text, or :class:`BadResponse` when it is plainly not the ``expected`` data."""
        return sniff_body(self.display_name, symbol, response, self.expected)
