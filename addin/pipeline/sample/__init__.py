"""The bundled real data for offline use: one `date,value` CSV per catalogue series that has one, and per series that
keeps vintages a `<id>_vintage_<yyyy-mm-dd>.csv` of the series as known that day; provenance in SOURCES.md beside
them."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from addin.pipeline.store import HistoryStore
from workbook.catalogue import CATALOGUE

FOLDER = Path(__file__).parent
# Catalogue order; a series without a file (the indices, the ICE spread) is simply not in the sample.
SERIES = tuple(source.id for source in CATALOGUE if (FOLDER / f"{source.id}.csv").is_file())


def load(series_id: str, until: dt.date | None = None) -> tuple[list[dt.date], list[float | None]]:
    """Dates and values of one bundled series, oldest first; an empty field (a holiday, a missing month) is None.

    With `until`, the series stops at that date, as if it were today.
    """
    if series_id not in SERIES:
        raise KeyError(f"no bundled sample for {series_id!r}; there is {', '.join(SERIES)}")
    dates: list[dt.date] = []
    values: list[float | None] = []
    with open(FOLDER / f"{series_id}.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            day = dt.date.fromisoformat(row["date"])
            if until is not None and day > until:
                break
            dates.append(day)
            values.append(float(row["value"]) if row["value"] else None)
    return dates, values


def vintages(series_id: str) -> list[tuple[dt.date, dt.date, float | None]]:
    """The bundled snapshots of `series_id` as (date, known_from, value), known_from being the day in the file's
    name; [] when none is bundled."""
    rows = []
    for path in sorted(FOLDER.glob(f"{series_id}_vintage_*.csv")):
        known = dt.date.fromisoformat(path.stem.rsplit("_", 1)[1])
        with open(path, newline="") as handle:
            for row in csv.DictReader(handle):
                value = float(row["value"]) if row["value"] else None
                rows.append((dt.date.fromisoformat(row["date"]), known, value))
    return rows


def load_into(store: HistoryStore) -> list[str]:
    """Write every bundled series into `store` (vendor "sample"), as an offline refresh would, and log it; the ids.

    A missing value (an empty field) is written as a missing value at its date, as a vendor's would be.
    """
    now = dt.datetime.now(dt.UTC)
    log = []
    for series_id in SERIES:
        dates, values = load(series_id)
        rows = list(zip(dates, values, strict=True))
        result = store.write_series(series_id, "sample", rows)
        log.append((now, series_id, "sample", result.rows_added, result.last_date, "ok: loaded the bundled sample"))
        snapshots = vintages(series_id)
        if snapshots:
            added = store.write_vintages(series_id, "sample", snapshots)
            status = "ok: loaded the bundled vintages"
            log.append((now, f"{series_id} vintages", "sample", added, result.last_date, status))
    store.append_log(log)
    return list(SERIES)
