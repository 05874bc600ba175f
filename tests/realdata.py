"""Read the verbatim real data in tests/data with the standard library only (independent of the package code)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

DATA = Path(__file__).parent / "data"


def read(relative: str, value_column: str, date_column: str | None = None) -> tuple[list[dt.date], list[float | None]]:
    """Dates and values of one CSV in tests/data; FRED's '.' and empty fields become None."""
    with open(DATA / relative, newline="") as handle:
        reader = csv.DictReader(handle)
        date_column = date_column or reader.fieldnames[0]
        rows = list(reader)
    dates = [dt.date.fromisoformat(row[date_column][:10]) for row in rows]
    values = [None if row[value_column].strip() in ("", ".") else float(row[value_column]) for row in rows]
    return dates, values


def iwm() -> tuple[list[dt.date], list[float]]:
    return read("prices/IWM_chenc319-Silverlight.csv", "Close")


def spy() -> tuple[list[dt.date], list[float]]:
    return read("prices/SPY_chenc319-Silverlight.csv", "Close")


def iwc() -> tuple[list[dt.date], list[float]]:
    return read("prices/IWC_2024_alm0421.csv", "close")


def iwc_raw(column: str = "close") -> tuple[list[dt.date], list[float]]:
    """IWC's raw bars 2005-08-16..2026-10-09 from two independent files: Alpha Vantage's (newest first) up to
    2020-08-31, then alm0421's from 2020-09-01 (the two agree to 0.01 on the 72 days they share). `column` is
    "close" or "high" (the intraday high)."""
    old_dates, old_values = read("prices/IWC_raw_2005-2020_alphavantage_tareqalyousef.csv", column)
    new_dates, new_values = read("prices/IWC_raw_2020-2026_alm0421.csv", column)
    older = [(day, value) for day, value in zip(old_dates, old_values, strict=True) if day < new_dates[0]]
    older.reverse()
    return [day for day, _ in older] + new_dates, [value for _, value in older] + new_values


def iwc_adjusted() -> tuple[list[dt.date], list[float]]:
    """IWC's dividend-adjusted closes since 2005 (the last, intraday-partial row included)."""
    return read("prices/IWC_adjusted_dsturdy-Factor_Attribution.csv", "Close")


def t10y2y() -> tuple[list[dt.date], list[float | None]]:
    return read("fred/T10Y2Y_qie2003.csv", "T10Y2Y")


def unrate() -> tuple[list[dt.date], list[float | None]]:
    return read("fred/UNRATE_granite-tsfm.csv", "UNRATE")


def columns(relative: str, date_index: int, value_index: int) -> tuple[list[dt.date], list[float | None]]:
    """Dates and values of one CSV by column position, keeping only rows that start with a date (skips the extra
    header rows of a yfinance MultiIndex file such as MDY_jmlestevez)."""
    with open(DATA / relative, newline="") as handle:
        rows = [row for row in csv.reader(handle) if row and row[0][:1].isdigit()]
    dates = [dt.date.fromisoformat(row[date_index][:10]) for row in rows]
    values = [None if row[value_index].strip() in ("", ".") else float(row[value_index]) for row in rows]
    return dates, values


def mdy() -> tuple[list[dt.date], list[float | None]]:
    """MDY raw closes 1995-2025 (the third column, "Close"; the second is the adjusted close)."""
    return columns("prices/MDY_jmlestevez-taa-dashboard.csv", 0, 2)


def policy_rate() -> tuple[list[dt.date], list[float | None]]:
    """The Fed's target: DFEDTAR to 2008-12-15, then the upper limit of the range, DFEDTARU."""
    old_dates, old_values = read("fred/DFEDTAR_mihikabairathi.csv", "DFEDTAR")
    new_dates, new_values = read("fred/DFEDTARU_mihikabairathi.csv", "DFEDTARU")
    return old_dates + new_dates, old_values + new_values


def until(dates: list[dt.date], values: list, day: dt.date) -> tuple[list[dt.date], list]:
    """The series cut after `day` (inclusive), as if today were `day`."""
    end = dates.index(day) + 1
    return dates[:end], values[:end]


def serial(day: dt.date) -> float:
    """Excel serial of a date, computed independently of udfs.inputs."""
    return float((day - dt.date(1899, 12, 30)).days)
