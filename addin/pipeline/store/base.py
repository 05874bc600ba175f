"""What every history store is, whichever backend holds it: the protocol refresh, the workbook builders and the
ribbon use, the rows a store hands back, its errors, and the two rules both backends share (which observations may be
written, and what a write adds and revises), so the SQLite file and the PostgreSQL server count and revise alike.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import NamedTuple, Protocol

__all__ = [
    "Changes",
    "HistoryStore",
    "KindRow",
    "LogRow",
    "Observation",
    "PendingRevision",
    "ProvenanceRow",
    "Revision",
    "StoreBusy",
    "StoreError",
    "StoreReadOnly",
    "StoredValue",
    "Vintage",
    "WriteResult",
    "changes",
    "check_rows",
    "deletion_log_row",
    "new_vintages",
]

# --- rows: NamedTuples, so callers read fields by name and a row still unpacks and compares like the plain tuple ---


class Observation(NamedTuple):
    """One stored value of a series (`read_series`); None where the vendor said the value is missing."""

    date: dt.date
    value: float | None


class ProvenanceRow(NamedTuple):
    """A stored observation with where and when it came from (`read_rows`)."""

    date: dt.date
    value: float | None
    vendor: str
    fetched_at: str  # ISO UTC timestamp of the fetch that wrote this value


class KindRow(NamedTuple):
    """A stored observation with its vendor and kind (`rows_since`): what refresh checks a new fetch against."""

    date: dt.date
    value: float | None
    vendor: str
    kind: str  # 'raw' or 'adjusted' (dividend/split-adjusted prices)


class Revision(NamedTuple):
    """A stored value that a later fetch changed (`revisions`)."""

    date: dt.date
    old_value: float | None
    new_value: float | None
    fetched_at: str  # of the new value


class LogRow(NamedTuple):
    """One source in one refresh: a row of the refresh log (`read_log`, `append_log`) and of the Log sheet."""

    time: dt.datetime  # the refresh's start for that source, UTC
    source: str
    vendor: str  # "" when every vendor failed
    rows_added: int
    last_date: dt.date | None  # newest stored date after the refresh
    status: str  # "ok" or what went wrong, in words


class Vintage(NamedTuple):
    """One published value of an observation and the day it became known (FRED/ALFRED's ``realtime_start``): it
    holds from that day until the next vintage of the same date (`read_vintages`, `write_vintages`)."""

    date: dt.date
    known_from: dt.date
    value: float | None


class StoredValue(NamedTuple):
    """What a store holds at one date of a series, as `changes` compares a new value with it."""

    value: float | None
    vendor: str
    fetched_at: str


class PendingRevision(NamedTuple):
    """A revision a write is about to record: the stored value it replaces, and the new value."""

    date: dt.date
    old_value: float | None
    old_vendor: str
    old_fetched_at: str
    new_value: float | None


# --- errors -------------------------------------------------------------------------------------------------------


class StoreError(RuntimeError):
    """The store is missing, damaged or cannot be opened or written; the message names it and what to do."""


class StoreBusy(StoreError):
    """Another refresh held the store for longer than the busy timeout; nothing was written."""


class StoreReadOnly(StoreError):
    """This user may read the store but not write it (a read-only role, file or folder)."""


# --- the protocol -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WriteResult:
    """What one `write_series` changed."""

    rows_received: int
    rows_added: int
    rows_revised: int
    last_date: dt.date | None


class HistoryStore(Protocol):
    """What refresh, the workbook builders and the ribbon use; `sqlite.Store` and `postgres.PostgresStore` both are
    one. Every read returns its rows oldest first."""

    location: str  # the file or the URL (password hidden), for messages and the workbook's provenance

    def check(self) -> None:
        """Raise StoreError if the store is damaged, before anything is written or built from it."""
        ...

    def check_writable(self) -> None:
        """Raise StoreReadOnly if this user cannot write, before a refresh starts fetching."""
        ...

    def claim(self, series: str, fresh_seconds: float = 0.0) -> AbstractContextManager[bool]:
        """Hold `series` for one refresh; True when someone else wrote it meanwhile (or less than `fresh_seconds`
        ago), so the caller skips it."""
        ...

    def last_refresh(self) -> int:
        """The newest refresh-log id (0 before the first refresh): what a reader's cache of series checks."""
        ...

    def last_date(self, series: str) -> dt.date | None: ...
    def series_ids(self) -> list[str]: ...
    def kind(self, series: str) -> str | None: ...
    def read_series(self, series: str) -> list[Observation]: ...
    def read_rows(self, series: str) -> list[ProvenanceRow]: ...
    def rows_since(self, series: str, start: dt.date) -> list[KindRow]: ...
    def revisions(self, series: str) -> list[Revision]: ...
    def read_log(self, limit: int = 1000) -> list[LogRow]: ...

    def write_series(
        self,
        series: str,
        vendor: str,
        observations: Iterable[tuple[dt.date, float | None]],
        fetched_at: dt.datetime | None = None,
        kind: str = "raw",
    ) -> WriteResult:
        """Upsert `observations` of `series` in one transaction, all or nothing (see `changes`)."""
        ...

    def append_log(self, rows: Iterable[tuple[dt.datetime, str, str, int, dt.date | None, str]]) -> None:
        """Record one refresh, one `LogRow` (or the same plain tuple) per source, in one transaction."""
        ...

    def remove_outside(self, series: str, first: dt.date, last: dt.date) -> int:
        """Delete the stored observations of `series` dated before `first` or after `last` (a vendor's row dated
        9999-12-31 or 0001-01-01); how many there were."""
        ...

    def delete_series(self, series: str) -> int:
        """Delete everything stored of `series` (observations with their vendor and fetch time, revisions, vintages)
        in one transaction, and log the deletion, so a reader's cache of series (keyed on `last_refresh`) reads
        again; how many rows were deleted. The refresh log's earlier rows stay: they record what happened."""
        ...

    def read_vintages(self, series: str) -> list[Vintage]:
        """Every stored vintage of `series`, by date, then by the day it became known; [] for a series whose
        vintages are not kept."""
        ...

    def last_vintage(self, series: str) -> dt.date | None:
        """The newest `known_from` stored for `series` (None before its first vintage): where the next vintage
        fetch starts."""
        ...

    def write_vintages(
        self, series: str, vendor: str, vintages: Iterable[tuple[dt.date, dt.date, float | None]]
    ) -> int:
        """Add the (date, known_from, value) vintages that say something new (see `new_vintages`), in one
        transaction; the number added."""
        ...


# --- the rules both backends write by -----------------------------------------------------------------------------


def deletion_log_row(series: str, rows: int, at: dt.datetime | None = None) -> LogRow:
    """The refresh-log row `delete_series` adds: the Log sheet shows when a series' history was deleted."""
    return LogRow(at or dt.datetime.now(dt.UTC), series, "", 0, None, f"history deleted ({rows} rows)")


def check_rows(series: str, observations: Iterable[tuple[dt.date, float | None]]) -> list[Observation]:
    """The observations as a list, refused (ValueError) unless dates strictly increase and every value is finite or
    None (the vendor's missing value)."""
    rows = [Observation(day, value) for day, value in observations]
    for previous, row in itertools.pairwise(rows):
        if row.date <= previous.date:
            raise ValueError(f"{series}: dates must be strictly increasing ({row.date} after {previous.date})")
    if any(row.value is not None and not math.isfinite(row.value) for row in rows):
        raise ValueError(f"{series}: refusing to store a value that is not a finite number")
    return rows


@dataclass(frozen=True)
class Changes:
    """What writing observations changes: the rows to write, the revisions to record, how many dates are new."""

    rows: list[Observation]
    revisions: list[PendingRevision]
    added: int


def changes(rows: list[Observation], stored: Mapping[dt.date, StoredValue]) -> Changes:
    """New dates are added, changed values revised, equal values (a missing one included) left alone. `stored` holds
    what the store has at the dates in the rows' range."""
    written, revisions, added = [], [], 0
    for day, value in rows:
        old = stored.get(day)
        if old is None:
            added += 1
        elif old.value != value:
            revisions.append(PendingRevision(day, old.value, old.vendor, old.fetched_at, value))
        else:
            continue
        written.append(Observation(day, None if value is None else float(value)))
    return Changes(written, revisions, added)


def new_vintages(
    series: str, rows: Iterable[tuple[dt.date, dt.date, float | None]], stored: Iterable[Vintage]
) -> list[Vintage]:
    """The vintages among `rows` worth storing: a value is kept only where it differs from the value known the day
    before it (the latest vintage of its date known earlier), so an observation never revised is stored once and
    a vendor that repeats a value (FRED clips a real-time period to the window asked for) adds nothing. Refused
    (ValueError) unless every value is finite or None."""
    timeline: dict[dt.date, dict[dt.date, float | None]] = {}
    for vintage in stored:
        timeline.setdefault(vintage.date, {})[vintage.known_from] = vintage.value
    added: list[Vintage] = []
    for day, known_from, value in sorted(rows, key=lambda row: (row[0], row[1])):
        if value is not None and not math.isfinite(value):
            raise ValueError(f"{series}: refusing to store a vintage that is not a finite number")
        value = None if value is None else float(value)
        known = timeline.setdefault(day, {})
        if known_from in known:
            continue  # this day's vintage is stored already; a vintage is never rewritten
        earlier = [when for when in known if when < known_from]
        if earlier and known[max(earlier)] == value:
            continue
        known[known_from] = value
        added.append(Vintage(day, known_from, value))
    return added
