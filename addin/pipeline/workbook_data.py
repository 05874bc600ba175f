"""What a workbook is built from: the series, the Sources rows, the Log rows and the data's provenance, read from
the local store or from the bundled sample. Data in; the workbook package turns it into a file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from addin.pipeline import sample
from addin.pipeline.sources import DEFAULT_SOURCES, source_rows
from addin.pipeline.store import Store
from workbook.data_sheets import Series, series_ids


@dataclass(frozen=True)
class Inputs:
    data: dict[str, Series]
    source_rows: list[list[str]]
    log_rows: list[list[object]]
    provenance: list[str]


def offline_inputs() -> Inputs:
    """The bundled real data (no key, no network), with its provenance."""
    data = {series_id: sample.load(series_id) for series_id in sample.SERIES}
    provenance = [
        "Data: the bundled sample in addin/pipeline/sample (see its SOURCES.md), cut from public repositories.",
        "Prices (IWM, SPY, IWC, MDY): Yahoo Finance output, raw closes; Yahoo's terms: personal use only.",
        "Rates and macro (T10Y2Y, DGS10, DGS2, UNRATE, ICSA): FRED, St. Louis Fed; public domain.",
        "Not in the sample: ^RUT, ^GSPC, T10Y3M and the ICE BofA high-yield spread (run `lazarus refresh`).",
    ]
    log = [[None, "(all)", "bundled sample", None, None, "built offline from the bundled sample; no refresh yet"]]
    return Inputs(data, source_rows(DEFAULT_SOURCES)[1:], log, provenance)


def store_inputs(path: Path) -> Inputs:
    """Every series the workbook shows, as the store at ``path`` holds it, with the store's refresh log."""
    store = Store(path)
    data: dict[str, Series] = {}
    for series_id in series_ids():
        rows = store.read_series(series_id)
        data[series_id] = ([day for day, _ in rows], [value for _, value in rows])
    log = [
        [time.replace(tzinfo=None), source, vendor, added, last, status]
        for time, source, vendor, added, last, status in store.read_log()
    ]
    provenance = [
        f"Data: the local store {store.path.name}, filled by `lazarus refresh` from the vendors on the Sources sheet.",
        "FRED series: St. Louis Fed (ICE BofA and S&P series carry their owners' terms: do not redistribute).",
        "Yahoo Finance prices: personal use only. Tiingo, Stooq, Alpha Vantage: their free plans' terms.",
        f"Store read on {dt.date.today().isoformat()}.",
    ]
    return Inputs(data, source_rows(DEFAULT_SOURCES)[1:], log, provenance)
