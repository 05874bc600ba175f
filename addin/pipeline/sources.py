"""Source lists a user supplies instead of the catalogue (workbook.catalogue): from CSV (the shape of the
workbook's Sources sheet), JSON, or the Sources sheet's rows::

    id,sheet,column,field,vendors
    IWM,Prices,IWM,close,yahoo:IWM|tiingo:IWM|stooq:iwm.us|alphavantage:IWM
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from workbook.catalogue import CATALOGUE, Source, VendorSymbol

__all__ = ["check_unique", "load_sources", "sources_from_rows"]


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
