"""Source lists a user supplies: instead of the catalogue (workbook.catalogue) with `lazarus refresh --sources`, or
beside it, as the series the user added (`lazarus series add`, kept in ``my_series.csv`` in the data folder).
From CSV (the shape of the workbook's Sources sheet), JSON, or the Sources sheet's rows::

    id,sheet,column,field,vendors
    IWM,Prices,IWM,close,yahoo:IWM|tiingo:IWM|stooq:iwm.us|alphavantage:IWM

``vendors`` is the chain refresh tries in order, ``vendor:symbol`` links joined by ``|``; ``field`` is ``close`` or
``adjclose``; ``sheet`` and ``column`` say where the series shows (a catalogue series at its usual place keeps it).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from workbook.added_sheet import SHEET as ADDED_SHEET
from workbook.catalogue import CATALOGUE, Source, VendorSymbol, source_rows

__all__ = [
    "add_user_source",
    "chain_for",
    "check_unique",
    "load_sources",
    "read_user_sources",
    "remove_user_source",
    "sources_from_rows",
    "user_source",
    "user_sources_file",
]


def _parse_chain(text: str, where: str) -> tuple[VendorSymbol, ...]:
    links = []
    for part in text.split("|"):
        vendor, sep, symbol = part.strip().partition(":")
        if not sep or not vendor.strip() or not symbol.strip():
            raise ValueError(f"{where}: vendor link {part!r} should look like 'yahoo:IWM'")
        links.append(VendorSymbol(vendor.strip().lower(), symbol.strip()))
    return tuple(links)


def _from_mapping(row: dict, where: str) -> Source:
    chain_value = row.get("vendors") or row.get("chain")
    if isinstance(chain_value, list):
        chain = tuple(VendorSymbol(str(link["vendor"]).lower(), str(link["symbol"])) for link in chain_value)
    else:
        chain = _parse_chain(str(chain_value or ""), where)
    id_ = str(row.get("id") or "").strip()
    if not id_:
        raise ValueError(f"{where}: a source needs an id")
    source = Source(
        id=id_,
        chain=chain,
        sheet=str(row.get("sheet") or "Prices").strip(),
        column=str(row.get("column") or id_).strip(),
        field=str(row.get("field") or "close").strip(),
    )
    known = next((s for s in CATALOGUE if s.id == id_), None)
    if known is None:
        return source
    # A catalogue id is the catalogue's series: a source list (say a workbook someone sent) may choose among its vendors
    # and their order, never point the id at another symbol, which would rewrite the stored series for everyone.
    links = {(link.vendor, link.symbol.lower()): link for link in known.chain}
    foreign = next((link for link in chain if (link.vendor, link.symbol.lower()) not in links), None)
    if foreign is not None:
        raise ValueError(
            f"{where}: {id_} is a catalogue series ({known.vendors_text()}); a source list may choose among those "
            f"vendors but not redefine it, so {foreign.vendor}:{foreign.symbol} is refused. To fetch "
            f"{foreign.symbol}, give it an id of its own."
        )
    chain = tuple(links[(link.vendor, link.symbol.lower())] for link in chain)
    # Listed at its usual place it keeps its place in the layout (table, name, format); elsewhere it keeps what the
    # series is (its frequency, label and publication lag), which the refresh's checks rely on.
    if (known.sheet, known.column) == (source.sheet, source.column):
        return replace(known, chain=chain, field=source.field)
    return replace(
        source, chain=chain, frequency=known.frequency, label=known.label, published_days=known.published_days
    )


def load_sources(path: str | Path) -> list[Source]:
    """Read sources from a ``.json`` file (a list of objects) or a CSV file with the columns shown above."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        rows = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(rows, list):
            raise ValueError(f"{path.name} must hold a list of sources ([{{…}}, …]), not a {type(rows).__name__}")
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                raise ValueError(f'{path.name} item {i + 1} must be an object such as {{"id": …}}, not {row!r}')
        return [_from_mapping(row, f"{path.name} item {i + 1}") for i, row in enumerate(rows)]
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return [
            _from_mapping(row, f"{path.name} line {i + 2}")
            for i, row in enumerate(csv.DictReader(handle))
            if any((value or "").strip() for value in row.values())
        ]


def sources_from_rows(rows: Sequence[Sequence[object]], where: str = "the Sources sheet") -> list[Source]:
    """Sources from rows shaped like `source_rows` (a header row first), e.g. the workbook's Sources sheet."""
    if not rows:
        return []
    header = [str(v).strip().lower() if v is not None else "" for v in rows[0]]
    sources = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(v not in (None, "") for v in row):
            continue
        sources.append(_from_mapping(dict(zip(header, row, strict=False)), f"{where}, row {number}"))
    return sources


def check_unique(sources: Iterable[Source]) -> None:
    """Raise ValueError naming every source id that appears more than once (a refresh keys its results by id)."""
    ids = [source.id for source in sources]
    repeated = sorted({id_ for id_ in ids if ids.count(id_) > 1})
    if repeated:
        raise ValueError(f"each source id may appear once; repeated: {', '.join(repeated)}")


# --- The series a user adds --------------------------------------------------------------------------------------

USER_SOURCES = "my_series.csv"
# A stock or ETF ticker: one to five letters, maybe a class suffix (BRK-B). Longer ids, or ids with digits, are FRED's
# (DGS10, CPIAUCSL, T10Y2Y); "^" starts an index and "=" or "." a Yahoo-only symbol (EURUSD=X, BP.L).
_TICKER = re.compile(r"^[A-Z]{1,5}(-[A-Z])?$")
KINDS = ("ticker", "fred", "yahoo")


def user_sources_file(data_dir: Path) -> Path:
    """Where `lazarus series add` keeps the user's series: ``my_series.csv`` in the data folder (the store's)."""
    return Path(data_dir) / USER_SOURCES


def kind_of(series_id: str) -> str:
    """ "ticker", "fred" or "yahoo" (an index or a Yahoo-only symbol), from the id's shape."""
    if series_id.startswith("^") or "=" in series_id or "." in series_id:
        return "yahoo"
    return "ticker" if _TICKER.match(series_id) else "fred"


def chain_for(series_id: str, kind: str | None = None) -> tuple[VendorSymbol, ...]:
    """The vendor chain of a new series: Yahoo then the keyed price vendors for a ticker, FRED's download then the
    FRED API for a FRED id, Yahoo alone for an index or a Yahoo-only symbol."""
    kind = kind or kind_of(series_id)
    if kind == "fred":
        return (VendorSymbol("fred", series_id), VendorSymbol("fred_api", series_id))
    if kind == "yahoo":
        return (VendorSymbol("yahoo", series_id),)
    return (
        VendorSymbol("yahoo", series_id),
        VendorSymbol("tiingo", series_id),
        VendorSymbol("stooq", f"{series_id.lower()}.us"),
        VendorSymbol("alphavantage", series_id),
    )


def user_source(series_id: str, kind: str | None = None) -> Source:
    """A new series as the user typed it (ids are upper case: `aapl` is AAPL), on the Added series sheet."""
    series_id = series_id.strip().upper()
    if not series_id or not re.match(r"^[A-Z0-9^][A-Z0-9^=._-]*$", series_id):
        raise ValueError(f"{series_id!r} is not a ticker or a FRED id (letters, digits and ^ = . - _ only)")
    return Source(series_id, chain_for(series_id, kind), ADDED_SHEET, series_id)


def read_user_sources(data_dir: Path) -> list[Source]:
    """The user's added series (none when the file does not exist yet)."""
    path = user_sources_file(data_dir)
    return load_sources(path) if path.is_file() else []


def _write_user_sources(data_dir: Path, sources: Sequence[Source]) -> Path:
    path = user_sources_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".csv.tmp")
    with temporary.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(source_rows(sources))
    temporary.replace(path)  # never half a file
    return path


def add_user_source(data_dir: Path, source: Source) -> Path:
    """Append `source` to the user's series; an id the catalogue or the file already has is refused."""
    if any(known.id == source.id for known in CATALOGUE):
        raise ValueError(f"{source.id} is already one of the newsletter's series (on the {_sheet_of(source.id)} sheet)")
    current = read_user_sources(data_dir)
    if any(known.id == source.id for known in current):
        raise ValueError(f"{source.id} is already added ({user_sources_file(data_dir)})")
    return _write_user_sources(data_dir, [*current, source])


def remove_user_source(data_dir: Path, series_id: str) -> Source:
    """Take `series_id` (any case) off the user's series; the store keeps its rows."""
    current = read_user_sources(data_dir)
    match = next((s for s in current if s.id.upper() == series_id.strip().upper()), None)
    if match is None:
        added = ", ".join(s.id for s in current) or "none"
        raise ValueError(f"{series_id} is not an added series (added: {added})")
    _write_user_sources(data_dir, [s for s in current if s is not match])
    return match


def _sheet_of(series_id: str) -> str:
    return next(source.sheet for source in CATALOGUE if source.id == series_id)
