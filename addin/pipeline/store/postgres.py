"""The shared history store: the same observations, revisions and refresh log as the SQLite store, on a PostgreSQL
server a desk shares (psycopg 3).

Same semantics as the SQLite store (`sqlite.Store`), written by the same rules (`base.changes`, `base.check_rows`):
one row per (series, date) with its vendor and fetch time, revised values kept in ``revisions``, one transaction per
series. What a server adds:
- a versioned schema (``lazarus_schema``), created by `lazarus store init`, never implicitly by a reader;
- a per-series advisory lock (`claim`), so two analysts refreshing at once fetch each series once: the second waits
  for the first and then skips the series, which the first has just written;
- read-only roles: every read works with SELECT alone; a write says the role cannot write.
The connection URL may leave out what libpq finds itself (PGHOST, PGUSER, PGPASSWORD, ``~/.pgpass``); a password in
the URL (``user:password@`` or a ``?password=`` parameter, as libpq accepts both) or in PGPASSWORD is registered as a
secret, so no message, log or workbook ever shows it, and every driver error becomes a `StoreError` in words.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import psycopg
from psycopg import errors as pg_errors

from addin.pipeline.secrets import register_secret, scrub
from addin.pipeline.store.base import (
    KindRow,
    LogRow,
    Observation,
    ProvenanceRow,
    Revision,
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

__all__ = ["SCHEMA_VERSION", "PostgresStore", "describe_url"]

SCHEMA_VERSION = 2

# Version 2 (version 1 plus MIGRATIONS[2]). `init` creates it whole, or applies the missing migrations in order.
SCHEMA = """
CREATE TABLE lazarus_schema (version INTEGER NOT NULL);
CREATE TABLE observations (
    series TEXT NOT NULL,
    date DATE NOT NULL,
    value DOUBLE PRECISION,
    vendor TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'raw',
    PRIMARY KEY (series, date)
);
CREATE TABLE revisions (
    id BIGSERIAL PRIMARY KEY,
    series TEXT NOT NULL,
    date DATE NOT NULL,
    old_value DOUBLE PRECISION,
    old_vendor TEXT NOT NULL,
    old_fetched_at TEXT NOT NULL,
    new_value DOUBLE PRECISION,
    vendor TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
CREATE INDEX revisions_series ON revisions (series);
CREATE TABLE refresh_log (
    id BIGSERIAL PRIMARY KEY,
    time TEXT NOT NULL,
    source TEXT NOT NULL,
    vendor TEXT NOT NULL,
    rows_added INTEGER NOT NULL,
    last_date DATE,
    status TEXT NOT NULL
);
CREATE TABLE refreshed (series TEXT PRIMARY KEY, at TIMESTAMPTZ NOT NULL);
"""
# Every published value of a revised series with the day it became known (FRED's realtime_start).
VINTAGES = """
CREATE TABLE vintages (
    series TEXT NOT NULL,
    date DATE NOT NULL,
    known_from DATE NOT NULL,
    value DOUBLE PRECISION,
    vendor TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (series, date, known_from)
);
"""
SCHEMA += VINTAGES
MIGRATIONS = {2: VINTAGES}  # version -> what brings the version before it there

_LOCK_SPACE = 7_460_001  # first key of pg_advisory_lock(int, int): Lazarus' own, clear of other applications'


def _passwords(url: str) -> list[str]:
    """Every password `url` carries, as written in it: the userinfo's and any ``password=`` parameter's."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    userinfo, at, _ = parts.netloc.rpartition("@")
    found = [userinfo.partition(":")[2]] if at and ":" in userinfo else []
    found += [value for name, value in parse_qsl(parts.query, keep_blank_values=True) if name.lower() == "password"]
    found += [item.partition("=")[2] for item in parts.query.split("&") if item.lower().startswith("password=")]
    return [password for password in found if password]


def describe_url(url: str) -> str:
    """The URL as it may be shown: a password, in the userinfo or a ``password=`` parameter, replaced by ****."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(a PostgreSQL URL that cannot be read)"
    userinfo, at, host = parts.netloc.rpartition("@")
    netloc = f"{userinfo.partition(':')[0]}:****@{host}" if at and ":" in userinfo else parts.netloc
    query = "&".join(
        f"{item.partition('=')[0]}=****" if item.lower().startswith("password=") else item
        for item in parts.query.split("&")
    )
    return scrub(urlunsplit(parts._replace(netloc=netloc, query=query)))


class PostgresStore:
    """A history store on a PostgreSQL server. One connection per thread, opened on first use."""

    def __init__(self, url: str, *, connect_timeout: float = 10.0, check_schema: bool = True) -> None:
        self.url = url
        for password in (*_passwords(url), os.environ.get("PGPASSWORD")):
            register_secret(password)  # before anything can quote it: a bad URL's error echoes it
        self.location = describe_url(url)
        self.connect_timeout = connect_timeout
        self._local = threading.local()
        if check_schema:
            self._check_schema()

    # --- connections and errors ----------------------------------------------------------------------------

    def _connection(self) -> psycopg.Connection:
        con = getattr(self._local, "con", None)
        if con is None or con.closed:
            try:
                con = psycopg.connect(self.url, autocommit=True, connect_timeout=int(self.connect_timeout))
            except (psycopg.Error, ValueError) as exc:  # unreachable, refused, or a URL libpq cannot read
                raise StoreError(f"cannot reach the store {self.location}: {_first_line(exc)}") from None
            self._local.con = con
        return con

    @contextmanager
    def _cursor(self, action: str) -> Iterator[psycopg.Cursor]:
        try:
            with self._connection().cursor() as cur:
                yield cur
        except pg_errors.InsufficientPrivilege as exc:
            raise StoreReadOnly(
                f"the store {self.location} does not let this user write ({_first_line(exc)}): {action} needs a "
                "role that can write; building workbooks works as is"
            ) from None
        except pg_errors.UndefinedTable:
            raise StoreError(f"the store {self.location} has no Lazarus tables: run `lazarus store init`") from None
        except psycopg.OperationalError as exc:
            self._local.con = None  # the server went away: the next call reconnects
            raise StoreError(f"the store {self.location} failed while {action}: {_first_line(exc)}") from None
        except psycopg.Error as exc:  # say a NUL in a series id (DataError): that call fails, the store goes on
            raise StoreError(f"the store {self.location} refused {action}: {_first_line(exc)}") from None

    def close(self) -> None:
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None

    # --- schema -------------------------------------------------------------------------------------------

    def schema_version(self) -> int | None:
        """The schema version on the server, or None when Lazarus' tables are not there yet."""
        with self._cursor("reading the schema version") as cur:
            cur.execute("SELECT to_regclass('lazarus_schema') IS NOT NULL")
            if not cur.fetchone()[0]:
                return None
            cur.execute("SELECT max(version) FROM lazarus_schema")
            return cur.fetchone()[0]

    def _check_schema(self) -> None:
        version = self.schema_version()
        if version is None:
            raise StoreError(f"the store {self.location} has no Lazarus tables yet: run `lazarus store init`")
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the store {self.location} has schema version {version}, newer than this Lazarus knows "
                f"({SCHEMA_VERSION}): update Lazarus"
            )

    def init(self) -> str:
        """Create the schema if it is missing; say what was done. Safe to run again."""
        version = self.schema_version()
        if version == SCHEMA_VERSION:
            return f"the store {self.location} already has schema version {version}"
        if version is not None and version > SCHEMA_VERSION:
            raise StoreError(f"the store {self.location} has schema version {version}; this Lazarus has no migration")
        con = self._connection()
        try:
            with con.transaction(), con.cursor() as cur:
                if version is None:
                    cur.execute(SCHEMA)
                else:
                    for step in range(version + 1, SCHEMA_VERSION + 1):
                        cur.execute(MIGRATIONS[step])
                cur.execute("INSERT INTO lazarus_schema VALUES (%s)", (SCHEMA_VERSION,))
        except pg_errors.InsufficientPrivilege as exc:
            raise StoreReadOnly(f"cannot create tables in {self.location}: {_first_line(exc)}") from None
        except psycopg.Error as exc:
            raise StoreError(f"cannot create the tables in {self.location}: {_first_line(exc)}") from None
        if version is not None:
            return f"brought the store {self.location} from schema version {version} to {SCHEMA_VERSION}"
        return f"created the Lazarus tables (schema version {SCHEMA_VERSION}) in {self.location}"

    # --- reads: SELECT only -------------------------------------------------------------------------------

    def last_refresh(self) -> int:
        with self._cursor("reading the refresh log") as cur:
            cur.execute("SELECT coalesce(max(id), 0) FROM refresh_log")
            return cur.fetchone()[0]

    def last_date(self, series: str) -> dt.date | None:
        with self._cursor(f"reading {series}") as cur:
            cur.execute("SELECT max(date) FROM observations WHERE series = %s", (series,))
            return cur.fetchone()[0]

    def read_series(self, series: str) -> list[Observation]:
        with self._cursor(f"reading {series}") as cur:
            cur.execute("SELECT date, value FROM observations WHERE series = %s ORDER BY date", (series,))
            return [Observation(day, value) for day, value in cur.fetchall()]

    def read_rows(self, series: str) -> list[ProvenanceRow]:
        with self._cursor(f"reading {series}") as cur:
            cur.execute(
                "SELECT date, value, vendor, fetched_at FROM observations WHERE series = %s ORDER BY date", (series,)
            )
            return [ProvenanceRow(*row) for row in cur.fetchall()]

    def read_log(self, limit: int = 1000) -> list[LogRow]:
        with self._cursor("reading the refresh log") as cur:
            cur.execute(
                "SELECT time, source, vendor, rows_added, last_date, status FROM refresh_log ORDER BY id DESC LIMIT %s",
                (limit,),
            )
            rows = cur.fetchall()
        return [LogRow(dt.datetime.fromisoformat(t), *rest) for t, *rest in reversed(rows)]

    def series_ids(self) -> list[str]:
        with self._cursor("listing the series") as cur:
            cur.execute("SELECT DISTINCT series FROM observations ORDER BY series")
            return [row[0] for row in cur.fetchall()]

    def revisions(self, series: str) -> list[Revision]:
        with self._cursor(f"reading the revisions of {series}") as cur:
            cur.execute(
                "SELECT date, old_value, new_value, fetched_at FROM revisions WHERE series = %s ORDER BY id", (series,)
            )
            return [Revision(*row) for row in cur.fetchall()]

    # --- writes -------------------------------------------------------------------------------------------

    def check(self) -> None:
        """The server keeps its own pages whole; only the schema is checked, when the store is opened."""

    def kind(self, series: str) -> str | None:
        """'raw' or 'adjusted': what the newest stored observation of `series` is (None if nothing is stored)."""
        with self._cursor(f"reading {series}") as cur:
            cur.execute("SELECT kind FROM observations WHERE series = %s ORDER BY date DESC LIMIT 1", (series,))
            row = cur.fetchone()
        return row[0] if row else None

    def rows_since(self, series: str, start: dt.date) -> list[KindRow]:
        """Stored observations of `series` from `start` on with their vendor and kind, oldest first."""
        with self._cursor(f"reading {series}") as cur:
            cur.execute(
                "SELECT date, value, vendor, kind FROM observations WHERE series = %s AND date >= %s ORDER BY date",
                (series, start),
            )
            return [KindRow(*row) for row in cur.fetchall()]

    def check_writable(self) -> None:
        """Raise StoreReadOnly before a refresh starts fetching, rather than after the first download."""
        with self._cursor("checking write access") as cur:
            cur.execute(
                "SELECT has_table_privilege('observations', 'INSERT') AND has_table_privilege('refresh_log', 'INSERT')"
            )
            if not cur.fetchone()[0]:
                raise StoreReadOnly(
                    f"the store {self.location} is read-only for this user: `lazarus refresh` needs a role that can "
                    "write (ask whoever runs the desk's refresh); `lazarus build` and the cell functions work as is"
                )

    @contextmanager
    def claim(self, series: str, fresh_seconds: float = 0.0) -> Iterator[bool]:
        """Hold `series` for one refresh. Yields True when another user wrote it while this one waited for the lock,
        or less than `fresh_seconds` ago, so the caller skips it instead of fetching it a second time."""
        con = self._connection()
        with self._cursor(f"locking {series}") as cur:
            cur.execute("SELECT clock_timestamp()")  # the server's clock: client clocks may differ
            (waited_from,) = cur.fetchone()
            cur.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (_LOCK_SPACE, series))
        try:
            with self._cursor(f"reading {series}") as cur:
                cur.execute(
                    "SELECT at >= %s OR clock_timestamp() - at < make_interval(secs => %s) FROM refreshed"
                    " WHERE series = %s",
                    (waited_from, fresh_seconds, series),
                )
                row = cur.fetchone()
            yield bool(row and row[0])
        finally:
            # A lost connection has released the lock already; only a live one must unlock.
            with contextlib.suppress(psycopg.Error), con.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", (_LOCK_SPACE, series))

    def remove_outside(self, series: str, first: dt.date, last: dt.date) -> int:
        """Delete the observations of `series` dated before `first` or after `last`; how many there were."""
        with self._cursor(f"removing implausible dates of {series}") as cur:
            cur.execute(
                "DELETE FROM observations WHERE series = %s AND (date < %s OR date > %s)", (series, first, last)
            )
            return cur.rowcount

    def delete_series(self, series: str) -> int:
        """Delete the observations, revisions, vintages and refresh mark of `series` and log it, in one transaction
        that waits for a refresh writing the series; how many rows were deleted (the mark and the log row not
        counted). A role that may not delete gets StoreReadOnly."""
        con = self._connection()
        with self._cursor(f"deleting the history of {series}") as cur, con.transaction():
            cur.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_LOCK_SPACE, series))
            deleted = 0
            for table in ("observations", "revisions", "vintages"):
                cur.execute(f"DELETE FROM {table} WHERE series = %s", (series,))
                deleted += cur.rowcount
            # Without its mark a series added again is fetched by the next refresh, not skipped as just written.
            cur.execute("DELETE FROM refreshed WHERE series = %s", (series,))
            t, source, vendor, added, _, status = deletion_log_row(_text(series), deleted)
            cur.execute(
                "INSERT INTO refresh_log (time, source, vendor, rows_added, last_date, status)"
                " VALUES (%s, %s, %s, %s, NULL, %s)",
                (t.isoformat(timespec="seconds"), source, vendor, added, status),
            )
        return deleted

    def append_log(self, rows: Iterable[tuple[dt.datetime, str, str, int, dt.date | None, str]]) -> None:
        # PostgreSQL text cannot hold NUL: one odd source id must not cost the whole refresh its log.
        values = [
            (t.isoformat(timespec="seconds"), _text(src), vendor, added, day, _text(status))
            for t, src, vendor, added, day, status in rows
        ]
        con = self._connection()
        with self._cursor("writing the refresh log") as cur, con.transaction():
            cur.executemany(
                "INSERT INTO refresh_log (time, source, vendor, rows_added, last_date, status)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                values,
            )

    def write_series(
        self,
        series: str,
        vendor: str,
        observations: Iterable[tuple[dt.date, float | None]],
        fetched_at: dt.datetime | None = None,
        kind: str = "raw",
    ) -> WriteResult:
        """Upsert `observations` of `series` in one transaction, as the SQLite store does."""
        rows = check_rows(series, observations)
        stamp = (fetched_at or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
        con = self._connection()
        with self._cursor(f"writing {series}") as cur, con.transaction():
            # Writers of one series take turns; other series go on in parallel.
            cur.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_LOCK_SPACE, series))
            stored: dict[dt.date, StoredValue] = {}
            if rows:
                cur.execute(
                    "SELECT date, value, vendor, fetched_at FROM observations"
                    " WHERE series = %s AND date BETWEEN %s AND %s",
                    (series, rows[0].date, rows[-1].date),
                )
                stored = {day: StoredValue(value, who, at) for day, value, who, at in cur.fetchall()}
            change = changes(rows, stored)
            if change.revisions:
                cur.executemany(
                    "INSERT INTO revisions (series, date, old_value, old_vendor, old_fetched_at, new_value, vendor,"
                    " fetched_at) VALUES (%s,%s,%s,%s,%s,%s,%s,%s)",
                    [
                        (series, r.date, r.old_value, r.old_vendor, r.old_fetched_at, r.new_value, vendor, stamp)
                        for r in change.revisions
                    ],
                )
            if change.rows:
                cur.executemany(
                    "INSERT INTO observations VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (series, date) DO UPDATE SET"
                    " value = EXCLUDED.value, vendor = EXCLUDED.vendor, fetched_at = EXCLUDED.fetched_at,"
                    " kind = EXCLUDED.kind",
                    [(series, day, value, vendor, stamp, kind) for day, value in change.rows],
                )
            cur.execute(
                "INSERT INTO refreshed VALUES (%s, now()) ON CONFLICT (series) DO UPDATE SET at = now()", (series,)
            )
        return WriteResult(len(rows), change.added, len(change.revisions), self.last_date(series))

    # --- vintages -----------------------------------------------------------------------------------------

    def read_vintages(self, series: str) -> list[Vintage]:
        with self._cursor(f"reading the vintages of {series}") as cur:
            cur.execute(
                "SELECT date, known_from, value FROM vintages WHERE series = %s ORDER BY date, known_from", (series,)
            )
            return [Vintage(*row) for row in cur.fetchall()]

    def last_vintage(self, series: str) -> dt.date | None:
        with self._cursor(f"reading the vintages of {series}") as cur:
            cur.execute("SELECT max(known_from) FROM vintages WHERE series = %s", (series,))
            return cur.fetchone()[0]

    def write_vintages(
        self, series: str, vendor: str, vintages: Iterable[tuple[dt.date, dt.date, float | None]]
    ) -> int:
        """Add the vintages that say something new (`base.new_vintages`) in one transaction, as SQLite does."""
        rows = list(vintages)
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        con = self._connection()
        with self._cursor(f"writing the vintages of {series}") as cur, con.transaction():
            cur.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_LOCK_SPACE, series))
            cur.execute("SELECT date, known_from, value FROM vintages WHERE series = %s", (series,))
            added = new_vintages(series, rows, [Vintage(*row) for row in cur.fetchall()])
            if added:
                cur.executemany(
                    "INSERT INTO vintages (series, date, known_from, value, vendor, fetched_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s)",
                    [(series, v.date, v.known_from, v.value, vendor, stamp) for v in added],
                )
        return len(added)


def _text(value: str) -> str:
    return value.replace("\x00", "\ufffd")


def _first_line(exc: BaseException) -> str:
    return scrub(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
