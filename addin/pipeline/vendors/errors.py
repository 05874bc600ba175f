"""Typed vendor errors: one class per kind of failure, each message naming the vendor, the series and what
to do.

Every message passes through :func:`~addin.pipeline.secrets.scrub` before it is stored, so an API key that a
vendor echoes back (Alpha Vantage's "We have detected your API key as …") or that sits in a request URL never
reaches a log, a cell or a traceback.
"""

from __future__ import annotations

from addin.pipeline.secrets import scrub


class VendorError(Exception):
    """A vendor could not give us a series. Base class; catch this to handle every vendor failure."""

    #: What a user can do about this kind of failure; subclasses override.
    advice = ""

    def __init__(self, vendor: str, series: str, what: str, advice: str | None = None) -> None:
        self.vendor = vendor
        self.series = series
        self.what = scrub(what)
        hint = self.advice if advice is None else advice
        message = f"{vendor}, {series}: {self.what}"
        if hint:
            message += f" {hint}"
        super().__init__(scrub(message))

    def __str__(self) -> str:
        return str(self.args[0])


class RateLimited(VendorError):
    """The vendor said "too many requests" (HTTP 429, or a 200 body announcing a quota) and retries did not
    help."""

    advice = "The vendor is limiting requests; wait a while and refresh again."


class VendorUnavailable(VendorError):
    """The vendor did not answer usefully: server errors (5xx), timeouts, dropped connections, outage
    pages."""

    advice = "The vendor seems to be down or slow; try again later."


class Offline(VendorUnavailable):
    """No vendor could be reached at all (connections refused, names not resolved): the network is down."""

    advice = "Check the network connection; the stored data is unchanged."


class HttpStatusError(VendorUnavailable):
    """An HTTP status that none of the other errors explains (say a 403 or 410)."""

    advice = ""


class BadResponse(VendorError):
    """The vendor answered, but not with the data we expected: a web page, an instructions text, a
    truncated or empty file, a renamed column, dates out of order or duplicated, numbers that are not
    numbers."""

    advice = "The data was not used; the stored copy is unchanged."


class NotFound(VendorError):
    """The vendor does not know this symbol or series (or has no data in the requested range)."""

    advice = "Check the symbol or series id in the Sources list."


class MissingKey(VendorError):
    """The vendor needs an API key and none is configured."""

    advice = "Add the key to the environment or the Lazarus config file (see `lazarus refresh --help`)."


class KeyRejected(MissingKey):
    """The vendor refused the configured key (not registered, invalid, or revoked)."""

    advice = "Check the key in the environment or the Lazarus config file."
