"""Refresh's vintage pass: for every source its vendor revises (`Source.vintages`), ask a vendor that serves
vintages (a reader with ``serves_vintages``: the FRED API, through ALFRED's real-time periods) for what was
published since the newest stored vintage, and store what is new.

Only what is new is asked for and kept: the request starts at the newest stored vintage (all of ALFRED's history
the first time), and the store keeps a vintage only where it changes the value known the day before, so a new
release adds one row per new or revised observation, not a copy of the series. Without a FRED key there is no
vintage source (FRED's keyless fredgraph.csv serves today's values only), and an as-of replay of such a series
falls back on its publication delay, as for any series without vintages.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass

from addin.pipeline.secrets import scrub
from addin.pipeline.store import HistoryStore, StoreError
from addin.pipeline.vendors import Reader, VendorError
from workbook.catalogue import Source

__all__ = ["VintageStatus", "refresh_vintages"]


@dataclass(frozen=True)
class VintageStatus:
    """The vintage pass of one source: how many vintages it added, from which vendor, or why none."""

    source_id: str
    ok: bool
    added: int
    vendor: str  # "" when no vendor serves its vintages
    status: str  # "ok …" or what went wrong, in words
    started_at: dt.datetime

    def log_row(self, last_date: dt.date | None) -> tuple[dt.datetime, str, str, int, dt.date | None, str]:
        """Its row of the refresh log (source "<id> vintages")."""
        return (self.started_at, f"{self.source_id} vintages", self.vendor, self.added, last_date, self.status)


def _vintage_reader(source: Source, readers: dict[str, Reader]) -> tuple[Reader, str] | None:
    """The first vendor of the source's chain that serves vintages and has its key, with its symbol."""
    for link in source.chain:
        reader = readers.get(link.vendor)
        if reader is not None and getattr(reader, "serves_vintages", False) and (reader.key or not reader.needs_key):
            return reader, link.symbol
    return None


def refresh_vintages(
    sources: Sequence[Source], store: HistoryStore, readers: dict[str, Reader], deadline: float
) -> list[VintageStatus]:
    """One status per source that keeps vintages; nothing is fetched after `deadline` (time.monotonic())."""
    statuses = []
    for source in sources:
        if not source.vintages:
            continue
        started = dt.datetime.now(dt.UTC)
        found = _vintage_reader(source, readers)
        if found is None:
            statuses.append(
                VintageStatus(
                    source.id,
                    False,
                    0,
                    "",
                    "no vintages: they need a FRED API key (as-of replays use the publication delay meanwhile)",
                    started,
                )
            )
            continue
        reader, symbol = found
        if time.monotonic() > deadline:
            late = "not fetched: the refresh ran out of time"
            statuses.append(VintageStatus(source.id, False, 0, reader.id, late, started))
            continue
        try:
            rows = reader.fetch_vintages(symbol, store.last_vintage(source.id))  # type: ignore[attr-defined]
            added = store.write_vintages(source.id, reader.id, rows)
        except (VendorError, StoreError, ValueError) as exc:
            statuses.append(VintageStatus(source.id, False, 0, reader.id, scrub(str(exc)), started))
            continue
        statuses.append(VintageStatus(source.id, True, added, reader.id, f"ok: {len(rows)} vintage rows read", started))
    return statuses
