"""Refresh: bring every source's series in the store up to date, vendor by vendor, falling back on failure.

Each vendor gets one worker thread, so vendors run concurrently while the sources of one vendor go one after
the other at that vendor's pace (the shared client enforces it). A source starts at the first vendor of its
chain; when that vendor fails (or has no key configured) the source moves to the next vendor's queue. Each
vendor is asked only for what is new: from the last stored date minus a short overlap, so revisions of recent
values are picked up. The result is one :class:`SourceStatus` per source, plain data for the Log sheet.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from addin.pipeline.config import Config, load_config
from addin.pipeline.plausible import PLAUSIBLE_START, date_bounds, implausible, within_dates
from addin.pipeline.secrets import scrub
from addin.pipeline.sources import check_unique
from addin.pipeline.store import HistoryStore, StoreError, open_store
from addin.pipeline.vendors import READERS, HttpClient, Reader, VendorError
from addin.pipeline.vintage_refresh import VintageStatus, refresh_vintages
from workbook.catalogue import CATALOGUE, Source

CATALOGUE_IDS = frozenset(source.id for source in CATALOGUE)

__all__ = ["DEFAULT_OVERLAP_DAYS", "RefreshReport", "SourceStatus", "refresh", "summary_rows"]

DEFAULT_OVERLAP_DAYS = 31  # re-fetch a month: picks up revisions of daily, weekly and last month's values
# On a shared store, a series another refresh wrote this recently is not fetched again (--full always fetches).
FRESH_SECONDS = 60.0

# A vendor other than the one whose data is stored must agree with it on the overlap within this (relative) margin;
# the same vendor may revise beyond it, and the status says so.
OVERLAP_TOLERANCE = 0.005
# The same vendor's answer is another series, not a revision, when most of (at least 3) overlapping values differ by
# more than this: a Sources row that points a stored id at another symbol (IWM's id fetching SPY's closes).
ANOTHER_SERIES = 0.05


def _vendor_name(vendor: str) -> str:
    reader = READERS.get(vendor)
    return reader.display_name if reader else vendor


def disagreement(
    store: HistoryStore,
    series: str,
    reader: Reader,
    symbol: str,
    kind: str,
    observations: Sequence[tuple[dt.date, object]],
) -> str:
    """Why ``observations`` from ``reader`` must not be written to ``series``, or "": a series never mixes raw
    and adjusted values, and a vendor other than the stored one must agree with the stored values it overlaps."""
    stored_kind = store.kind(series)
    if stored_kind and stored_kind != kind:
        return (
            f"{reader.display_name}, {symbol}: serves {kind} prices but the stored {series} holds {stored_kind} "
            "values; they are never mixed, so nothing was written."
        )
    if not observations:
        return ""
    stored = {day: (value, vendor) for day, value, vendor, _ in store.rows_since(series, observations[0][0])}
    same, differ = 0, 0
    for day, value in observations:
        old_value, old_vendor = stored.get(day, (None, reader.id))
        if old_value is None or value is None:
            continue
        difference = abs(float(value) - old_value)  # type: ignore[arg-type]
        if old_vendor == reader.id:
            same += 1
            differ += difference > ANOTHER_SERIES * abs(old_value)
            continue
        if difference > 1e-9 and difference > OVERLAP_TOLERANCE * abs(old_value):
            return (
                f"{reader.display_name} and {_vendor_name(old_vendor)} disagree on {series} from {day.isoformat()} "
                f"({value:g} against the stored {old_value:g}, {difference / max(abs(old_value), 1e-9):.1%}); "
                "nothing was written, the stored data is kept."
            )
    # A catalogue id keeps the catalogue's symbols (sources.py), so only a user's own id can point at another
    # series; a catalogue series may be revised wholesale (a seasonal revision) and that is reported, not refused.
    if same >= 3 and differ * 2 >= same and series not in CATALOGUE_IDS:
        return (
            f"{reader.display_name}, {symbol}: {differ} of the {same} stored values of {series} it overlaps differ by "
            f"more than {ANOTHER_SERIES:.0%}: this is not the stored series (was its symbol changed?); nothing was "
            "written, the stored data is kept."
        )
    return ""


def revised_beyond_tolerance(
    store: HistoryStore, series: str, observations: Sequence[tuple[dt.date, float | None]]
) -> str:
    """The stored values `observations` revise by more than the tolerance, in words for the status ("" for none):
    a revision is reported, never passed off as new rows."""
    if not observations:
        return ""
    stored = {row.date: row.value for row in store.rows_since(series, observations[0][0])}
    revised = [
        (day, stored[day], value)
        for day, value in observations
        if value is not None
        and stored.get(day) is not None
        and abs(value - stored[day]) > max(1e-9, OVERLAP_TOLERANCE * abs(stored[day]))  # type: ignore[operator]
    ]
    if not revised:
        return ""
    day, old, new = revised[0]
    return (
        f"{len(revised)} stored value(s) revised by more than {OVERLAP_TOLERANCE:.1%} "
        f"(first {day.isoformat()}: {old:g} -> {new:g})"
    )


@dataclass(frozen=True)
class SourceStatus:
    """The outcome of one source in one refresh (one row of the Log sheet)."""

    source_id: str
    ok: bool
    rows_added: int
    rows_revised: int
    last_date: dt.date | None  # newest stored date after the refresh (also when the refresh failed)
    vendor: str | None  # the vendor whose data was stored, None when every vendor failed
    error: str  # "" when ok; else what each vendor tried said, first vendor first
    attempts: tuple[str, ...]  # one line per vendor tried that failed or was skipped
    started_at: dt.datetime
    seconds: float
    sheet: str = ""
    column: str = ""
    note: str = ""  # e.g. "refreshed by another user a moment ago" for a series a colleague had just written

    @property
    def outcome(self) -> str:
        """The Log sheet's status: "ok" (with the note, if any) or what went wrong."""
        if not self.ok:
            return self.error
        return f"ok: {self.note}" if self.note else "ok"


@dataclass(frozen=True)
class RefreshReport:
    """All statuses of a refresh, in the order of the source list, and what it cost."""

    statuses: list[SourceStatus]
    seconds: float
    bytes_received: int
    requests: int
    log_error: str = ""  # why the refresh log could not be written (the data written before that stays)
    vintages: list[VintageStatus] = field(default_factory=list)  # the vintage pass, one per source that keeps them
    offline: bool = False  # no vendor could be reached at all: the network is down
    timed_out: bool = False  # the deadline passed before every source finished

    @property
    def ok(self) -> bool:
        return all(status.ok for status in self.statuses)


@dataclass
class _Job:
    source: Source
    index: int  # position in the source's chain
    started: float
    started_at: dt.datetime
    attempts: list[str] = field(default_factory=list)


class _Cancelled(Exception):
    """The deadline passed while a vendor was answering: nothing is written, the scheduler reports the source."""


def _make_readers(sources: Sequence[Source], config: Config, client: HttpClient) -> dict[str, Reader]:
    vendors = {link.vendor for source in sources for link in source.chain}
    readers = {}
    for vendor in sorted(vendors & READERS.keys()):
        reader = READERS[vendor]
        key = config.key(reader.key_setting.name) if reader.key_setting else None
        readers[vendor] = reader(client, base_url=config.base_url(vendor), key=key)
    return readers


class _Refresh:
    """One refresh: the scheduler (a queue and a worker thread per vendor, one deadline) around
    :meth:`fetch_one`, which tries one source at the vendor its chain has reached.

    A source starts at the first usable vendor of its chain; when that vendor fails it moves to the next vendor's
    queue, so vendors run concurrently while the sources of one vendor go one after the other at its pace.
    """

    def __init__(
        self, store: HistoryStore, readers: dict[str, Reader], *, overlap_days: int, full: bool, today: dt.date
    ) -> None:
        self.store = store
        self.readers = readers
        self.overlap_days = overlap_days
        self.full = full
        self.today = today
        self.cancelled = threading.Event()
        self.finished: queue.Queue[SourceStatus] = queue.Queue()
        self.inboxes: dict[str, queue.Queue[_Job | None]] = {vendor: queue.Queue() for vendor in readers}

    # The scheduler.

    def run(
        self,
        sources: Sequence[Source],
        end: float,
        limit: float,
        on_status: Callable[[SourceStatus, int, int], None] | None,
    ) -> tuple[list[SourceStatus], bool]:
        """Every source's status, in the order of ``sources``, and whether the deadline cut the refresh short.

        ``end`` is the deadline (``time.monotonic()``), ``limit`` the seconds it allowed, for the message."""
        workers = [
            threading.Thread(target=self._work, args=(vendor,), name=f"refresh-{vendor}", daemon=True)
            for vendor in self.readers
        ]
        for worker in workers:
            worker.start()
        jobs = [_Job(source, 0, time.monotonic(), dt.datetime.now(dt.UTC)) for source in sources]
        for job in jobs:
            self._route(job)
        by_id: dict[str, SourceStatus] = {}

        def deliver(status: SourceStatus) -> None:
            by_id[status.source_id] = status
            if on_status:
                on_status(status, len(by_id), len(sources))

        timed_out = False
        while len(by_id) < len(sources):
            try:
                deliver(self.finished.get(timeout=max(0.0, end - time.monotonic())))
            except queue.Empty:
                timed_out = True
                break
        for inbox in self.inboxes.values():
            inbox.put(None)
        if not timed_out:
            for worker in workers:
                worker.join()
            return [by_id[source.id] for source in sources], False
        # Workers still waiting on a vendor write nothing from now on; they end with their request.
        self.cancelled.set()
        while True:  # a source that finished as the deadline passed keeps its real status
            try:
                deliver(self.finished.get_nowait())
            except queue.Empty:
                break
        for job in jobs:
            if job.source.id not in by_id:
                link = job.source.chain[min(job.index, len(job.source.chain) - 1)]
                waiting = self.readers[link.vendor].display_name if link.vendor in self.readers else link.vendor
                job.attempts.append(
                    f"not refreshed: the refresh stopped after {limit:g} s while {waiting} had not answered; "
                    "the stored data is kept."
                )
                deliver(self._status(job, ok=False))
        return [by_id[source.id] for source in sources], True

    def _route(self, job: _Job) -> None:
        """Send ``job`` to the first usable vendor from its current chain position, or finish it as failed."""
        while job.index < len(job.source.chain):
            link = job.source.chain[job.index]
            reader = self.readers.get(link.vendor)
            if reader is None:
                job.attempts.append(f"{link.vendor}: unknown vendor id")
            elif reader.needs_key and not reader.key:
                job.attempts.append(f"{reader.display_name}: skipped (no API key configured)")
            else:
                self.inboxes[link.vendor].put(job)
                return
            job.index += 1
        self.finished.put(self._status(job, ok=False))

    def _work(self, vendor: str) -> None:
        while (job := self.inboxes[vendor].get()) is not None:
            try:
                status = self.fetch_one(job)
            except _Cancelled:
                return  # reported as not refreshed by the scheduler
            except Exception as exc:  # a store failure its driver did not translate: still deliver a status
                job.attempts.append(f"the store failed: {exc}")
                status = self._status(job, ok=False)
            if status is None:
                job.index += 1
                self._route(job)
            else:
                self.finished.put(status)

    # One source at one vendor.

    def fetch_one(self, job: _Job) -> SourceStatus | None:
        """Fetch ``job``'s source from the vendor its chain has reached and store what is new.

        Returns its status when the source is done (refreshed, or failed because the store failed: another vendor
        would meet the same store), or None when this vendor failed and the next one should try; what it said is in
        ``job.attempts``. Raises :class:`_Cancelled` when the deadline passed while the vendor answered.
        """
        source = job.source
        link = source.chain[job.index]
        reader = self.readers[link.vendor]
        try:
            # On a shared store, a colleague refreshing the same series holds it; when they are done it is fresh,
            # and fetching it again would only spend the vendor's rate limit.
            with self.store.claim(source.id, fresh_seconds=0 if self.full else FRESH_SECONDS) as fresh:
                if fresh:
                    return self._status(job, ok=True, note="refreshed by another user a moment ago")
                # Rows a vendor once dated 9999-12-31 or 0001-01-01 go: every later refresh would ask from them.
                healed = self.store.remove_outside(source.id, *date_bounds(self.today))
                last = None if self.full else self.store.last_date(source.id)
                start = last - dt.timedelta(days=self.overlap_days) if last else None
                try:
                    observations = reader.fetch(link.symbol, start, self.today, field=source.field)
                except VendorError as exc:
                    job.attempts.append(str(exc))
                    return None
                except Exception as exc:  # a reader bug must not stop the other sources
                    return self._unexpected(job, reader, link.symbol, exc)
                if self.cancelled.is_set():
                    raise _Cancelled
                observations, dropped = within_dates(observations, self.today)
                problem = self._implausible(source, observations) or (dropped if not observations else "")
                if problem:
                    kept = "nothing was written, the stored data is kept."
                    job.attempts.append(f"{reader.display_name}, {link.symbol}: {problem}; {kept}")
                    return None
                kind = reader.kind(source.field)
                problem = disagreement(self.store, source.id, reader, link.symbol, kind, observations)
                if problem:
                    job.attempts.append(problem)
                    return None
                revised = revised_beyond_tolerance(self.store, source.id, observations)
                try:
                    result = self.store.write_series(source.id, link.vendor, observations, kind=kind)
                except ValueError as exc:  # rows the store refuses (dates out of order…) are a reader bug too
                    return self._unexpected(job, reader, link.symbol, exc)
        except StoreError as exc:
            job.attempts.append(f"the store failed: {exc}")
            return self._status(job, ok=False)
        removed = f"{healed} stored row(s) dated outside {PLAUSIBLE_START.isoformat()}..today removed" if healed else ""
        note = "; ".join(part for part in (removed, dropped, revised) if part)
        return self._status(
            job, ok=True, vendor=link.vendor, added=result.rows_added, revised=result.rows_revised, note=note
        )

    def _implausible(self, source: Source, observations: list[tuple[dt.date, float | None]]) -> str:
        """Why `observations` cannot be `source`'s (see addin.pipeline.plausible), held against the stored rows just
        before them."""
        if not observations:
            return ""
        first = observations[0][0]
        earlier = [(row.date, row.value) for row in self.store.rows_since(source.id, first - dt.timedelta(days=62))]
        return implausible(source, observations, [row for row in earlier if row[0] < first])

    @staticmethod
    def _unexpected(job: _Job, reader: Reader, symbol: str, exc: Exception) -> None:
        job.attempts.append(f"{reader.display_name}, {symbol}: unexpected {type(exc).__name__}: {exc}")

    def _status(
        self, job: _Job, *, ok: bool, vendor: str | None = None, added: int = 0, revised: int = 0, note: str = ""
    ) -> SourceStatus:
        """The one place a :class:`SourceStatus` is made; what vendors said is scrubbed of keys here."""
        error = "" if ok else " | ".join(job.attempts) or "no vendor is configured for this source"
        return SourceStatus(
            source_id=job.source.id,
            ok=ok,
            rows_added=added,
            rows_revised=revised,
            last_date=self._last_date(job.source.id),
            vendor=vendor,
            error=scrub(error),
            attempts=tuple(map(scrub, job.attempts)),
            started_at=job.started_at,
            seconds=round(time.monotonic() - job.started, 3),
            sheet=job.source.sheet,
            column=job.source.column,
            note=note,
        )

    def _last_date(self, series: str) -> dt.date | None:
        """The newest stored date after the refresh, also when it failed; None when the store cannot say."""
        try:
            return self.store.last_date(series)
        except Exception:  # whatever the store raised, the status must be delivered or the refresh waits for it
            return None


def refresh(
    sources: Sequence[Source] | None = None,
    store: HistoryStore | None = None,
    config: Config | None = None,
    *,
    client: HttpClient | None = None,
    overlap_days: int = DEFAULT_OVERLAP_DAYS,
    full: bool = False,
    today: dt.date | None = None,
    on_status: Callable[[SourceStatus, int, int], None] | None = None,
    deadline: float | None = None,
) -> RefreshReport:
    """Refresh ``sources`` (default: the newsletter's list) into ``store`` and return a status per source.

    ``full`` ignores stored dates and asks for whole histories. ``deadline`` (seconds; default the config's, 60)
    bounds the whole refresh: sources not finished by then are reported as not refreshed and keep their data.
    ``on_status(status, done, total)`` is called from the calling thread as each source finishes (for a progress
    bar or Excel's status bar). Never raises
    for a vendor failure: that is a status with ``ok=False``, and the series' stored rows are untouched.
    """
    sources = list(CATALOGUE if sources is None else sources)
    check_unique(sources)
    config = config or load_config()
    store = store or open_store(config)
    store.check_writable()  # a read-only role is told before anything is fetched
    client = client or HttpClient()
    began = time.monotonic()
    limit = config.deadline if deadline is None else deadline
    end = began + limit
    client.deadline = end
    bytes_before, requests_before = client.bytes_received, client.requests_made
    readers = _make_readers(sources, config, client)
    run = _Refresh(
        store,
        readers,
        overlap_days=overlap_days,
        full=full,
        today=today or dt.date.today(),
    )
    statuses, timed_out = run.run(sources, end, limit, on_status)
    vintages = [] if timed_out else refresh_vintages(sources, store, readers, end)
    last_dates = {s.source_id: s.last_date for s in statuses}
    # The Log sheet shows every refresh, failures included; the store is where that history lives.
    log_error = ""
    try:
        store.append_log(
            [(s.started_at, s.source_id, s.vendor or "", s.rows_added, s.last_date, s.outcome) for s in statuses]
            # A source without a vintage vendor (no FRED key) is said in the report, not in every refresh's log.
            + [v.log_row(last_dates.get(v.source_id)) for v in vintages if v.vendor]
        )
    except StoreError as exc:
        log_error = scrub(f"the refresh log could not be written: {exc}")
    return RefreshReport(
        statuses=statuses,
        seconds=round(time.monotonic() - began, 3),
        bytes_received=client.bytes_received - bytes_before,
        requests=client.requests_made - requests_before,
        log_error=log_error,
        vintages=vintages,
        offline=client.offline,
        timed_out=timed_out,
    )


def summary_rows(report: RefreshReport) -> list[list[str]]:
    """The summary table (with a header row) that the command line prints and the Log sheet can show."""
    rows = [["source", "status", "added", "revised", "last date", "vendor", "error"]]
    for s in report.statuses:
        rows.append(
            [
                s.source_id,
                "ok" if s.ok else "FAILED",
                str(s.rows_added),
                str(s.rows_revised),
                s.last_date.isoformat() if s.last_date else "-",
                s.vendor or "-",
                s.error or s.note,
            ]
        )
    return rows
