"""What a workbook is built from: the series, the Sources rows, the Log rows and the data's provenance, read from
the local store or from the bundled sample. Data in; the workbook package turns it into a file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from addin.pipeline import sample
from addin.pipeline.plausible import is_price
from addin.pipeline.store import HistoryStore
from workbook.catalogue import CATALOGUE, Source, source_rows
from workbook.data_sheets import Series, series_ids
from workbook.layout import build_book
from workbook.model import Book

PRICE_IDS = frozenset(source.id for source in CATALOGUE if is_price(source))


@dataclass(frozen=True)
class WorkbookData:
    data: dict[str, Series]
    source_rows: list[list[str]]
    log_rows: list[list[object]]
    provenance: list[str]
    # series id -> (date, known_from, value): the vintages of revised series, for figures as known on the as-of day
    vintages: dict[str, list[tuple[dt.date, dt.date, float | None]]] = field(default_factory=dict)

    def newest_price(self) -> dt.date | None:
        """The newest date of any price series: an as-of after it would be a replay of a day the data never
        reached."""
        days = [dates[-1] for sid, (dates, _) in self.data.items() if dates and sid in PRICE_IDS]
        return max(days, default=None)

    def book(self, as_of: dt.date | None, added: Sequence[Source] = (), same_data_as: Book | None = None) -> Book:
        """The Lazarus workbook of this data as of `as_of` (None: the latest price date); see layout.build_book."""
        return build_book(
            self.data,
            as_of,
            self.source_rows,
            self.log_rows,
            self.provenance,
            same_data_as=same_data_as,
            vintages=self.vintages,
            added=added,
        )


def _ids(sources: Iterable[Source]) -> str:
    return ", ".join(source.id for source in sources)


def offline_data() -> WorkbookData:
    """The bundled real data (no key, no network), with its provenance."""
    data = {series_id: sample.load(series_id) for series_id in sample.SERIES}
    bundled = [source for source in CATALOGUE if source.id in data]
    missing = [source for source in CATALOGUE if source.id not in data]
    provenance = [
        "Data: the bundled sample in addin/pipeline/sample (see its SOURCES.md), cut from public repositories.",
        f"Prices ({_ids(s for s in bundled if s.sheet == 'Prices')}): Yahoo Finance output, raw closes; "
        "Yahoo's terms: personal use only.",
        f"Rates and macro ({_ids(s for s in bundled if s.sheet != 'Prices')}): FRED, St. Louis Fed; public domain.",
        f"Not in the sample: {_ids(missing)} (a refresh fetches them).",
    ]
    log = [[None, "(all)", "bundled sample", None, None, "built offline from the bundled sample; no refresh yet"]]
    vintages = {source.id: sample.vintages(source.id) for source in CATALOGUE if source.vintages}
    return WorkbookData(data, source_rows(CATALOGUE)[1:], log, provenance, {k: v for k, v in vintages.items() if v})


def store_data(store: HistoryStore, added: Sequence[Source] = ()) -> WorkbookData:
    """Every series the workbook shows (the catalogue's and the user's `added` ones), as `store` holds it (reads
    only), with the store's refresh log."""
    store.check()  # damaged pages would give wrong numbers or a crash half-way through the build
    data: dict[str, Series] = {}
    for series_id in [*series_ids(), *(source.id for source in added)]:
        rows = store.read_series(series_id)
        data[series_id] = ([day for day, _ in rows], [value for _, value in rows])
    log = [
        [time.replace(tzinfo=None), source, vendor, rows_added, last, status]
        for time, source, vendor, rows_added, last, status in store.read_log()
    ]
    provenance = [
        f"Data: the store {store.location}, filled by `lazarus refresh` from the vendors on the Sources sheet.",
        "FRED series: St. Louis Fed (ICE BofA and S&P series carry their owners' terms: do not redistribute).",
        "Yahoo Finance prices: personal use only. Tiingo, Stooq, Alpha Vantage: their free plans' terms.",
        f"Store read on {dt.date.today().isoformat()}.",
    ]
    vintages = {
        source.id: [tuple(v) for v in store.read_vintages(source.id)] for source in CATALOGUE if source.vintages
    }
    return WorkbookData(
        data, source_rows([*CATALOGUE, *added])[1:], log, provenance, {k: v for k, v in vintages.items() if v}
    )
