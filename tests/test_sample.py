"""The bundled offline sample is a faithful cut of the verbatim real data."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from tests import realdata

SAMPLE = Path(__file__).parent.parent / "addin" / "pipeline" / "sample"

CUTS = {
    "IWM": ("prices/IWM_chenc319-Silverlight.csv", "Close", 1),
    "SPY": ("prices/SPY_chenc319-Silverlight.csv", "Close", 1),
    "MDY": ("prices/MDY_jmlestevez-taa-dashboard.csv", 2, 0),
    "XLF": ("prices/XLF_chenc319-Silverlight.csv", "Close", 0),
    "XLRE": ("prices/XLRE_chenc319-Silverlight.csv", "Close", 0),
    "IYR": ("prices/IYR_taeheon-kong-etf-app.csv", "Close", 0),
    "RSP": ("prices/RSP_taeheon-kong-etf-app.csv", "Close", 0),
    "IWC_ADJ": ("prices/IWC_adjusted_dsturdy-Factor_Attribution.csv", "Close", 1),
    "T10Y2Y": ("fred/T10Y2Y_qie2003.csv", "T10Y2Y", 0),
    "DGS10": ("fred/DGS10_qie2003.csv", "DGS10", 0),
    "DGS2": ("fred/DGS2_matemadrigal.csv", "DGS2", 0),
    "UNRATE": ("fred/UNRATE_granite-tsfm.csv", "UNRATE", 0),
    "ICSA": ("fred/ICSA_rellethy.csv", "ICSA", 0),
    "DFF": ("fred/DFF_RayaneTroudi.csv", "DFF", 0),
    "DFEDTAR": ("fred/DFEDTAR_mihikabairathi.csv", "DFEDTAR", 0),
    "DFEDTARU": ("fred/DFEDTARU_mihikabairathi.csv", "DFEDTARU", 0),
    "FEDFUNDS": ("fred/FEDFUNDS_taeheon-kong-etf-app.csv", "FEDFUNDS", 0),
    "HOUST": ("fred/HOUST_legacyformat_Engineer194.csv", "HOUST", 0),
    "TTLCONS": ("fred/TTLCONS_Tommy-Nguyen-Stonera.csv", "TTLCONS", 0),
}
# Every bundled price series stops on the last full bar of IWM and SPY, so the latest day is one where every
# price is known (RSP and IYR run to 2026-05, the adjusted IWC to 2026-08).
PRICE_END = dt.date(2025, 9, 25)


@pytest.mark.parametrize("series_id", sorted(CUTS))
def test_sample_equals_the_source_file(series_id):
    path, column, dropped_partial_bars = CUTS[series_id]
    if isinstance(column, int):  # a file with extra header rows, read by position
        dates, values = realdata.columns(path, 0, column)
    else:
        dates, values = realdata.read(path, column)
    if dropped_partial_bars:
        dates, values = dates[:-dropped_partial_bars], values[:-dropped_partial_bars]
    if path.startswith("prices/"):
        kept = sum(day <= PRICE_END for day in dates)
        dates, values = dates[:kept], values[:kept]
    with open(SAMPLE / f"{series_id}.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [dt.date.fromisoformat(row["date"]) for row in rows] == dates
    assert [float(row["value"]) if row["value"] else None for row in rows] == values


def test_sample_has_its_provenance_beside_it():
    text = (SAMPLE / "SOURCES.md").read_text()
    for series_id in (*CUTS, "IWC", "IWC_HIGH"):  # the raw IWC's two files: tests/test_bear_line.py
        assert f"{series_id}.csv" in text
