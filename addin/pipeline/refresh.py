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
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from addin.pipeline.config import Config, load_config
from addin.pipeline.secrets import scrub
from addin.pipeline.sources import check_unique
from addin.pipeline.store import HistoryStore, StoreError, open_store
from addin.pipeline.vendors import KEY_NAMES, READERS, HttpClient, Reader, VendorError
from workbook.catalogue import CATALOGUE, Source

__all__ = ["DEFAULT_OVERLAP_DAYS", "RefreshReport", "SourceStatus", "refresh", "summary_rows"]

DEFAULT_OVERLAP_DAYS = 31  # re-fetch a month: picks up revisions of daily, weekly and last month's values
# On a shared store, a series another refresh wrote this recently is not fetched again (--full always fetches).
FRESH_SECONDS = 60.0

# A vendor other than the one whose data is stored must agree with it on the overlap within this (relative) margin.
OVERLAP_TOLERANCE = 0.005


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
    for day, value in observations:
        old_value, old_vendor = stored.get(day, (None, reader.id))
        if old_value is None or value is None or old_vendor == reader.id:
            continue
        difference = abs(float(value) - old_value)  # type: ignore[arg-type]
        if difference > 1e-9 and difference > OVERLAP_TOLERANCE * abs(old_value):
            return (
                f"{reader.display_name} and {_vendor_name(old_vendor)} disagree on {series} from {day.isoformat()} "
                f"({value:g} against the stored {old_value:g}, {difference / max(abs(old_value), 1e-9):.1%}); "
                "nothing was written, the stored data is kept."
            )
    return ""


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


def _make_readers(sources: Sequence[Source], config: Config, client: HttpClient) -> dict[str, Reader]:
    vendors = {link.vendor for source in sources for link in source.chain}
    readers = {}
    for vendor in sorted(vendors & READERS.keys()):
        key_name = KEY_NAMES.get(vendor)
        key = config.key(key_name) if key_name else None
        readers[vendor] = READERS[vendor](client, base_url=config.base_url(vendor), key=key)
    return readers


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
    today = today or dt.date.today()
    readers = _make_readers(sources, config, client)
    began = time.monotonic()
    limit = config.deadline if deadline is None else deadline
    end = began + limit
    client.deadline = end
    cancelled = threading.Event()
    bytes_before, requests_before = client.bytes_received, client.requests_made
    finished: queue.Queue[SourceStatus] = queue.Queue()
    inboxes: dict[str, queue.Queue[_Job | None]] = {vendor: queue.Queue() for vendor in readers}

    def finish(job: _Job, ok: bool, vendor: str | None, added: int = 0, revised: int = 0, note: str = "") -> None:
        error = "" if ok else " | ".join(job.attempts) or "no vendor is configured for this source"
        try:
            last_date = store.last_date(job.source.id)
        except (StoreError, sqlite3.Error):  # the status must still be delivered, or the refresh would wait forever
            last_date = None
        finished.put(
            SourceStatus(
                source_id=job.source.id,
                ok=ok,
                rows_added=added,
                rows_revised=revised,
                last_date=last_date,
                vendor=vendor,
                error=error,
                attempts=tuple(job.attempts),
                started_at=job.started_at,
                seconds=round(time.monotonic() - job.started, 3),
                sheet=job.source.sheet,
                column=job.source.column,
                note=note,
            )
        )

    def route(job: _Job) -> None:
        """Send ``job`` to the first usable vendor from its current chain position, or finish it as failed."""
        while job.index < len(job.source.chain):
            link = job.source.chain[job.index]
            reader = readers.get(link.vendor)
            if reader is None:
                job.attempts.append(f"{link.vendor}: unknown vendor id")
            elif reader.needs_key and not reader.key:
                job.attempts.append(f"{reader.display_name}: skipped (no API key configured)")
            else:
                inboxes[link.vendor].put(job)
                return
            job.index += 1
        finish(job, False, None)

    def work(vendor: str) -> None:
        reader = readers[vendor]
        while (job := inboxes[vendor].get()) is not None:
            link = job.source.chain[job.index]
            try:
                # On a shared store, a colleague refreshing the same series holds it; when they are done it is
                # fresh, and fetching it again would only spend the vendor's rate limit.
                with store.claim(job.source.id, fresh_seconds=0 if full else FRESH_SECONDS) as fresh:
                    if fresh:
                        finish(job, True, None, note="refreshed by another user a moment ago")
                        continue
                    last = None if full else store.last_date(job.source.id)
                    start = last - dt.timedelta(days=overlap_days) if last else None
                    observations = reader.fetch(link.symbol, start, today, field=job.source.field)
                    if cancelled.is_set():
                        return  # reported as not refreshed; nothing is written after the deadline
                    kind = reader.kind(job.source.field)
                    problem = disagreement(store, job.source.id, reader, link.symbol, kind, observations)
                    if not problem:
                        result = store.write_series(job.source.id, vendor, observations, kind=kind)
                if problem:
                    job.attempts.append(problem)
                    job.index += 1
                    route(job)
                    continue
            except VendorError as exc:
                job.attempts.append(str(exc))
            except (StoreError, sqlite3.Error) as exc:
                job.attempts.append(f"the store failed: {exc}")
                finish(job, False, None)  # another vendor would hit the same locked store
                continue
            except Exception as exc:  # a reader bug must not stop the other sources
                job.attempts.append(f"{reader.display_name}, {link.symbol}: unexpected {type(exc).__name__}: {exc}")
            else:
                finish(job, True, vendor, result.rows_added, result.rows_revised)
                continue
            job.index += 1
            route(job)

    workers = [threading.Thread(target=work, args=(v,), name=f"refresh-{v}", daemon=True) for v in readers]
    for worker in workers:
        worker.start()
    jobs = [_Job(source, 0, time.monotonic(), dt.datetime.now(dt.UTC)) for source in sources]
    for job in jobs:
        route(job)
    by_id: dict[str, SourceStatus] = {}
    timed_out = False
    while len(by_id) < len(sources):
        try:
            status = finished.get(timeout=max(0.0, end - time.monotonic()))
        except queue.Empty:
            timed_out = True
            break
        by_id[status.source_id] = status
        if on_status:
            on_status(status, len(by_id), len(sources))
    for inbox in inboxes.values():
        inbox.put(None)
    if timed_out:
        # Workers still waiting on a vendor write nothing from now on; they end with their request.
        cancelled.set()
        while True:  # a source that finished as the deadline passed keeps its real status
            try:
                status = finished.get_nowait()
            except queue.Empty:
                break
            by_id[status.source_id] = status
            if on_status:
                on_status(status, len(by_id), len(sources))
        for job in jobs:
            if job.source.id in by_id:
                continue
            link = job.source.chain[min(job.index, len(job.source.chain) - 1)]
            waiting = readers[link.vendor].display_name if link.vendor in readers else link.vendor
            job.attempts.append(
                f"not refreshed: the refresh stopped after {limit:g} s while {waiting} had not answered; "
                "the stored data is kept."
            )
            try:
                last_date = store.last_date(job.source.id)
            except (StoreError, sqlite3.Error):
                last_date = None
            status = SourceStatus(
                job.source.id,
                False,
                0,
                0,
                last_date,
                None,
                " | ".join(job.attempts),
                tuple(job.attempts),
                job.started_at,
                round(time.monotonic() - job.started, 3),
                job.source.sheet,
                job.source.column,
            )
            by_id[job.source.id] = status
            if on_status:
                on_status(status, len(by_id), len(sources))
    else:
        for worker in workers:
            worker.join()
    statuses = [by_id[source.id] for source in sources]
    statuses = [
        SourceStatus(**{**s.__dict__, "error": scrub(s.error), "attempts": tuple(map(scrub, s.attempts))})
        for s in statuses
    ]
    # The Log sheet shows every refresh, failures included; the store is where that history lives.
    log_error = ""
    try:
        store.append_log(
            (s.started_at, s.source_id, s.vendor or "", s.rows_added, s.last_date, s.outcome) for s in statuses
        )
    except (StoreError, sqlite3.Error) as exc:
        log_error = scrub(f"the refresh log could not be written: {exc}")
    return RefreshReport(
        statuses=statuses,
        seconds=round(time.monotonic() - began, 3),
        bytes_received=client.bytes_received - bytes_before,
        requests=client.requests_made - requests_before,
        log_error=log_error,
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
