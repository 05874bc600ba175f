"""The whole workbook, defined in code: data in (series, sources, log, provenance), a `Book` out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from workbook.added_sheet import add_added_sheet
from workbook.catalogue import CATALOGUE, Source, source_rows
from workbook.claims import add_claims_sheet
from workbook.dashboard import add_dashboard
from workbook.data_sheets import DATA_TABLES, Series, add_data_sheets
from workbook.info_sheets import add_info_sheets
from workbook.model import Book
from workbook.vintage_sheet import SHEET as VINTAGE_SHEET
from workbook.vintage_sheet import VintageRow, add_vintage_sheet

SHEET_ORDER = (
    "Dashboard",
    "Claims",
    "Prices",
    "Rates",
    "Macro",
    "Added series",
    VINTAGE_SHEET,
    "Sources",
    "Log",
    "Methods",
)


def build_book(
    data: Mapping[str, Series],
    as_of: dt.date | None = None,
    sources: Sequence[Sequence[object]] | None = None,
    log_rows: Sequence[Sequence[object]] = (),
    provenance: Sequence[str] = (),
    same_data_as: Book | None = None,
    vintages: Mapping[str, Sequence[VintageRow]] | None = None,
    added: Sequence[Source] = (),
) -> Book:
    """The Lazarus workbook for `data` (series id -> dates, values); `as_of` None follows the latest price date.

    `same_data_as`: a book already built from the same `data` (another as-of day): its data sheets and their names
    are shared, not built again (150,000 cells), and an engine computing both can share their ranges too.
    `vintages`: series id -> (date, known_from, value) rows, for the Dashboard's figures as known that day.
    `added`: the user's own series (`lazarus series add`), shown on the "Added series" sheet from `data`.
    """
    book = Book(sheets=[])
    if same_data_as is None:
        add_data_sheets(book, data)
        add_vintage_sheet(book, vintages or {})
    else:
        data_sheets = {table.sheet for table in DATA_TABLES} | {VINTAGE_SHEET}
        book.sheets.extend(sheet for sheet in same_data_as.sheets if sheet.name in data_sheets)
        book.names.update(same_data_as.names)  # the Dashboard's own names are set again below
    add_dashboard(book, as_of)
    add_claims_sheet(book)
    add_added_sheet(book, added, data)
    rows = sources if sources is not None else source_rows([*CATALOGUE, *added])[1:]
    add_info_sheets(book, rows, log_rows, provenance, as_of)
    book.sheets.sort(key=lambda sheet: SHEET_ORDER.index(sheet.name))
    return book
