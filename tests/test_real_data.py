"""The newsletter's numbers on real data, each checked against a second, deliberately naive computation."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
import talib

from tests import realdata
from udfs.cells import (
    EVENTS_PER_CENTURY,
    RALLY_ANALOGS,
    RALLY_PERCENTILE,
    RALLY_REPORT,
    RALLY_RETURN,
    RALLY_SIGMA,
    RATIO_CHANGE,
    RATIO_PERCENTILE,
    RATIO_SIGMA,
    RSI,
    SAHM_RULE,
)

MOMENT = dt.date(2024, 7, 16)


# --- naive references: plain loops over Python lists ------------------------------------------------------------


def naive_moves(prices: list[float], window: int) -> list[float]:
    moves = []
    for t in range(window, len(prices)):
        moves.append(prices[t] / prices[t - window] - 1)
    return moves


def naive_sigma_and_percentile(prices: list[float], window: int) -> tuple[float, float]:
    moves = naive_moves(prices, window)
    today, history = moves[-1], moves[:-1]
    total = 0.0
    for h in history:
        total += h
    mean = total / len(history)
    squares = 0.0
    for h in history:
        squares += (h - mean) ** 2
    stdev = math.sqrt(squares / (len(history) - 1))
    below = equal = 0
    for h in history:
        if h < today:
            below += 1
        elif h == today:
            equal += 1
    return (today - mean) / stdev, (below + equal / 2) / len(history)


def naive_per_century(prices: list[float], window: int, threshold: float, years: float) -> float:
    moves = naive_moves(prices, window)
    count, t = 0, 0
    while t < len(moves):
        hit = moves[t] >= threshold if threshold >= 0 else moves[t] <= threshold
        if hit:
            count += 1
            t += window
        else:
            t += 1
    return count / years * 100


@pytest.fixture(scope="module")
def iwm():
    return realdata.iwm()


@pytest.fixture(scope="module")
def spy():
    return realdata.spy()


def test_iwm_six_day_rally_of_july_2024(iwm):
    dates, closes = realdata.until(*iwm, MOMENT)
    assert dates[-7] == dt.date(2024, 7, 8)
    # The file holds 202.279999 and 224.600006 (Yahoo's float noise around 202.28 and 224.60).
    assert closes[-7] == pytest.approx(202.28, abs=1e-5) and closes[-1] == pytest.approx(224.60, abs=1e-5)
    assert RALLY_RETURN(closes, 6) == pytest.approx(224.600006 / 202.279999 - 1, abs=1e-12)
    assert round(RALLY_RETURN(closes, 6), 4) == 0.1103


def test_iwm_spy_ratio_change_over_the_same_days(iwm, spy):
    _, iwm_closes = realdata.until(*iwm, MOMENT)
    spy_dates, spy_closes = realdata.until(*spy, MOMENT)
    # SPY's file starts in 1993, IWM's in 2000: align on IWM's dates (same trading calendar).
    start = spy_dates.index(iwm[0][0])
    spy_closes = spy_closes[start:]
    assert spy_closes[-7] == pytest.approx(555.28, abs=1e-4) and spy_closes[-1] == pytest.approx(564.86, abs=1e-4)
    expected = (iwm_closes[-1] / spy_closes[-1]) / (iwm_closes[-7] / spy_closes[-7]) - 1
    assert round(expected, 4) == round((224.60 / 564.86) / (202.28 / 555.28) - 1, 4)
    assert RATIO_CHANGE(iwm_closes, spy_closes, 6) == pytest.approx(expected, abs=1e-12)
    ratio = [a / b for a, b in zip(iwm_closes, spy_closes, strict=True)]
    sigma, percentile = naive_sigma_and_percentile(ratio, 6)
    assert RATIO_SIGMA(iwm_closes, spy_closes, 6) == pytest.approx(sigma, rel=1e-9)
    assert RATIO_PERCENTILE(iwm_closes, spy_closes, 6) == pytest.approx(percentile, abs=1e-12)
    assert sigma > 3  # "seen once or twice a century"


@pytest.mark.parametrize("series", ["iwm", "spy", "iwc"])
@pytest.mark.parametrize("window", [1, 6, 21])
def test_sigma_percentile_and_per_century_match_naive_loops(series, window):
    dates, closes = getattr(realdata, series)()
    for end in range(len(closes) - 1, window + 25, -max(1, len(closes) // 5)):
        prices, days = closes[: end + 1], dates[: end + 1]
        sigma, percentile = naive_sigma_and_percentile(prices, window)
        assert RALLY_SIGMA(prices, window) == pytest.approx(sigma, rel=1e-9)
        assert RALLY_PERCENTILE(prices, window) == pytest.approx(percentile, abs=1e-12)
        today = prices[-1] / prices[-1 - window] - 1
        years = (days[-1] - days[0]).days / 365.25
        assert EVENTS_PER_CENTURY(prices, window, None, days) == pytest.approx(
            naive_per_century(prices, window, today, years), rel=1e-12
        )
        for threshold in (0.0, 0.05, -0.05):
            assert EVENTS_PER_CENTURY(prices, window, threshold) == pytest.approx(
                naive_per_century(prices, window, threshold, (len(prices) - 1) / 252), rel=1e-12
            )


def test_rsi_equals_talib_over_iwms_whole_history(iwm):
    closes = np.array(iwm[1])
    for period in (2, 14, 30):
        reference = talib.RSI(closes, timeperiod=period)
        ours = np.array([RSI(closes[: end + 1], period) for end in range(period, len(closes))])
        assert np.max(np.abs(ours - reference[period:])) < 1e-9


def test_sahm_rule_from_todays_unrate_vintage():
    dates, rates = realdata.unrate()
    dates, rates = realdata.until(dates, rates, dt.date(2024, 7, 1))
    # SOURCES.md: today's vintage gives 0.50 for July 2024 (the real-time reading was 0.53).
    assert SAHM_RULE(rates) == pytest.approx(0.50, abs=1e-9)
    means = [sum(rates[t - 2 : t + 1]) / 3 for t in range(len(rates) - 13, len(rates))]
    assert SAHM_RULE(rates) == pytest.approx(means[-1] - min(means[:-1]), abs=1e-12)


def test_sahm_rule_across_the_missing_october_2025():
    dates, rates = realdata.unrate()
    assert rates[dates.index(dt.date(2025, 10, 1))] is None
    dates, rates = realdata.until(dates, rates, dt.date(2025, 11, 1))
    # November's mean is over September and November only; October stays a missing month.
    latest = (rates[-3] + rates[-1]) / 2
    earlier = []
    for t in range(len(rates) - 13, len(rates) - 1):
        present = [r for r in rates[t - 2 : t + 1] if r is not None]
        if len(present) >= 2:
            earlier.append(sum(present) / len(present))
    assert SAHM_RULE(rates) == pytest.approx(latest - min(earlier), abs=1e-12)


def test_rally_report_card_matches_the_single_functions(iwm):
    dates, closes = realdata.until(*iwm, MOMENT)
    card = dict((row[0], row[1]) for row in RALLY_REPORT(closes, dates))
    sigma = RALLY_SIGMA(closes)
    assert card["Move over 6 observations"] == RALLY_RETURN(closes)
    assert card["Sigma"] == sigma
    assert card["Percentile (empirical)"] == RALLY_PERCENTILE(closes)
    assert card["Percentile if normal, Φ(sigma)"] == pytest.approx(
        0.5 * (1 + math.erf(sigma / math.sqrt(2))), rel=1e-12
    )
    assert card["Episodes per century"] == EVENTS_PER_CENTURY(closes, 6, None, dates)
    assert card["Windows in history"] == len(closes) - 7
    assert card["First date"] == realdata.serial(dates[0])
    assert card["Last date"] == realdata.serial(MOMENT)
    assert "ddof 1" in card["Method"]


def test_rally_analogs_lists_every_earlier_episode_with_what_followed(iwm):
    dates, closes = realdata.until(*iwm, MOMENT)
    table = RALLY_ANALOGS(closes, dates, 6, 0.08, "21,63")
    assert table[0] == ["End date", "Move", "After 21", "After 63"]
    body, median, share = table[1:-2], table[-2], table[-1]
    # Independent scan: declustered ≥ 8% six-day moves, today's excluded.
    expected_ends, t = [], 6
    while t < len(closes):
        if closes[t] / closes[t - 6] - 1 >= 0.08:
            expected_ends.append(t)
            t += 6
        else:
            t += 1
    expected_ends = [t for t in expected_ends if t < len(closes) - 1]
    assert [row[0] for row in body] == [realdata.serial(dates[t]) for t in expected_ends]
    for row, t in zip(body, expected_ends, strict=True):
        assert row[1] == pytest.approx(closes[t] / closes[t - 6] - 1, abs=1e-12)
        for column, h in ((2, 21), (3, 63)):
            if t + h < len(closes):
                assert row[column] == pytest.approx(closes[t + h] / closes[t] - 1, abs=1e-12)
            else:
                assert row[column] == ""
    after21 = [row[2] for row in body if row[2] != ""]
    assert median[0] == "Median" and median[2] == pytest.approx(float(np.median(after21)), abs=1e-12)
    assert share[0] == "Share positive" and share[2] == pytest.approx(sum(a > 0 for a in after21) / len(after21))


def test_rally_analogs_with_no_earlier_episode_says_so(iwm):
    dates, closes = realdata.until(*iwm, MOMENT)
    assert (
        RALLY_ANALOGS(closes, dates, 6, 0.5) == "#N/A RALLY_ANALOGS: no earlier 6-observation move ≥ 50.0% in the data"
    )
