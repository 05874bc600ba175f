"""EASING_CYCLES, EVENT_RETURNS and PERIOD_CHANGE on the real data, against naive loops written from SPEC.md."""

from __future__ import annotations

import datetime as dt
import statistics

import pytest

from tests import realdata
from udfs import cells

D = dt.date
FIRST_CUTS = [D(1989, 6, 6), D(1995, 7, 6), D(1998, 9, 29), D(2001, 1, 3), D(2007, 9, 18), D(2019, 8, 1)]
FIRST_CUTS.append(D(2024, 9, 19))


def day_of(serial: float) -> dt.date:
    return D(1899, 12, 30) + dt.timedelta(days=int(serial))


def naive_cycles(dates, rates, quiet_days=183, min_step=0.25):
    """SPEC.md's easing cycle, one observation at a time."""
    moves = []  # (index, +1/-1)
    for i in range(1, len(rates)):
        step = rates[i] - rates[i - 1]
        if abs(step) >= min_step - 1e-9:
            moves.append((i, 1 if step > 0 else -1))
    rows, last_cut = [], None
    for k, (i, sign) in enumerate(moves):
        if sign > 0:
            continue
        after_hike = k > 0 and moves[k - 1][1] > 0
        if last_cut is None:
            quiet = (dates[i] - dates[0]).days >= quiet_days
        else:
            quiet = (dates[i] - last_cut).days > quiet_days
        last_cut = dates[i]
        if after_hike and quiet:
            end = next((j for j, s in moves[k + 1 :] if s > 0), len(rates))
            cuts = sum(1 for j, s in moves if i <= j < end and s < 0)
            rows.append((dates[i], rates[i - 1], rates[i], min(rates[i:end]), cuts))
    return rows


@pytest.fixture(scope="module")
def policy():
    return realdata.policy_rate()


def test_easing_cycles_find_the_first_cuts_since_1989(policy):
    dates, rates = policy
    table = cells.EASING_CYCLES(rates, [realdata.serial(d) for d in dates])
    assert table[0] == ["First cut", "Rate before", "Rate after", "Cycle low", "Cuts in cycle"]
    got = [(day_of(r[0]), *r[1:]) for r in table[1:]]
    assert got == naive_cycles(dates, rates)
    # The two earlier cycles the definition also finds: 1984's easing and the cut after the 1987 crash.
    assert [row[0] for row in got] == [D(1984, 9, 20), D(1987, 11, 4), *FIRST_CUTS]
    by_day = {row[0]: row for row in got}
    # SOURCES.md's facts: target steps on those days.
    assert by_day[D(1989, 6, 6)][1:3] == (9.8125, 9.5625)
    assert by_day[D(2007, 9, 18)][1:3] == (5.25, 4.75)  # DFEDTAR: the announcement day
    assert by_day[D(2019, 8, 1)][1:3] == (2.5, 2.25)  # DFEDTARU: the day after the 2019-07-31 decision
    assert by_day[D(2024, 9, 19)][1:3] == (5.5, 5.0)  # and after 2024-09-18's


def test_since_keeps_the_history_and_two_columns_join(policy):
    dates = policy[0]
    serials = [realdata.serial(d) for d in dates]
    _, old = realdata.read("fred/DFEDTAR_mihikabairathi.csv", "DFEDTAR")
    new = realdata.read("fred/DFEDTARU_mihikabairathi.csv", "DFEDTARU")[1]
    first, more = old + [None] * len(new), [None] * len(old) + new
    table = cells.EASING_CYCLES(first, serials, more, realdata.serial(D(1989, 1, 1)))
    assert [day_of(r[0]) for r in table[1:]] == FIRST_CUTS
    # As of the newsletter's day the 2024 cycle has not begun.
    end = dates.index(D(2024, 7, 16)) + 1
    as_of = cells.EASING_CYCLES(first[:end], serials[:end], more[:end], realdata.serial(D(1989, 1, 1)))
    assert [day_of(r[0]) for r in as_of[1:]] == FIRST_CUTS[:-1]


def test_small_steps_before_1990_start_cycles_only_without_the_minimum_step(policy):
    dates, rates = policy
    serials = [realdata.serial(d) for d in dates]
    every_change = [day_of(r[0]) for r in cells.EASING_CYCLES(rates, serials, None, None, 183, 0.0001)[1:]]
    assert D(1983, 8, 17) in every_change  # 9.5625 -> 9.5, a 1/16 step after the 1983 hikes
    assert [row[0] for row in naive_cycles(dates, rates, 183, 0.0001)] == every_change


def naive_event_returns(dates, values, events, horizons):
    rows = []
    for event in events:
        start = next((i for i, d in enumerate(dates) if d >= event), None)
        if start is None or event < dates[0]:
            rows.append([None] * len(horizons))
            continue
        rows.append([values[start + h] / values[start] - 1 if start + h < len(values) else None for h in horizons])
    return rows


def test_event_returns_of_iwm_over_spy_after_the_first_cuts():
    iwm_dates, iwm = realdata.iwm()
    spy = dict(zip(*realdata.spy(), strict=True))
    iwm_dates, iwm = iwm_dates[:-1], iwm[:-1]  # the partial last bar
    spy_closes = [spy[d] for d in iwm_dates]
    ratio = [a / b for a, b in zip(iwm, spy_closes, strict=True)]
    horizons = (21, 63, 126, 252)
    serials = [realdata.serial(d) for d in iwm_dates]
    events = [realdata.serial(d) for d in FIRST_CUTS]
    table = cells.EVENT_RETURNS(iwm, serials, events, "21,63,126,252", spy_closes)
    expected = naive_event_returns(iwm_dates, ratio, FIRST_CUTS, horizons)
    assert table[0] == ["Event", "Start", "After 21", "After 63", "After 126", "After 252"]
    body = table[1:-2]
    assert [row[0] for row in body] == events
    # IWM starts in 2000: no rows for 1989, 1995, 1998.
    assert [row[1] for row in body[:3]] == ["", "", ""]
    for row, want in zip(body, expected, strict=True):
        for got, value in zip(row[2:], want, strict=True):
            assert got == "" if value is None else got == pytest.approx(value, rel=1e-12)
    for column, _ in enumerate(horizons):
        present = [row[column] for row in expected if row[column] is not None]
        assert table[-2][2 + column] == pytest.approx(statistics.median(present), rel=1e-12)
        assert table[-1][2 + column] == pytest.approx(sum(v > 0 for v in present) / len(present))
    # The 2024 cut: IWM/SPY from 2024-09-19 over 21 observations (2024-10-18).
    start = iwm_dates.index(D(2024, 9, 19))
    assert body[-1][2] == pytest.approx(ratio[start + 21] / ratio[start] - 1, rel=1e-12)


def test_event_returns_of_spy_after_a_cut_and_the_event_on_a_holiday():
    dates, closes = realdata.spy()
    serials = [realdata.serial(d) for d in dates]
    # 2001-01-03 was a trading day; an event on Saturday 2019-08-03 starts on Monday 2019-08-05.
    table = cells.EVENT_RETURNS(closes, serials, [realdata.serial(D(2001, 1, 3)), realdata.serial(D(2019, 8, 3))], 21)
    start = dates.index(D(2001, 1, 3))
    assert table[1][2] == pytest.approx(closes[start + 21] / closes[start] - 1, rel=1e-12)
    assert day_of(table[2][1]) == D(2019, 8, 5)


def test_period_change_of_unemployment_claims_and_housing():
    months, unrate = realdata.unrate()
    k = months.index(D(2024, 6, 1)) + 1
    serials = [realdata.serial(d) for d in months]
    # Q2 2024: June 4.1 against March 3.9.
    assert cells.PERIOD_CHANGE(unrate[:k], serials[:k], 3) == pytest.approx(4.1 / 3.9 - 1, rel=1e-12)
    assert cells.PERIOD_CHANGE(unrate[:k], serials[:k], 3, 1, True) == pytest.approx(0.2, abs=1e-12)
    # A missing month stays missing: FRED's UNRATE has no October 2025.
    k = months.index(D(2025, 11, 1)) + 1
    assert cells.PERIOD_CHANGE(unrate[:k], serials[:k], 1) == (
        "#N/A PERIOD_CHANGE: no value for 2025-10: a missing month stays missing"
    )
    assert cells.PERIOD_CHANGE(unrate[:k], serials[:k], 2) == pytest.approx(unrate[k - 1] / unrate[k - 3] - 1)

    weeks, claims = realdata.read("fred/ICSA_rellethy.csv", "ICSA")
    k = weeks.index(D(2024, 7, 13)) + 1
    by_week = dict(zip(weeks, claims, strict=True))
    now = statistics.mean(by_week[D(2024, 7, 13) - dt.timedelta(weeks=i)] for i in range(4))
    before = statistics.mean(by_week[D(2024, 7, 13) - dt.timedelta(weeks=52 + i)] for i in range(4))
    week_serials = [realdata.serial(d) for d in weeks[:k]]
    assert cells.PERIOD_CHANGE(claims[:k], week_serials, 52, 4) == pytest.approx(now / before - 1, rel=1e-12)

    starts_months, starts = realdata.read("fred/HOUST_legacyformat_Engineer194.csv", "HOUST")
    by_month = dict(zip(starts_months, starts, strict=True))
    start_serials = [realdata.serial(d) for d in starts_months]
    for periods, earlier in ((6, D(2024, 3, 1)), (12, D(2023, 9, 1))):
        want = by_month[D(2024, 9, 1)] / by_month[earlier] - 1
        assert cells.PERIOD_CHANGE(starts, start_serials, periods) == pytest.approx(want, rel=1e-12)


def test_period_change_rejects_daily_data_and_names_a_missing_week():
    dates, closes = realdata.spy()
    serials = [realdata.serial(d) for d in dates]
    assert "needs monthly or weekly dates" in cells.PERIOD_CHANGE(closes[-300:], serials[-300:], 3)
    weeks, claims = realdata.read("fred/ICSA_rellethy.csv", "ICSA")
    k = weeks.index(D(2024, 7, 13)) + 1
    gap = weeks.index(D(2024, 6, 29))
    values = [None if i == gap else v for i, v in enumerate(claims[:k])]
    serials = [realdata.serial(d) for d in weeks[:k]]
    assert cells.PERIOD_CHANGE(values, serials, 1, 4) == (
        "#N/A PERIOD_CHANGE: no value for 2024-06-29: a missing week stays missing"
    )
