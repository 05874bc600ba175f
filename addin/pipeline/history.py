"""Where HISTORY's rows come from: the configured store, read only, never a vendor, cached per series until the
store's next refresh.

A sheet with dozens of HISTORY cells recalculates them all at once; each asks the store one cheap question (the
newest refresh-log id) and reuses the series it read before unless a refresh has happened since.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from addin.pipeline.store import HistoryStore
from udfs.errors import CellError
from udfs.excel_facts import EXCEL_EPOCH
from udfs.history import Stored
from workbook.catalogue import CATALOGUE, Source

_EPOCH_ORDINAL = EXCEL_EPOCH.toordinal()


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
        stamp = self.store.last_refresh()
        with self._lock:
            cached = self._cache.get(series)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        rows = self.store.read_series(series)
        if not rows:
            self._explain_missing(series)
        serials = np.fromiter((day.toordinal() for day, _ in rows), float, len(rows)) - _EPOCH_ORDINAL
        values = np.fromiter((np.nan if value is None else value for _, value in rows), float, len(rows))
        stored = Stored(serials, values, _published_days(series))
        with self._lock:
            self._cache[series] = (stamp, stored)
        return stored

    def _explain_missing(self, series: str) -> None:
        catalogue = [source.id for source in CATALOGUE]
        if series in catalogue:
            raise CellError(f'"{series}" has no rows in the store yet: press Refresh data (or run `lazarus refresh`)')
        known = sorted(set(catalogue) | set(self.store.series_ids()))
        raise CellError(f'no series "{series}" in the store; known: {", ".join(known)}')
