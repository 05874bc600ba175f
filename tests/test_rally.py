"""Rally and ratio functions on small hand-computed series (ties, exact zeros, edge lengths)."""

from __future__ import annotations

import datetime as dt
import math
import statistics

import pytest

from udfs.cells import (
    EVENTS_PER_CENTURY,
    MAX_DAILY_GAIN,
    RALLY_PERCENTILE,
    RALLY_RETURN,
    RALLY_SIGMA,
    RATIO_CHANGE,
    RATIO_PERCENTILE,
    RATIO_SIGMA,
    UP_DAYS,
    UP_STREAK,
)

# 22 prices alternating 100, 101: one-day returns alternate up = 101/100 − 1 and down = 100/101 − 1 exactly
# (the same two divisions every time), so ties are exact. Today (100 → 101) is an "up".
SEESAW = [100.0, 101.0] * 11
UP = 101 / 100 - 1
DOWN = 100 / 101 - 1


def test_rally_return_is_the_simple_return_over_the_window():
    assert RALLY_RETURN([100, 105, 110, 121], 2) == pytest.approx(121 / 105 - 1, abs=1e-15)
    assert RALLY_RETURN([100, 121], 1) == pytest.approx(0.21, abs=1e-15)


def test_rally_return_edge_length_is_window_plus_one():
    assert RALLY_RETURN([100, 110, 121], 2) == pytest.approx(0.21, abs=1e-15)
    assert RALLY_RETURN([110, 121], 2) == "#N/A RALLY_RETURN: window 2 needs at least 3 prices, got 2"


def test_rally_sigma_by_hand_with_ties():
    # H = ten ups and ten downs (t = 2..21); today = up.
    history = [UP, DOWN] * 10
    expected = (UP - statistics.mean(history)) / statistics.stdev(history)
    assert RALLY_SIGMA(SEESAW, 1) == pytest.approx(expected, rel=1e-12)


def test_rally_percentile_counts_ties_half():
    # Today ties with the ten ups and beats the ten downs: (10 + ½·10) / 20.
    assert RALLY_PERCENTILE(SEESAW, 1) == 0.75


def test_rally_percentile_edge_length_is_window_plus_21():
    assert RALLY_PERCENTILE(SEESAW, 1) == 0.75  # 22 prices = 1 + 21
    assert RALLY_PERCENTILE(SEESAW[1:], 1) == "#N/A RALLY_PERCENTILE: window 1 needs at least 22 prices, got 21"


def test_a_record_move_is_the_hundredth_percentile():
    prices = [*SEESAW, 110.0]
    assert RALLY_PERCENTILE(prices, 1) == 1.0


def test_flat_history_has_no_sigma():
    assert RALLY_SIGMA([50.0] * 30, 6) == (
        "#N/A RALLY_SIGMA: all 23 past moves are equal, so their standard deviation is 0"
    )


def test_lookback_keeps_only_the_last_windows():
    # 40 calm days then 25 wild ones: with lookback 20 the history is only the wild ones.
    calm = [100.0 + 0.01 * (i % 2) for i in range(40)]
    wild = [100.0 * (1.2 if i % 2 else 1.0) for i in range(25)]
    prices = calm + wild
    returns = [prices[t] / prices[t - 1] - 1 for t in range(1, len(prices))]
    history, today = returns[-21:-1], returns[-1]
    expected = (today - statistics.mean(history)) / statistics.stdev(history)
    assert RALLY_SIGMA(prices, 1, 20) == pytest.approx(expected, rel=1e-12)
    below = sum(h < today for h in history) + 0.5 * sum(h == today for h in history)
    assert RALLY_PERCENTILE(prices, 1, 20) == below / 20


# R(2) of this series: t=3: 0.10, t=4: 0.21, t=5: 0.10, t=6: 0, t=7: 0.10, t=8: 0.10, t=9: 0.
STEPS = [100.0, 100.0, 110.0, 121.0, 121.0, 121.0, 133.1, 133.1, 133.1]


def test_events_per_century_declusters_overlapping_windows():
    # ≥ 5%: t = 3, 4, 5, 7, 8 qualify; counting t=3 skips t=4, t=5 skips 6, t=7 skips 8: three events in 8/252 years.
    assert EVENTS_PER_CENTURY(STEPS, 2, 0.05) == pytest.approx(3 / (8 / 252) * 100, rel=1e-12)
    assert EVENTS_PER_CENTURY(STEPS, 2, 0.15) == pytest.approx(1 / (8 / 252) * 100, rel=1e-12)


def test_events_per_century_default_threshold_is_todays_move_and_today_counts():
    # Today's R(2) is exactly 0, so every window with R ≥ 0 qualifies: t = 3, 5, 7, 9 are counted.
    assert EVENTS_PER_CENTURY(STEPS, 2) == pytest.approx(4 / (8 / 252) * 100, rel=1e-12)


def test_events_per_century_negative_threshold_counts_falls():
    falling = [100.0, 90.0, 81.0, 81.0, 90.0]  # R(1): -0.1, -0.1, 0, +0.11
    assert EVENTS_PER_CENTURY(falling, 1, -0.05) == pytest.approx(2 / (4 / 252) * 100, rel=1e-12)
    assert EVENTS_PER_CENTURY(falling, 1, -0.5) == 0.0


def test_events_per_century_with_dates_uses_calendar_years():
    first = dt.date(2020, 1, 1)
    dates = [first + dt.timedelta(days=round(i * 730.5 / 8)) for i in range(len(STEPS))]
    years = (dates[-1] - dates[0]).days / 365.25
    assert EVENTS_PER_CENTURY(STEPS, 2, 0.05, dates) == pytest.approx(3 / years * 100, rel=1e-12)


def test_up_streak_counts_the_latest_consecutive_gains():
    prices = [100, 102, 104, 103, 105, 107, 109]  # returns .02 .0196 -.0096 .019 .019 .0187
    assert UP_STREAK(prices) == 3
    assert UP_STREAK(prices, 0.0186) == 3
    assert UP_STREAK(prices, 0.0187) == 0  # today's 109/107 − 1 = 0.018692 is not above
    assert UP_STREAK(prices, -1) == 6


def test_up_streak_exact_zero_return_is_not_up():
    assert UP_STREAK([100, 101, 101], 0) == 0
    assert UP_STREAK([100, 100, 101], 0) == 1


def test_up_days_and_max_daily_gain_over_the_window():
    prices = [100, 90, 91, 92.5, 92.5, 95, 96, 99]
    # Last six returns: 91/90, 92.5/91, 92.5/92.5, 95/92.5, 96/95, 99/96 (minus 1).
    # Returns: .01111, .01648, 0 (exactly), .02703, .01053, .03125.
    assert UP_DAYS(prices, 6, 0.01) == 5
    assert UP_DAYS(prices, 6, 0.011) == 4
    assert UP_DAYS(prices, 6, 0.0) == 5  # the exact zero is not above 0
    assert UP_DAYS(prices, 6, -0.001) == 6
    assert MAX_DAILY_GAIN(prices, 6) == pytest.approx(99 / 96 - 1, abs=1e-15)
    assert MAX_DAILY_GAIN(prices, 7) == pytest.approx(99 / 96 - 1, abs=1e-15)
    assert MAX_DAILY_GAIN(prices, 8) == "#N/A MAX_DAILY_GAIN: window 8 needs at least 9 prices, got 8"


def test_ratio_functions_are_the_rally_functions_of_the_ratio():
    spy = [400.0 + (i % 3) for i in range(30)]
    iwm = [s / 2 * (1 + 0.01 * math.sin(i)) for i, s in enumerate(spy)]
    ratio = [a / b for a, b in zip(iwm, spy, strict=True)]
    assert RATIO_CHANGE(iwm, spy, 6) == pytest.approx(ratio[-1] / ratio[-7] - 1, abs=1e-14)
    assert RATIO_SIGMA(iwm, spy, 3) == pytest.approx(RALLY_SIGMA(ratio, 3), rel=1e-9)
    assert RATIO_PERCENTILE(iwm, spy, 3) == RALLY_PERCENTILE(ratio, 3)


def test_ratio_denominator_must_be_positive():
    assert RATIO_CHANGE([1, 2, 3], ["SPY", 0, 2], 1) == (
        "#N/A RATIO_CHANGE: denominator cell 2 is 0; prices must be greater than 0"
    )
