"""Yield-curve episodes and state: by hand, and SPEC.md's dating of FRED's T10Y2Y."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import realdata
from udfs.cells import CURVE_EPISODES, CURVE_SINCE, CURVE_STATE

# Index:     0     1     2     3    4     5     6     7    8     9    10   11   12
SPREAD = [0.5, -0.1, -0.2, 0.0, -0.1, -0.2, -0.3, 0.1, -0.1, 0.2, 0.3, 0.4, 0.1]
FIRST = dt.date(2024, 1, 1)
DATES = [FIRST + dt.timedelta(days=i) for i in range(len(SPREAD))]


def serial(i: int) -> float:
    return realdata.serial(DATES[i])


def test_episode_needs_persist_inverted_days_and_zero_is_not_inverted():
    # Days 1-2 are a two-day inversion (too short, and day 3's 0.00 breaks it); days 4-6 are three in a row:
    # the episode starts on day 4. Day 7's single positive day does not end it; days 9-12 (four) do, on day 9.
    assert CURVE_EPISODES(SPREAD, DATES, 3) == [
        ["Start", "End", "Days", "Min spread", "Min date"],
        [serial(4), serial(9), 5.0, -0.3, serial(6)],
    ]


@pytest.mark.parametrize(
    ("last", "state", "since"),
    [
        (5, "NORMAL", 0),  # only two inverted days so far: no episode yet
        (6, "INVERTED", 4),
        (7, "UN-INVERTING", 4),
        (8, "INVERTED", 4),
        (10, "UN-INVERTING", 4),  # two non-inverted days are not yet an end
        (11, "DIS-INVERTED", 9),
        (12, "DIS-INVERTED", 9),
    ],
)
def test_state_and_since_day_by_day(last, state, since):
    spread, dates = SPREAD[: last + 1], DATES[: last + 1]
    assert CURVE_STATE(spread, dates, 3) == state
    assert CURVE_SINCE(spread, dates, 3) == serial(since)


def test_dis_inverted_becomes_normal_after_memory_days():
    # The episode ended on day 9; three days later with a two-day memory the curve is NORMAL, dated from day 9 (the
    # turn in the data, not day 9 + 2).
    assert CURVE_STATE(SPREAD, DATES, 3, 2) == "NORMAL"
    assert CURVE_SINCE(SPREAD, DATES, 3, 2) == serial(9)
    assert CURVE_STATE(SPREAD, DATES, 3, 4) == "DIS-INVERTED"


def test_open_episode_has_a_blank_end_and_days_to_the_last_date():
    assert CURVE_EPISODES(SPREAD[:9], DATES[:9], 3)[1] == [serial(4), "", 4.0, -0.3, serial(6)]


def test_no_episode_is_a_clear_message():
    assert CURVE_EPISODES([0.1, -0.1, 0.2], DATES[:3]) == (
        "#N/A CURVE_EPISODES: no inversion of 5 or more days in a row in the data"
    )


def test_spread_and_dates_must_match_in_size():
    assert CURVE_STATE(SPREAD, DATES[:-1]).startswith("#N/A CURVE_STATE: spread has 13 cells but dates has 12")


@pytest.fixture(scope="module")
def t10y2y():
    return realdata.t10y2y()


def _as_of(t10y2y, day: dt.date):
    dates, values = realdata.until(*t10y2y, day)
    return values, dates


def test_fred_t10y2y_episode_dating_from_spec(t10y2y):
    dates, values = t10y2y
    table = CURVE_EPISODES(values, dates)
    starts = {row[0]: row for row in table[1:]}
    episode = starts[realdata.serial(dt.date(2022, 7, 6))]
    assert episode[1] == realdata.serial(dt.date(2024, 9, 6))
    assert episode[2] == (dt.date(2024, 9, 6) - dt.date(2022, 7, 6)).days
    # The deepest point of the 2022-24 inversion, read off the file independently.
    inside = [
        (v, d)
        for d, v in zip(dates, values, strict=True)
        if v is not None and dt.date(2022, 7, 6) <= d < dt.date(2024, 9, 6)
    ]
    lowest, lowest_day = min(inside, key=lambda pair: (pair[0], pair[1]))
    assert episode[3] == lowest
    assert episode[4] == realdata.serial(lowest_day)
    # The two negative days of April 2022 are too short to start an episode.
    assert not any(
        dt.date(2022, 3, 1) <= (dt.date(1899, 12, 30) + dt.timedelta(days=int(s))) <= dt.date(2022, 7, 5)
        for s in starts
    )


def test_fred_t10y2y_state_on_spec_dates(t10y2y):
    inverted_since = realdata.serial(dt.date(2022, 7, 6))
    ended = realdata.serial(dt.date(2024, 9, 6))
    assert CURVE_STATE(*_as_of(t10y2y, dt.date(2024, 7, 29))) == "INVERTED"
    assert CURVE_SINCE(*_as_of(t10y2y, dt.date(2024, 7, 29))) == inverted_since
    # 2024-09-05 was the last negative day; the non-negative run from 09-06 is five days long on 09-12.
    assert CURVE_STATE(*_as_of(t10y2y, dt.date(2024, 9, 11))) == "UN-INVERTING"
    assert CURVE_SINCE(*_as_of(t10y2y, dt.date(2024, 9, 11))) == inverted_since
    for day in (dt.date(2024, 9, 12), dt.date(2024, 12, 31), dt.date(2025, 9, 5)):
        assert CURVE_STATE(*_as_of(t10y2y, day)) == "DIS-INVERTED"
        assert CURVE_SINCE(*_as_of(t10y2y, day)) == ended
    assert CURVE_STATE(*_as_of(t10y2y, dt.date(2025, 9, 8))) == "NORMAL"
    assert CURVE_SINCE(*_as_of(t10y2y, dt.date(2025, 9, 8))) == ended  # 2024-09-06, not the Saturday 2025-09-06
