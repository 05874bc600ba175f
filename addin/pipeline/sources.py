"""The list of series to fetch, as plain data: id, vendor chain with fallbacks, target sheet and column.

The default list covers the newsletter. A list can also be loaded from CSV (the shape of the workbook's
Sources sheet) or JSON::

    id,sheet,column,field,vendors
    IWM,Prices,IWM,close,yahoo:IWM|tiingo:IWM|stooq:iwm.us|alphavantage:IWM
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_SOURCES", "Source", "VendorSymbol", "load_sources", "source_rows"]


@dataclass(frozen=True)
class VendorSymbol:
    """One link of a fallback chain: a vendor id and the symbol that vendor uses for the series."""

    vendor: str
    symbol: str


@dataclass(frozen=True)
class Source:
    """A series to keep current. ``id`` is the store's series id; ``chain`` is tried in order."""

    id: str
    chain: tuple[VendorSymbol, ...]
    sheet: str
    column: str
    field: str = "close"  # "close" (raw) or "adjclose" where the vendor has it

    def vendors_text(self) -> str:
        return "|".join(f"{link.vendor}:{link.symbol}" for link in self.chain)


def _prices(id_: str, column: str, stooq: str | None, keyed: bool = True) -> Source:
    chain = [VendorSymbol("yahoo", id_)]
    if keyed:  # Tiingo and Alpha Vantage carry ETFs, not the indices
        chain.append(VendorSymbol("tiingo", id_))
    if stooq:
        chain.append(VendorSymbol("stooq", stooq))
    if keyed:
        chain.append(VendorSymbol("alphavantage", id_))
    return Source(id_, tuple(chain), "Prices", column)


def _fred(id_: str, sheet: str, fallback: str) -> Source:
    return Source(id_, (VendorSymbol("fred", id_), VendorSymbol(fallback, id_)), sheet, id_)


DEFAULT_SOURCES: tuple[Source, ...] = (
    _prices("IWM", "IWM", "iwm.us"),
    _prices("SPY", "SPY", "spy.us"),
    _prices("IWC", "IWC", "iwc.us"),
    _prices("MDY", "MDY", "mdy.us"),
    _prices("^RUT", "RUT", None, keyed=False),
    _prices("^GSPC", "GSPC", "^spx", keyed=False),
    # Treasury's par-yield curve has the same numbers as FRED's rate series: a keyless fallback.
    _fred("T10Y2Y", "Rates", "treasury"),
    _fred("T10Y3M", "Rates", "treasury"),
    _fred("DGS10", "Rates", "treasury"),
    _fred("DGS2", "Rates", "treasury"),
    # No keyless second source exists for these; the FRED API needs the user's key.
    _fred("UNRATE", "Macro", "fred_api"),
    _fred("ICSA", "Macro", "fred_api"),
    _fred("BAMLH0A0HYM2", "Macro", "fred_api"),
)


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
    return Source(
        id=id_,
        chain=chain,
        sheet=str(row.get("sheet") or "Prices").strip(),
        column=str(row.get("column") or id_).strip(),
        field=str(row.get("field") or "close").strip(),
    )


def load_sources(path: str | Path) -> list[Source]:
    """Read sources from a ``.json`` file (a list of objects) or a CSV file with the columns shown above."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        rows = json.loads(path.read_text(encoding="utf-8"))
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


def source_rows(sources: Iterable[Source]) -> list[list[str]]:
    """Sources as rows with a header, the shape the workbook's Sources sheet and the CSV file share."""
    rows = [["id", "sheet", "column", "field", "vendors"]]
    rows += [[s.id, s.sheet, s.column, s.field, s.vendors_text()] for s in sources]
    return rows


def check_unique(sources: Iterable[Source]) -> None:
    """Raise ValueError naming every source id that appears more than once (a refresh keys its results by id)."""
    ids = [source.id for source in sources]
    repeated = sorted({id_ for id_ in ids if ids.count(id_) > 1})
    if repeated:
        raise ValueError(f"each source id may appear once; repeated: {', '.join(repeated)}")
