"""Where HISTORY's rows come from: the configured store, read only, never a vendor, cached per series until the
store's next refresh.

A sheet with dozens of HISTORY cells recalculates them all at once; each asks the store one cheap question (the
newest refresh-log id) and reuses the series it read before unless a refresh has happened since.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable

import numpy as np

from addin.pipeline.store import HistoryStore
from udfs.errors import CellError
from udfs.excel_facts import EXCEL_EPOCH
from udfs.history import Stored
from workbook.catalogue import CATALOGUE

_EPOCH_ORDINAL = EXCEL_EPOCH.toordinal()


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
        serials = np.fromiter((day.toordinal() for day, _ in rows), float, len(rows)) - _EPOCH_ORDINAL
        values = np.fromiter((np.nan if value is None else value for _, value in rows), float, len(rows))
        source = next((s for s in CATALOGUE if s.id == series), None)
        stored = Stored(serials, values, source.published_days if source is not None else 0)
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
