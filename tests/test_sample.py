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
    "IWC": ("prices/IWC_2024_alm0421.csv", "close", 0),
    "MDY": ("prices/legacy_2000_2022/MDY_xjcarter-data.csv", "Close", 0),
    "T10Y2Y": ("fred/T10Y2Y_qie2003.csv", "T10Y2Y", 0),
    "DGS10": ("fred/DGS10_qie2003.csv", "DGS10", 0),
    "DGS2": ("fred/DGS2_matemadrigal.csv", "DGS2", 0),
    "UNRATE": ("fred/UNRATE_granite-tsfm.csv", "UNRATE", 0),
    "ICSA": ("fred/ICSA_rellethy.csv", "ICSA", 0),
}


@pytest.mark.parametrize("series_id", sorted(CUTS))
def test_sample_equals_the_source_file(series_id):
    path, column, dropped_partial_bars = CUTS[series_id]
    dates, values = realdata.read(path, column)
    if dropped_partial_bars:
        dates, values = dates[:-dropped_partial_bars], values[:-dropped_partial_bars]
    with open(SAMPLE / f"{series_id}.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [dt.date.fromisoformat(row["date"]) for row in rows] == dates
    assert [float(row["value"]) if row["value"] else None for row in rows] == values


def test_sample_has_its_provenance_beside_it():
    text = (SAMPLE / "SOURCES.md").read_text()
    for series_id in CUTS:
        assert f"{series_id}.csv" in text
