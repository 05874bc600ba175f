"""One catalogue of series: refresh, the data sheets, their names, the sample and the Sources sheet all read
`CATALOGUE`."""

from __future__ import annotations

import dataclasses
import re

from openpyxl.utils import get_column_letter

from addin.pipeline import sample
from addin.pipeline.sources import sources_from_rows
from workbook import catalogue, data_sheets, names
from workbook.catalogue import CATALOGUE, source_rows

# A cell address up to Excel's last column XFD: a defined name spelled like one is refused by Excel.
CELL_ADDRESS = re.compile(r"^[A-Z]{1,3}[0-9]+$")


def test_every_catalogue_series_has_one_column_in_one_data_table():
    placed = [source.id for table in data_sheets.DATA_TABLES for source in table.columns]
    assert placed == [source.id for source in CATALOGUE if source.table]
    assert len(placed) == len(set(placed)) == 25


def test_every_column_name_is_unique_and_never_a_cell_address():
    defined = [source.defined_name for source in CATALOGUE]
    assert len(defined) == len(set(defined))
    assert [name for name in defined if CELL_ADDRESS.match(name)] == []
    dgs10 = next(source for source in CATALOGUE if source.id == "DGS10")
    assert (dgs10.column, dgs10.defined_name) == ("DGS10", "DGS10_")  # DGS10 is a cell in column DGS


def test_the_sample_and_the_sources_sheet_follow_the_catalogue(small_moment):
    expected = (
        *("IWM", "SPY", "IWC", "MDY", "XLF", "XLRE", "IYR", "RSP", "IWC_ADJ", "IWC_HIGH"),
        *("T10Y2Y", "DGS10", "DGS2", "DFF", "DFEDTAR", "DFEDTARU"),
        *("UNRATE", "FEDFUNDS", "HOUST", "TTLCONS", "ICSA"),
    )
    assert expected == sample.SERIES
    book, _ = small_moment
    grid = book.sheet("Sources").cells
    listed = [grid[(row, 1)].value for row in range(2, 2 + len(CATALOGUE))]
    assert listed == [source.id for source in CATALOGUE]
    assert source_rows(CATALOGUE)[0] == catalogue.SOURCE_HEADER


def test_the_sources_sheet_reads_back_as_the_catalogue():
    """A refresh of an open workbook reads its Sources sheet (book_refresh): the rows give back every source."""
    rows = source_rows(CATALOGUE)
    assert rows[1][4] == "yahoo:IWM|tiingo:IWM|stooq:iwm.us|alphavantage:IWM"
    assert sources_from_rows(rows) == list(CATALOGUE)


def test_a_series_added_to_the_catalogue_gets_its_column_and_names(monkeypatch):
    xlk = dataclasses.replace(CATALOGUE[0], id="XLK", column="XLK", label="Technology")
    monkeypatch.setattr(data_sheets, "CATALOGUE", (*CATALOGUE, xlk))
    prices = next(table for table in data_sheets.DATA_TABLES if table.table == "PricesTable")
    assert prices.header[-1] == "XLK"
    column = get_column_letter(len(prices.header))
    assert names.table_names(prices, 10)["ALL_XLK"] == f"Prices!${column}$2:${column}$10"
