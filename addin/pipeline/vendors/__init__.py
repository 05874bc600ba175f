"""Vendor readers: one module per data vendor behind one small interface (:class:`Reader`).

``READERS`` maps the vendor ids used in source lists and config ("fred", "yahoo", …) to reader classes; each
reader class declares everything about its vendor (key setting, pacing, addresses), and everything else derives
from ``READERS``. Every reader fetches through one shared :class:`HttpClient` and returns validated
``(date, value)`` observations, oldest first, or raises a :class:`VendorError` subclass.

The HTTP client (and `requests` behind it) is imported only when first asked for: config reads the readers'
declarations, and the cell functions that load config must not pay for an HTTP stack they never use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from addin.pipeline.vendors.alphavantage import AlphaVantageReader
from addin.pipeline.vendors.base import KeySetting, Observation, Reader
from addin.pipeline.vendors.errors import (
    BadResponse,
    HttpStatusError,
    KeyRejected,
    MissingKey,
    NotFound,
    RateLimited,
    VendorError,
    VendorUnavailable,
)
from addin.pipeline.vendors.fred_api import FredApiReader
from addin.pipeline.vendors.fred_csv import FredCsvReader
from addin.pipeline.vendors.stooq import StooqReader
from addin.pipeline.vendors.tiingo import TiingoReader
from addin.pipeline.vendors.treasury import TreasuryReader
from addin.pipeline.vendors.yahoo import YahooReader

if TYPE_CHECKING:
    from addin.pipeline.vendors.http import HttpClient, HttpSettings

READERS: dict[str, type[Reader]] = {
    reader.id: reader
    for reader in (
        FredCsvReader,
        FredApiReader,
        TreasuryReader,
        YahooReader,
        TiingoReader,
        StooqReader,
        AlphaVantageReader,
    )
}


def key_settings() -> list[KeySetting]:
    """Every vendor key a user can set, once each, in the order of ``READERS``."""
    return list(dict.fromkeys(reader.key_setting for reader in READERS.values() if reader.key_setting))


def __getattr__(name: str) -> Any:
    if name in ("HttpClient", "HttpSettings"):
        from addin.pipeline.vendors import http

        return getattr(http, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "READERS",
    "BadResponse",
    "HttpClient",
    "HttpSettings",
    "HttpStatusError",
    "KeyRejected",
    "KeySetting",
    "MissingKey",
    "NotFound",
    "Observation",
    "RateLimited",
    "Reader",
    "VendorError",
    "VendorUnavailable",
    "key_settings",
]
