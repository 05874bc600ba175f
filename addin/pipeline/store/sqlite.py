"""The local history store: every observation ever fetched, per series, in one SQLite file.

One row per (series, date) holds the current value, the vendor it came from and when it was fetched; a value
that a later fetch revises is overwritten and the old one kept in ``revisions``; each refresh adds one row per
source to ``refresh_log``. A series is written in one transaction, so a failed refresh leaves the old rows
exactly as they were. WAL mode plus a busy timeout lets two refreshes run at once: one waits for the other's
short write, and if it waits too long it fails with `StoreBusy` without touching anything. What a write adds and
revises, the rows and the errors are `base`'s, shared with the PostgreSQL store.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from addin.pipeline.store.base import (
    KindRow,
    LogRow,
    Observation,
    ProvenanceRow,
    Revision,
    StoreBusy,
    StoredValue,
    StoreError,
    StoreReadOnly,
    Vintage,
    WriteResult,
    changes,
    check_rows,
    deletion_log_row,
    new_vintages,
)

__all__ = ["Store"]

OBSERVATIONS = """
CREATE TABLE IF NOT EXISTS observations (
    series TEXT NOT NULL,
    date TEXT NOT NULL,          -- ISO yyyy-mm-dd
    value REAL,                  -- NULL: the vendor's explicit missing value at this date
    vendor TEXT NOT NULL,
    fetched_at TEXT NOT NULL,    -- ISO UTC timestamp
    kind TEXT NOT NULL DEFAULT 'raw',  -- 'raw' or 'adjusted' (dividend/split-adjusted prices)
    PRIMARY KEY (series, date)
) WITHOUT ROWID;
"""
REVISIONS = """
CREATE TABLE IF NOT EXISTS revisions (
    series TEXT NOT NULL,
    date TEXT NOT NULL,
    old_value REAL,
    old_vendor TEXT NOT NULL,
    old_fetched_at TEXT NOT NULL,
    new_value REAL,
    vendor TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
"""
# Every published value of a revised series with the day it became known (FRED's realtime_start); a value holds
# until the next vintage of its date. Created by IF NOT EXISTS, so an older store gains it on first open.
VINTAGES = """
CREATE TABLE IF NOT EXISTS vintages (
    series TEXT NOT NULL,
    date TEXT NOT NULL,          -- ISO yyyy-mm-dd: the observation's date
    known_from TEXT NOT NULL,    -- ISO yyyy-mm-dd: the day this value was published
    value REAL,                  -- NULL: published as missing
    vendor TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (series, date, known_from)
) WITHOUT ROWID;
"""
SCHEMA = (
    OBSERVATIONS
    + REVISIONS
    + VINTAGES
    + """
CREATE TABLE IF NOT EXISTS refresh_log (
    id INTEGER PRIMARY KEY,
    time TEXT NOT NULL,          -- ISO UTC timestamp of the refresh's start for that source
    source TEXT NOT NULL,
    vendor TEXT NOT NULL,        -- "" when every vendor failed
    rows_added INTEGER NOT NULL,
    last_date TEXT,              -- newest stored date after the refresh
    status TEXT NOT NULL         -- "ok" or what went wrong, in words
);
"""
)


def _migrate(con: sqlite3.Connection) -> None:
    """Bring a store written by an older Lazarus to this schema, keeping every row: values may now be NULL (a
    vendor's missing value) and each observation has a ``kind`` ('raw' for everything stored before)."""
    columns = {row[1]: row[3] for row in con.execute("PRAGMA table_info(observations)")}  # name -> notnull
    if not columns or (columns.get("value") == 0 and "kind" in columns):
        return
    con.execute("BEGIN IMMEDIATE")
    try:
        con.execute("ALTER TABLE observations RENAME TO observations_old")
        con.execute(OBSERVATIONS)
        con.execute(
            "INSERT INTO observations(series, date, value, vendor, fetched_at, kind) "
            f"SELECT series, date, value, vendor, fetched_at, {'kind' if 'kind' in columns else repr('raw')} "
            "FROM observations_old"
        )
        con.execute("DROP TABLE observations_old")
        if con.execute("SELECT 1 FROM sqlite_master WHERE name='revisions'").fetchone():
            con.execute("ALTER TABLE revisions RENAME TO revisions_old")
            con.execute(REVISIONS)
            con.execute("INSERT INTO revisions SELECT * FROM revisions_old")
            con.execute("DROP TABLE revisions_old")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _explain(path: Path, exc: sqlite3.Error) -> str:
    text = str(exc)
    if any(word in text.lower() for word in ("not a database", "malformed", "corrupt")):
        return (
            f"the store {path} is damaged ({text}). It was left as it is: move it away (or put back a backup) and run "
            "`lazarus refresh` to build a fresh store from the vendors."
        )
    if "unable to open" in text.lower() or "readonly" in text.lower() or "read-only" in text.lower():
        return f"cannot open the store {path} ({text}); check that the file and its folder can be read and written."
    return f"the store {path} cannot be used ({text})."


class Store:
    """A SQLite history store. Cheap to create; every call opens its own connection, so threads may share
    it. ``path`` is the SQLite file (callers take it from ``Config.store_path`` or the command line)."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 30.0, read_only: bool = False) -> None:
        """Open (and create or migrate) the store at ``path``. ``read_only`` opens an existing store for reading
        only (a read-only folder is fine; nothing is created or changed). Raises :class:`StoreError` for a
        missing read-only store or a file that is not a usable store."""
        self.path = Path(path)
        self.location = str(self.path)
        self.busy_timeout = busy_timeout
        self.read_only = read_only
        self._immutable = False
        try:
            if read_only:
                if not self.path.is_file():
                    raise StoreError(
                        f"there is no store yet at {self.path}: run `lazarus refresh` first "
                        "(or `lazarus build --offline` for the bundled sample)."
                    )
                with self._connect() as con:
                    con.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._set_up()
        except sqlite3.Error as exc:
            raise StoreError(_explain(self.path, exc)) from None
        except OSError as exc:
            raise StoreError(f"cannot create the store {self.path}: {exc.strerror or exc}.") from None

    def _set_up(self) -> None:
        """WAL mode, migration and tables. Two processes opening a new file at once can find it locked while the
        other switches it to WAL, and SQLite answers that at once instead of waiting: wait here, up to the busy
        timeout."""
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                with self._connect(translate=False) as con:
                    con.execute("PRAGMA journal_mode=WAL")
                    _migrate(con)
                    con.executescript(SCHEMA)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def check(self) -> None:
        """SQLite's quick integrity check: raise :class:`StoreError` (the file untouched) if pages are damaged.
        Run before a refresh writes, so a damaged store is never reported as refreshed."""
        try:
            with self._connect() as con:
                problems = [row[0] for row in con.execute("PRAGMA quick_check(5)")]
        except sqlite3.Error as exc:
            raise StoreError(_explain(self.path, exc)) from None
        if problems != ["ok"]:
            raise StoreError(_explain(self.path, sqlite3.DatabaseError(f"malformed: {'; '.join(problems)[:300]}")))

    def _open(self) -> sqlite3.Connection:
        if not self.read_only:
            return sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        uri = f"{self.path.resolve().as_uri()}?{'immutable=1' if self._immutable else 'mode=ro'}"
        con = sqlite3.connect(uri, uri=True, timeout=self.busy_timeout, isolation_level=None)
        try:
            con.execute("SELECT 1 FROM sqlite_master LIMIT 1")
        except sqlite3.OperationalError:
            # A WAL store in a folder we cannot write: SQLite cannot make its shared-memory file there, so read
            # the file as it is (nobody can be writing to it: the folder is read-only).
            con.close()
            if self._immutable:
                raise
            self._immutable = True
            return self._open()
        return con

    @contextmanager
    def _connect(self, translate: bool = True) -> Iterator[sqlite3.Connection]:
        """A connection for one call. Every sqlite3 error raised while it is open becomes a `StoreError` naming the
        file (`StoreBusy` for a lock held too long), so callers never meet a driver error; ``translate=False`` is for
        the set-up, which waits out a lock itself."""
        try:
            con = self._open()
            try:
                con.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
                yield con
            finally:
                con.close()
        except sqlite3.Error as exc:
            if not translate:
                raise
            if "locked" in str(exc).lower() or "busy" in str(exc).lower():
                raise StoreBusy(f"the store {self.path} is busy (another refresh is writing): {exc}") from None
            raise StoreError(_explain(self.path, exc)) from None

    def check_writable(self) -> None:
        """Raise StoreReadOnly for a store opened read-only; a file this user cannot write fails on its first write,
        naming the file."""
        if self.read_only:
            raise StoreReadOnly(f"the store {self.path} was opened for reading only")

    @contextmanager
    def claim(self, series: str, fresh_seconds: float = 0.0) -> Iterator[bool]:
        """One user per file: no one else refreshes this store's series meanwhile, so never skip."""
        yield False

    def last_refresh(self) -> int:
        """The newest refresh-log id (0 before the first refresh): what a reader's cache of series checks."""
        with self._connect() as con:
            return con.execute("SELECT coalesce(max(id), 0) FROM refresh_log").fetchone()[0]

    def _fetch(self, sql: str, parameters: tuple[object, ...]) -> list[tuple]:
        """Every row one read-only statement returns (the reads share their connection handling and error rules)."""
        with self._connect() as con:
            return con.execute(sql, parameters).fetchall()

    def last_date(self, series: str) -> dt.date | None:
        """The newest stored date of ``series``, or None if nothing is stored."""
        with self._connect() as con:
            (value,) = con.execute("SELECT max(date) FROM observations WHERE series=?", (series,)).fetchone()
        return dt.date.fromisoformat(value) if value else None

    def read_series(self, series: str) -> list[Observation]:
        """All stored observations of ``series``, oldest first; None where the vendor said the value is missing."""
        rows = self._fetch("SELECT date, value FROM observations WHERE series=? ORDER BY date", (series,))
        return [Observation(dt.date.fromisoformat(day), value) for day, value in rows]

    def read_rows(self, series: str) -> list[ProvenanceRow]:
        """Stored observations with their vendor and fetch time, oldest first."""
        rows = self._fetch(
            "SELECT date, value, vendor, fetched_at FROM observations WHERE series=? ORDER BY date",
            (series,),
        )
        return [ProvenanceRow(dt.date.fromisoformat(day), value, vendor, at) for day, value, vendor, at in rows]

    def kind(self, series: str) -> str | None:
        """What the newest stored observation of ``series`` is: 'raw' or 'adjusted' (None if nothing is stored)."""
        with self._connect() as con:
            row = con.execute(
                "SELECT kind FROM observations WHERE series=? ORDER BY date DESC LIMIT 1", (series,)
            ).fetchone()
        return row[0] if row else None

    def rows_since(self, series: str, start: dt.date) -> list[KindRow]:
        """Stored observations of ``series`` from ``start`` on with their vendor and kind, oldest first."""
        rows = self._fetch(
            "SELECT date, value, vendor, kind FROM observations WHERE series=? AND date>=? ORDER BY date",
            (series, start.isoformat()),
        )
        return [KindRow(dt.date.fromisoformat(day), value, vendor, kind) for day, value, vendor, kind in rows]

    def append_log(self, rows: Iterable[tuple[dt.datetime, str, str, int, dt.date | None, str]]) -> None:
        """Record one refresh: (time, source, vendor, rows added, last date, status) per source, in one transaction."""
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            con.executemany(
                "INSERT INTO refresh_log(time, source, vendor, rows_added, last_date, status) VALUES (?,?,?,?,?,?)",
                [
                    (t.isoformat(timespec="seconds"), src, vendor, added, day.isoformat() if day else None, status)
                    for t, src, vendor, added, day, status in rows
                ],
            )
            con.execute("COMMIT")

    def remove_outside(self, series: str, first: dt.date, last: dt.date) -> int:
        """Delete the observations of ``series`` dated before ``first`` or after ``last``; how many there were."""
        with self._connect() as con:
            cursor = con.execute(
                "DELETE FROM observations WHERE series=? AND (date<? OR date>?)",
                (series, first.isoformat(), last.isoformat()),
            )
            return cursor.rowcount

    def delete_series(self, series: str) -> int:
        """Delete the observations, revisions and vintages of ``series`` and log it, in one transaction; how many
        rows were deleted (the log row not counted). Raises StoreReadOnly for a store opened for reading only."""
        self.check_writable()
        with self._connect() as con:
            try:
                con.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreBusy(f"the store {self.path} is busy (another refresh is writing): {exc}") from None
            try:
                deleted = sum(
                    con.execute(f"DELETE FROM {table} WHERE series=?", (series,)).rowcount
                    for table in ("observations", "revisions", "vintages")
                )
                t, source, vendor, added, _, status = deletion_log_row(series, deleted)
                con.execute(
                    "INSERT INTO refresh_log(time, source, vendor, rows_added, last_date, status) VALUES (?,?,?,?,?,?)",
                    (t.isoformat(timespec="seconds"), source, vendor, added, None, status),
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return deleted

    def read_log(self, limit: int = 1000) -> list[LogRow]:
        """The newest `limit` log rows, oldest first (the workbook's Log sheet)."""
        rows = self._fetch(
            "SELECT time, source, vendor, rows_added, last_date, status FROM refresh_log ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [
            LogRow(dt.datetime.fromisoformat(t), source, vendor, added, dt.date.fromisoformat(day) if day else None, ok)
            for t, source, vendor, added, day, ok in reversed(rows)
        ]

    def series_ids(self) -> list[str]:
        """Every series with at least one stored observation."""
        with self._connect() as con:
            return [row[0] for row in con.execute("SELECT DISTINCT series FROM observations ORDER BY series")]

    def revisions(self, series: str) -> list[Revision]:
        """Revised values of ``series``, in the order they were revised."""
        rows = self._fetch(
            "SELECT date, old_value, new_value, fetched_at FROM revisions WHERE series=? ORDER BY rowid",
            (series,),
        )
        return [Revision(dt.date.fromisoformat(day), old, new, at) for day, old, new, at in rows]

    def write_series(
        self,
        series: str,
        vendor: str,
        observations: Iterable[tuple[dt.date, float | None]],
        fetched_at: dt.datetime | None = None,
        kind: str = "raw",
    ) -> WriteResult:
        """Upsert ``observations`` of ``series`` in one transaction; all or nothing.

        New dates are added (a None value is stored as a missing value at its date), changed values are revised
        (the old value goes to ``revisions``), equal values are left alone. Stored dates absent from
        ``observations`` are kept: a vendor that drops old history
        (FRED keeps only ~3 years of the ICE spread) never shortens ours. Raises ValueError for a non-finite
        value or dates not strictly increasing, StoreBusy if another writer holds the store too long.
        """
        rows = check_rows(series, observations)
        stamp = (fetched_at or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
        with self._connect() as con:
            try:
                # IMMEDIATE takes the write lock now, so two refreshes serialise here instead of failing
                # later.
                con.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreBusy(f"the store {self.path} is busy (another refresh is writing): {exc}") from None
            try:
                stored = {}
                if rows:
                    stored = {
                        dt.date.fromisoformat(day): StoredValue(value, who, at)
                        for day, value, who, at in con.execute(
                            "SELECT date, value, vendor, fetched_at FROM observations"
                            " WHERE series=? AND date BETWEEN ? AND ?",
                            (series, rows[0].date.isoformat(), rows[-1].date.isoformat()),
                        )
                    }
                change = changes(rows, stored)
                revised = [
                    (
                        series,
                        r.date.isoformat(),
                        r.old_value,
                        r.old_vendor,
                        r.old_fetched_at,
                        r.new_value,
                        vendor,
                        stamp,
                    )
                    for r in change.revisions
                ]
                con.executemany("INSERT INTO revisions VALUES (?, ?, ?, ?, ?, ?, ?, ?)", revised)
                con.executemany(
                    "INSERT OR REPLACE INTO observations(series, date, value, vendor, fetched_at, kind) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [(series, day.isoformat(), value, vendor, stamp, kind) for day, value in change.rows],
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return WriteResult(len(rows), change.added, len(change.revisions), self.last_date(series))

    def read_vintages(self, series: str) -> list[Vintage]:
        """Every stored vintage of ``series``, by date, then by the day it became known."""
        rows = self._fetch(
            "SELECT date, known_from, value FROM vintages WHERE series=? ORDER BY date, known_from", (series,)
        )
        return [Vintage(dt.date.fromisoformat(day), dt.date.fromisoformat(known), value) for day, known, value in rows]

    def last_vintage(self, series: str) -> dt.date | None:
        """The newest day a stored vintage of ``series`` became known, or None."""
        with self._connect() as con:
            (value,) = con.execute("SELECT max(known_from) FROM vintages WHERE series=?", (series,)).fetchone()
        return dt.date.fromisoformat(value) if value else None

    def write_vintages(
        self, series: str, vendor: str, vintages: Iterable[tuple[dt.date, dt.date, float | None]]
    ) -> int:
        """Add the vintages that say something new (`base.new_vintages`) in one transaction; how many."""
        rows = list(vintages)
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._connect() as con:
            try:
                con.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreBusy(f"the store {self.path} is busy (another refresh is writing): {exc}") from None
            try:
                stored = [
                    Vintage(dt.date.fromisoformat(day), dt.date.fromisoformat(known), value)
                    for day, known, value in con.execute(
                        "SELECT date, known_from, value FROM vintages WHERE series=?", (series,)
                    )
                ]
                added = new_vintages(series, rows, stored)
                con.executemany(
                    "INSERT INTO vintages(series, date, known_from, value, vendor, fetched_at) VALUES (?,?,?,?,?,?)",
                    [(series, v.date.isoformat(), v.known_from.isoformat(), v.value, vendor, stamp) for v in added],
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return len(added)
