"""One catalogue of series: refresh, the data sheets, the sample and the Sources sheet all read `CATALOGUE`."""

from __future__ import annotations

import dataclasses

import pytest

from addin.pipeline import sample
from addin.pipeline.workbook_data import offline_data
from workbook import catalogue, data_sheets
from workbook.catalogue import CATALOGUE, by_id, source_rows
from workbook.layout import build_book


def test_every_catalogue_series_has_one_column_in_one_data_table():
    placed = [source.id for table in data_sheets.DATA_TABLES for source in table.columns]
    assert placed == [source.id for source in CATALOGUE if source.table]
    assert len(placed) == len(set(placed)) == 24
    names = [source.defined_name for source in CATALOGUE]
    assert len(names) == len(set(names))
    assert by_id("DGS10").defined_name == "DGS10_"  # not the cell address DGS10


def test_the_sample_and_the_sources_sheet_follow_the_catalogue():
    expected = (
        *("IWM", "SPY", "IWC", "MDY", "XLF", "XLRE", "IYR", "RSP", "IWC_ADJ"),
        *("T10Y2Y", "DGS10", "DGS2", "DFF", "DFEDTAR", "DFEDTARU"),
        *("UNRATE", "FEDFUNDS", "HOUST", "TTLCONS", "ICSA"),
    )
    assert expected == sample.SERIES
    book = build_book(offline_data().data)
    grid = book.sheet("Sources").cells
    listed = [grid[(row, 1)].value for row in range(2, 2 + len(CATALOGUE))]
    assert listed == [source.id for source in CATALOGUE]
    assert source_rows(CATALOGUE)[0] == catalogue.SOURCE_HEADER


def test_a_series_added_to_the_catalogue_gets_its_column_and_names(monkeypatch):
    xlk = dataclasses.replace(by_id("IWM"), id="XLK", column="XLK", label="Technology")
    monkeypatch.setattr(data_sheets, "CATALOGUE", (*CATALOGUE, xlk))
    prices = next(table for table in data_sheets.DATA_TABLES if table.table == "PricesTable")
    assert prices.header[-1] == "XLK"
    assert "ALL_XLK" in data_sheets.range_names(prices, 10)


def test_an_unknown_id_names_the_known_ones():
    with pytest.raises(KeyError, match="known: IWM, SPY"):
        by_id("IMW")
