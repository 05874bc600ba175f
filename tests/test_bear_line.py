"""The newsletter's title question on the whole raw IWC history: the bear-market line from the closing high and from
the intraday high, the RISING FROM BEAR state and its window, and the year of history a state needs. Every expected
figure is computed here from the verbatim files in tests/data (a plain loop), or is the figure SOURCES.md records."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from tests import realdata
from udfs import cells

D = dt.date
SAMPLE = Path(__file__).parent.parent / "addin" / "pipeline" / "sample"
PRICE_END = D(2025, 9, 25)  # every bundled price series stops on its last full bar (tests/test_sample.py)


def until(days, values, last):
    kept = [(day, value) for day, value in zip(days, values, strict=True) if day <= last]
    return [day for day, _ in kept], [value for _, value in kept]


CLOSES = realdata.iwc_raw("close")
HIGHS = realdata.iwc_raw("high")


@pytest.mark.parametrize(("series_id", "column"), [("IWC", "close"), ("IWC_HIGH", "high")])
def test_the_bundled_raw_iwc_is_the_two_files_joined(series_id, column):
    days, values = until(*realdata.iwc_raw(column), PRICE_END)
    with open(SAMPLE / f"{series_id}.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [dt.date.fromisoformat(row["date"]) for row in rows] == days
    assert [float(row["value"]) for row in rows] == values
    assert (days[0], days[-1], len(days)) == (D(2005, 8, 16), PRICE_END, 5060)


def test_the_two_raw_files_agree_where_they_overlap():
    old_days, old = realdata.read("prices/IWC_raw_2005-2020_alphavantage_tareqalyousef.csv", "close")
    new_days, new = realdata.read("prices/IWC_raw_2020-2026_alm0421.csv", "close")
    newer = dict(zip(new_days, new, strict=True))
    shared = [(day, value) for day, value in zip(old_days, old, strict=True) if day in newer]
    assert len(shared) == 72
    assert max(abs(value - newer[day]) for day, value in shared) <= 0.005 + 1e-9


def test_the_127_7_level_is_the_intraday_high_of_2021_03_15():
    days, closes = until(*CLOSES, D(2024, 7, 16))
    _, highs = until(*HIGHS, D(2024, 7, 16))
    best_close = max(range(len(closes)), key=lambda i: (closes[i], -i))
    best_high = max(range(len(highs)), key=lambda i: (highs[i], -i))
    assert (days[best_close], closes[best_close]) == (D(2021, 3, 12), 158.51)
    assert (days[best_high], highs[best_high]) == (D(2021, 3, 15), 159.56)
    assert closes[-1] == 129.46
    assert cells.BEAR_LINE(closes) == pytest.approx(0.8 * 158.51, abs=1e-9) == pytest.approx(126.808)
    assert cells.BEAR_LINE(closes, 0.2, highs) == pytest.approx(0.8 * 159.56, abs=1e-9) == pytest.approx(127.648)
    # The newsletter's 127.7 is 127.65 rounded again: 0.052 from the intraday line, 0.89 from the closing one.
    assert abs(cells.BEAR_LINE(closes, 0.2, highs) - 127.7) < 0.1 < 0.8 < abs(cells.BEAR_LINE(closes) - 127.7)
    assert cells.DRAWDOWN(closes) == pytest.approx(129.46 / 158.51 - 1, abs=1e-12) == pytest.approx(-0.1833, abs=5e-5)
    assert cells.DRAWDOWN(closes, highs) == pytest.approx(129.46 / 159.56 - 1, abs=1e-12)


def test_iwc_on_2024_07_16_is_rising_from_bear_and_was_in_bear_the_day_before():
    for last, state in ((D(2024, 7, 15), "BEAR"), (D(2024, 7, 16), "RISING FROM BEAR"), (D(2024, 7, 18), "BEAR")):
        _, closes = until(*CLOSES, last)
        _, highs = until(*HIGHS, last)
        assert cells.MARKET_STATE(closes) == state
        assert cells.MARKET_STATE(closes, highs) == state
    # 2024-07-15 closed at 124.72, below both lines (126.81 and 127.65).
    assert dict(zip(*CLOSES, strict=True))[D(2024, 7, 15)] == 124.72


@pytest.mark.parametrize(
    ("loader", "last_bear", "inside", "outside", "after"),
    [
        # IWM's close of 2019-01-04 (137.19) was below 80% of its 2018-08-31 high; 251 observations later it is still
        # within the year, 252 later it is not: the first rule that holds is then BULL.
        (realdata.iwm, D(2019, 1, 4), D(2020, 1, 3), D(2020, 1, 6), "BULL"),
        # MDY's close of 2022-10-24 (424.37, line 424.82): a year on it is still 19% below its high, so CORRECTION.
        (realdata.mdy, D(2022, 10, 24), D(2023, 10, 24), D(2023, 10, 25), "CORRECTION"),
    ],
)
def test_rising_from_bear_lasts_252_observations_after_the_last_bear_close(loader, last_bear, inside, outside, after):
    days, values = loader()
    pairs = [(day, value) for day, value in zip(days, values, strict=True) if value is not None]
    days, values = [d for d, _ in pairs], [v for _, v in pairs]
    # The independent check: a plain loop for the running high and the last close at or below 80% of it.
    high, bear_days = 0.0, []
    for day, value in zip(days, values, strict=True):
        high = max(high, value)
        if day <= inside and value <= 0.8 * high:
            bear_days.append(day)
    assert bear_days[-1] == last_bear
    assert days.index(inside) - days.index(last_bear) == 251
    assert days.index(outside) - days.index(last_bear) == 252
    assert cells.MARKET_STATE(until(days, values, inside)[1]) == "RISING FROM BEAR"
    assert cells.MARKET_STATE(until(days, values, outside)[1]) == after


def test_a_new_closing_high_ends_rising_from_bear():
    # IWC closed above its 2007 high on 2013-05-28 (62.05) after a bear close on 2012-11-21.
    _, closes = until(*CLOSES, D(2013, 5, 28))
    assert closes[-1] == 62.05 and closes[-1] >= max(closes[:-1])
    assert cells.MARKET_STATE(closes) == "NEW HIGH"
    assert cells.MARKET_STATE(until(*CLOSES, D(2013, 5, 24))[1]) == "RISING FROM BEAR"


def test_a_state_refuses_to_call_a_high_on_less_than_a_year_of_prices():
    # The 2024-only IWC (251 closes) made its "high" in 2024: no state is called on it.
    _, closes_2024 = realdata.iwc()
    assert len(closes_2024) == 251
    assert cells.MARKET_STATE(closes_2024) == (
        "#N/A MARKET_STATE: a market state needs at least 252 prices (a year, to tell a new high from the first high "
        "it has seen), got 251"
    )
    assert cells.MARKET_STATE(CLOSES[1][:252]) != cells.MARKET_STATE(CLOSES[1][:251])


def test_the_series_with_highs_equal_the_scalar_function_on_every_prefix():
    _, closes = until(*CLOSES, D(2024, 7, 16))
    _, highs = until(*HIGHS, D(2024, 7, 16))
    column, high_column = [[c] for c in ["IWC", *closes]], [[h] for h in ["IWC_HIGH", *highs]]
    lines = cells.BEAR_LINE_SERIES(column, 0.2, 5, high_column)
    falls = cells.DRAWDOWN_SERIES(column, 5, high_column)
    for k in range(5):
        prefix = len(closes) - 4 + k
        assert lines[k][0] == pytest.approx(cells.BEAR_LINE(closes[:prefix], 0.2, highs[:prefix]), rel=1e-15)
        assert falls[k][0] == pytest.approx(cells.DRAWDOWN(closes[:prefix], highs[:prefix]), rel=1e-15)
    assert lines[-1][0] == pytest.approx(127.648)


def test_a_high_below_zero_or_a_blank_high_is_read_as_the_rule_says():
    assert cells.BEAR_LINE([100.0, 150.0], 0.2, [101.0, None]) == pytest.approx(120.0)  # a blank high: the close
    assert cells.BEAR_LINE([100.0, 150.0], 0.2, [160.0, 151.0]) == pytest.approx(128.0)
    assert cells.BEAR_LINE([100.0, 150.0], 0.2, [101.0, -1.0]) == (
        "#N/A BEAR_LINE: highs cell 2 is -1; prices must be greater than 0"
    )
