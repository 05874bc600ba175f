"""Vendor readers: one module per data vendor behind one small interface (:class:`Reader`).

``READERS`` maps the vendor ids used in source lists and config ("fred", "yahoo", …) to reader classes. Every
reader fetches through one shared :class:`HttpClient` and returns validated ``(date, value)`` observations,
oldest first, or raises a :class:`VendorError` subclass.
"""

from __future__ import annotations

from addin.pipeline.vendors.alphavantage import AlphaVantageReader
from addin.pipeline.vendors.base import Observation, Reader
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
from addin.pipeline.vendors.http import HttpClient, HttpSettings
from addin.pipeline.vendors.stooq import StooqReader
from addin.pipeline.vendors.tiingo import TiingoReader
from addin.pipeline.vendors.treasury import TreasuryReader
from addin.pipeline.vendors.yahoo import YahooReader

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

# Which API key each vendor uses (the FRED API shares the key name "fred"); keyless vendors are absent.
KEY_NAMES: dict[str, str] = {
    "fred_api": "fred",
    "tiingo": "tiingo",
    "stooq": "stooq",
    "alphavantage": "alphavantage",
}

__all__ = [
    "KEY_NAMES",
    "READERS",
    "BadResponse",
    "HttpClient",
    "HttpSettings",
    "HttpStatusError",
    "KeyRejected",
    "MissingKey",
    "NotFound",
    "Observation",
    "RateLimited",
    "Reader",
    "VendorError",
    "VendorUnavailable",
]
