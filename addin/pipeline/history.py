"""Where the rows of HISTORY, RELEASES and FIRST_RELEASE come from: the configured store, read only, never a
vendor, cached per series until the store's next refresh.

A sheet with dozens of HISTORY cells recalculates them all at once; each asks the store one cheap question (the
newest refresh-log id) and reuses the series it read before unless a refresh has happened since.
"""

from __future__ import annotations

import datetime as dt
import difflib
import threading
from collections.abc import Callable, Iterable

import numpy as np

from addin.pipeline.store import HistoryStore
from udfs.errors import CellError
from udfs.excel_facts import EXCEL_EPOCH
from udfs.history import Stored, Vintages
from workbook.catalogue import CATALOGUE, Source

_EPOCH_ORDINAL = EXCEL_EPOCH.toordinal()


def _serials(days: Iterable[dt.date]) -> np.ndarray:
    return np.fromiter((day.toordinal() for day in days), float) - _EPOCH_ORDINAL


def _published_days(series: str) -> int:
    """The catalogue's publication delay of `series`; a series only a user's source list names is a Source
    without one (its field's own default), so it is known on its date like a market close."""
    source = next((s for s in CATALOGUE if s.id == series), None)
    return (source or Source(series, (), "", "")).published_days


class StoreHistory:
    """A `udfs.history.Provider` over a store. `opener` opens the store on first use (Excel may load the add-in
    long before anyone asks for a series, and the store may be a server that is not reachable yet)."""

    def __init__(self, opener: Callable[[], HistoryStore]) -> None:
        self._opener = opener
        self._store: HistoryStore | None = None
        self._cache: dict[str, tuple[int, Stored]] = {}
        self._lock = threading.Lock()

    @property
    def store(self) -> HistoryStore:
        if self._store is None:
            self._store = self._opener()
        return self._store

    def __call__(self, series: str) -> Stored:
        series = self._known_id(series)
        stamp = self.store.last_refresh()
        with self._lock:
            cached = self._cache.get(series)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        rows = self.store.read_series(series)
        if not rows:
            self._explain_missing(series)
        serials = _serials(day for day, _ in rows)
        values = np.fromiter((np.nan if value is None else value for _, value in rows), float, len(rows))
        source = next((s for s in CATALOGUE if s.id == series), None)
        # Only series that keep vintages ask for them: a desk's server not yet at the schema with vintages still
        # answers every other series.
        vintages = self.store.read_vintages(series) if source is not None and source.vintages else []
        kept = None
        if vintages:
            kept = Vintages(
                _serials(v.date for v in vintages),
                _serials(v.known_from for v in vintages),
                np.fromiter((np.nan if v.value is None else v.value for v in vintages), float, len(vintages)),
            )
        # Where no vintage was known yet, the publication delay decides what was known that day.
        stored = Stored(serials, values, _published_days(series), kept)
        with self._lock:
            self._cache[series] = (stamp, stored)
        return stored

    def _explain_missing(self, series: str) -> None:
        catalogue = [source.id for source in CATALOGUE]
        if series in catalogue:
            raise CellError(f'"{series}" has no rows in the store yet: press Refresh data (or run `lazarus refresh`)')
        known = sorted(set(catalogue) | set(self.store.series_ids()))
        close = difflib.get_close_matches(series.upper(), known, n=1)
        hint = f'did you mean "{close[0]}"? ' if close else ""
        raise CellError(
            f'no series "{series}" in the store; {hint}to add it, run `lazarus series add {series}` and refresh '
            f"(known: {', '.join(known)})"
        )

    def _known_id(self, series: str) -> str:
        """Series ids are matched without regard to case: HISTORY("iwm") is IWM."""
        if series in self._cache or any(source.id == series for source in CATALOGUE):
            return series
        upper = series.strip().upper()
        if any(source.id == upper for source in CATALOGUE):
            return upper
        return next((known for known in self.store.series_ids() if known.upper() == upper), series)
