"""SPEC.md's shared input rules, checked through the cell functions a user calls."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from udfs.cells import (
    CURVE_STATE,
    EVENTS_PER_CENTURY,
    RALLY_RETURN,
    RALLY_SIGMA,
    RATIO_CHANGE,
    UP_DAYS,
)

PRICES = [100.0, 104.0, 101.0, 110.0, 108.0, 115.0, 120.0, 118.0]


def test_header_and_trailing_blanks_are_skipped():
    column = ["IWM", "", *PRICES, None, None, "", None]
    assert RALLY_RETURN(column, 6) == pytest.approx(118 / 104 - 1, abs=1e-15)


def test_interior_blanks_text_and_errors_are_missing_observations():
    column = [100.0, None, 104.0, "n/a", 101.0, "#N/A", 110.0, True, 108.0, 115.0, 120.0, 118.0]
    assert RALLY_RETURN(column, 6) == pytest.approx(118 / 104 - 1, abs=1e-15)


def test_column_of_rows_row_and_numpy_array_give_the_same_answer():
    as_column = [[p] for p in PRICES]
    as_row = [PRICES]
    expected = 118 / 104 - 1
    assert RALLY_RETURN(as_column, 6) == pytest.approx(expected, abs=1e-15)
    assert RALLY_RETURN(as_row, 6) == pytest.approx(expected, abs=1e-15)
    assert RALLY_RETURN(np.array(PRICES), 6) == pytest.approx(expected, abs=1e-15)
    assert RALLY_RETURN(np.array(PRICES).reshape(-1, 1), 6) == pytest.approx(expected, abs=1e-15)


def test_a_block_of_several_rows_and_columns_is_refused():
    assert RALLY_RETURN([[1, 2], [3, 4]], 1) == "#N/A RALLY_RETURN: prices must be one row or one column, got 2×2 cells"


def test_whole_column_with_a_million_trailing_blanks():
    column = ["Close", *PRICES] + [None] * 1_048_567
    assert RALLY_RETURN(column, 6) == pytest.approx(118 / 104 - 1, abs=1e-15)


def test_too_short_says_how_many_are_needed():
    assert RALLY_SIGMA([1, 2, 3, 4, 5], 6) == "#N/A RALLY_SIGMA: window 6 needs at least 27 prices, got 5"


@pytest.mark.parametrize(
    ("price", "cell"),
    [(0.0, 4), (-3.0, 4)],
)
def test_non_positive_price_names_its_cell(price, cell):
    column = ["Close", 100.0, 101.0, price, 102.0, 103.0, 104.0, 105.0, 106.0]
    assert RALLY_RETURN(column, 6) == (
        f"#N/A RALLY_RETURN: prices cell {cell} is {price:g}; prices must be greater than 0"
    )


@pytest.mark.parametrize(
    ("window", "shown"),
    [(0, "0"), (-2, "-2"), (2.5, "2.5"), ("6", "text '6'"), (True, "True"), (float("nan"), "nan")],
)
def test_bad_window_is_refused(window, shown):
    assert RALLY_RETURN(PRICES, window) == f"#N/A RALLY_RETURN: window must be a whole number ≥ 1, got {shown}"


def test_whole_number_floats_and_omitted_windows_are_fine():
    assert RALLY_RETURN(PRICES, 6.0) == RALLY_RETURN(PRICES, 6) == RALLY_RETURN(PRICES, None)
    assert UP_DAYS(PRICES, "", "") == UP_DAYS(PRICES)


def test_two_series_must_have_the_same_size():
    assert RATIO_CHANGE([1, 2, 3], [1, 2], 1) == (
        "#N/A RATIO_CHANGE: numerator has 3 cells but denominator has 2; give two ranges of the same size"
    )


def test_two_series_drop_a_row_where_either_side_is_missing():
    numerator = ["IWM", 10.0, 11.0, 12.0, "x", 13.0]
    denominator = ["SPY", 5.0, 5.0, None, 6.0, 6.5]
    # Kept rows: (10, 5), (11, 5), (13, 6.5): ratios 2, 2.2, 2.
    assert RATIO_CHANGE(numerator, denominator, 1) == pytest.approx(2 / 2.2 - 1, abs=1e-15)
    assert RATIO_CHANGE(numerator, denominator, 2) == pytest.approx(0.0, abs=1e-15)


def test_unsorted_dates_are_named():
    dates = [dt.date(2024, 1, d) for d in (2, 3, 5, 4, 8, 9, 10, 11)]
    assert EVENTS_PER_CENTURY(PRICES, 2, None, dates) == (
        "#N/A EVENTS_PER_CENTURY: dates must be strictly increasing, oldest first: "
        "cell 4 (2024-01-04) is not after cell 3 (2024-01-05)"
    )


def test_dates_as_serials_datetimes_and_dates_agree():
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(len(PRICES))]
    as_datetimes = [dt.datetime.combine(d, dt.time()) for d in days]
    as_serials = [float((d - dt.date(1899, 12, 30)).days) for d in days]
    results = {EVENTS_PER_CENTURY(PRICES, 2, 0.03, ds) for ds in (days, as_datetimes, as_serials)}
    assert len(results) == 1
    assert isinstance(results.pop(), float)


def test_a_date_range_with_a_header_aligns_with_a_price_range_with_a_header():
    dates = ["Date"] + [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(len(PRICES))]
    column = ["IWM", *PRICES]
    no_header = EVENTS_PER_CENTURY(PRICES, 2, 0.03, dates[1:])
    assert EVENTS_PER_CENTURY(column, 2, 0.03, dates) == no_header


def test_a_number_that_is_not_a_date_is_named():
    assert CURVE_STATE([0.1, 0.2], [-5, 45000]) == "#N/A CURVE_STATE: dates cell 1 holds -5, which is not a date"


def test_lookback_below_twenty_is_refused():
    prices = [100 + i for i in range(60)]
    assert RALLY_SIGMA(prices, 6, 10) == (
        "#N/A RALLY_SIGMA: lookback 10 keeps only 10 windows; use 0 (all) or at least 20"
    )


def test_currency_cells_as_decimals_are_numbers():
    from decimal import Decimal

    column = ["Close", *[Decimal(str(p)) for p in PRICES]]
    assert RALLY_RETURN(column, 6) == pytest.approx(118 / 104 - 1, abs=1e-15)


def test_a_result_that_overflows_is_a_clear_na_not_inf():
    # 1e-300 / 1e300 underflows to 0, so the next ratio's change is infinite.
    result = RATIO_CHANGE([1e-300, 1e300], [1e300, 1e-300], 1)
    assert result == "#N/A RATIO_CHANGE: the result is not a finite number; check the input for extreme values"
