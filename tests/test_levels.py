"""RSI, MA sigma, overbought percentile, drawdown, bear line, market state, Sahm rule and percentile rank by hand."""

from __future__ import annotations

import math
import statistics

import pytest

from udfs.cells import (
    BEAR_LINE,
    DRAWDOWN,
    MA_SIGMA,
    MARKET_STATE,
    OVERBOUGHT_PERCENTILE,
    PERCENTILE_RANK,
    RSI,
    SAHM_RULE,
)


def test_rsi_by_hand_with_period_two():
    # d = +1, −0.5, +1.5. First averages over two changes: gain (1 + 0)/2, loss (0 + 0.5)/2.
    # Then gain = (0.5·1 + 1.5)/2 = 1.0, loss = (0.25·1 + 0)/2 = 0.125: RSI = 100 · 1 / 1.125.
    assert RSI([1.0, 2.0, 1.5, 3.0], 2) == pytest.approx(100 / 1.125, rel=1e-14)
    assert RSI([1.0, 2.0, 1.5], 2) == pytest.approx(100 * 0.5 / 0.75, rel=1e-14)


def test_rsi_extremes_and_the_flat_zero():
    assert RSI([1, 2, 3, 4, 5], 3) == 100.0
    assert RSI([5, 4, 3, 2, 1], 3) == 0.0
    assert RSI([7, 7, 7, 7, 7], 3) == 0.0  # TA-Lib's choice when there is no change at all


def test_rsi_needs_more_prices_than_the_period():
    assert RSI([1, 2, 3], 3) == "#N/A RSI: period 3 needs at least 4 prices, got 3"


def test_ma_sigma_uses_the_population_stdev():
    assert MA_SIGMA([1, 2, 3, 4, 5], 5) == pytest.approx(2 / math.sqrt(2), rel=1e-14)
    assert MA_SIGMA([9, 1, 3, 4, 5], 3) == pytest.approx(1 / statistics.pstdev([3, 4, 5]), rel=1e-14)
    assert MA_SIGMA([1, 2, 3, 2], 4) == pytest.approx(0.0, abs=1e-15)


def test_ma_sigma_of_a_flat_window_is_undefined():
    assert MA_SIGMA([3, 5, 5, 5], 3) == (
        "#N/A MA_SIGMA: the last 3 prices are all equal, so their standard deviation is 0"
    )


def _naive_overbought(prices: list[float], period: int) -> float:
    sigmas = []
    for end in range(period, len(prices) + 1):
        window = prices[end - period : end]
        spread = statistics.pstdev(window)
        sigmas.append(None if spread == 0 else (window[-1] - statistics.fmean(window)) / spread)
    today, earlier = sigmas[-1], [s for s in sigmas[:-1] if s is not None]
    return (sum(s < today - 1e-9 for s in earlier) + 0.5 * sum(abs(s - today) <= 1e-9 for s in earlier)) / len(earlier)


def test_overbought_percentile_counts_exact_ties_half():
    # Every window of a repeating 1,2,3,4 pattern is a permutation of the same prices, so MA_SIGMA repeats exactly:
    # today (ending on 4) ties with every earlier window ending on 4 and beats the rest.
    prices = [1.0, 2.0, 3.0, 4.0] * 10
    earlier = len(prices) - 4  # windows ending on days 4 … n−1
    ties = sum(1 for end in range(4, len(prices)) if prices[end - 1] == 4.0)
    expected = ((earlier - ties) + 0.5 * ties) / earlier
    assert OVERBOUGHT_PERCENTILE(prices, 4) == pytest.approx(expected, abs=1e-15)
    assert _naive_overbought(prices, 4) == pytest.approx(expected, abs=1e-15)


def test_overbought_percentile_a_record_stretch_is_one():
    prices = [100.0 + (i % 5) for i in range(60)] + [130.0]
    assert OVERBOUGHT_PERCENTILE(prices, 10) == 1.0


def test_overbought_percentile_skips_flat_windows():
    prices = [5.0] * 30 + [5.0 + (i % 3) for i in range(30)]
    assert OVERBOUGHT_PERCENTILE(prices, 5) == pytest.approx(_naive_overbought(prices, 5), abs=1e-15)


def test_drawdown_bear_line_and_state():
    assert DRAWDOWN([100, 120, 90]) == pytest.approx(-0.25, abs=1e-15)
    assert DRAWDOWN([100, 120, 125]) == 0.0
    # The newsletter's "127.7$ level": 20% below a 159.625 high.
    assert BEAR_LINE([100, 159.625, 140]) == pytest.approx(127.7, abs=1e-12)
    assert BEAR_LINE([100, 150], 0.1) == pytest.approx(135.0, abs=1e-12)
    assert BEAR_LINE([100, 150], 1.5) == (
        "#N/A BEAR_LINE: threshold must be a fraction between 0 and 1 (0.2 for 20%), got 1.5"
    )


@pytest.mark.parametrize(
    ("prices", "state"),
    [
        ([100, 120, 120], "NEW HIGH"),
        ([100, 120], "NEW HIGH"),
        ([100, 95], "BULL"),
        ([100, 90.01], "BULL"),
        ([100, 90], "CORRECTION"),  # exactly −10%
        ([100, 80.01], "CORRECTION"),
        ([100, 120, 96], "BEAR"),  # exactly −20%
        ([100, 80], "BEAR"),
        ([100, 50], "BEAR"),
    ],
)
def test_market_state_boundaries(prices, state):
    # A state needs a year (252 prices): a flat year at 100 before each case changes none of its boundaries.
    assert MARKET_STATE([100.0] * 250 + prices) == state


def test_sahm_rule_by_hand():
    rates = [4.0] * 13 + [4.3, 4.6, 4.9]
    # Latest three-month mean (4.3 + 4.6 + 4.9)/3 = 4.6; the lowest of the 12 before is 4.0.
    assert SAHM_RULE(rates) == pytest.approx(0.6, abs=1e-12)


def test_sahm_rule_keeps_a_missing_month_in_place():
    # Month 14 is missing: the latest mean is over the two present months (4.3, 4.9), not over three shifted ones.
    rates = ["UNRATE", *([4.0] * 13), 4.3, None, 4.9, None, None]
    assert SAHM_RULE(rates) == pytest.approx(0.6, abs=1e-12)
    # Two missing months in the last three: the latest defined mean is the month before.
    rates = [4.0] * 13 + [4.3, 4.6, None, None, 5.5]
    assert SAHM_RULE(rates) == pytest.approx((4.3 + 4.6) / 2 - 4.0, abs=1e-12)


def test_sahm_rule_needs_history():
    assert SAHM_RULE([4.0, 4.1, 4.2]) == "#N/A SAHM_RULE: the rule needs at least 4 monthly rates, got 3"


def test_percentile_rank_latest_against_earlier_and_given_value():
    assert PERCENTILE_RANK([1, 2, 3, 2]) == pytest.approx(0.5)  # 2 among 1, 2, 3: (1 + ½)/3
    assert PERCENTILE_RANK([1, 2, 3, 2], 2) == pytest.approx(0.5)  # among all four: (1 + ½·2)/4
    assert PERCENTILE_RANK([1, 2, 3, 2], 0) == 0.0
    assert PERCENTILE_RANK([1, 2, 3, 2], 5) == 1.0
    assert PERCENTILE_RANK(["HY", 3.5, None, 4.0, 5.0]) == 1.0
