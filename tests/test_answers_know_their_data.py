"""Every answer knows its data: the Dashboard and the Claims sheet answer the newsletter's 127.7 question on the
bundled sample, show the date each answer's data reach, read STALE on data older than their series explains and
"too few (N)" on thin samples; the demo names the day of each section and refuses a day after the data.

Expected figures come from the verbatim files in tests/data, computed here (tests/data/SOURCES.md records them)."""

from __future__ import annotations

import datetime as dt

import pytest

from addin import commands
from addin.commands.demo import coverage_notes
from tests import realdata
from udfs.inputs import date_to_serial, serial_to_date
from workbook import direct, engine
from workbook.claims import MIN_CASES
from workbook.freshness import stale_after_days
from workbook.layout import build_book

D = dt.date


def answer(moment, key):
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    book, results = moment
    sheet, ref = book.answers[key]
    column, row = coordinate_from_string(ref)
    return engine.plain(results[sheet][(row, column_index_from_string(column))])


@pytest.fixture(scope="module")
def latest(sample_inputs, full_moment):
    """The latest day in the bundled data (as the demo's second section computes it)."""
    book, _ = full_moment
    data = sample_inputs
    day = build_book(data.data, None, data.source_rows, data.log_rows, data.provenance, same_data_as=book)
    return day, direct.calculate(day)


def test_the_dashboard_answers_the_127_7_question_on_2024_07_16(full_moment):
    closes = realdata.iwc_raw("close")
    highs = realdata.iwc_raw("high")
    upto = [(d, c, h) for d, c, h in zip(closes[0], closes[1], highs[1], strict=True) if d <= D(2024, 7, 16)]
    top_close = max(upto, key=lambda row: row[1])
    top_high = max(upto, key=lambda row: row[2])
    assert (top_close[0], top_close[1], top_high[0], top_high[2]) == (D(2021, 3, 12), 158.51, D(2021, 3, 15), 159.56)
    assert answer(full_moment, "iwc_level_close") == 129.46
    assert answer(full_moment, "iwc_level_close_high_on") == date_to_serial(D(2021, 3, 12))
    assert answer(full_moment, "iwc_level_close_line") == pytest.approx(0.8 * 158.51, abs=1e-9)
    assert answer(full_moment, "iwc_level_close_above") == pytest.approx(129.46 / 126.808 - 1, abs=1e-12)
    assert answer(full_moment, "iwc_level_intraday_high") == 159.56
    assert answer(full_moment, "iwc_level_intraday_high_on") == date_to_serial(D(2021, 3, 15))
    assert answer(full_moment, "iwc_level_intraday_line") == pytest.approx(127.648, abs=1e-9)
    assert answer(full_moment, "iwc_level_intraday_above") == pytest.approx(129.46 / 127.648 - 1, abs=1e-12)
    assert answer(full_moment, "iwc_level_state") == "RISING FROM BEAR"
    # The watch table: the date of each high beside its level; MDY closed at a new high that day.
    assert answer(full_moment, "iwc_high_on") == date_to_serial(D(2021, 3, 12))
    assert answer(full_moment, "iwc_drawdown") == pytest.approx(129.46 / 158.51 - 1, abs=1e-12)
    assert answer(full_moment, "iwc_state") == "RISING FROM BEAR"
    mdy = [(d, v) for d, v in zip(*realdata.mdy(), strict=True) if v is not None and d <= D(2024, 7, 16)]
    assert mdy[-1][1] == max(v for _, v in mdy) and answer(full_moment, "mdy_state") == "NEW HIGH"


def test_the_claims_sheet_agrees_with_the_127_7_level_and_the_state(full_moment):
    assert answer(full_moment, "claim_bear_level") == pytest.approx(127.648, abs=1e-9)
    assert answer(full_moment, "verdict_bear_level") == "AGREES"  # |127.648 − 127.7| < 0.1
    assert answer(full_moment, "claim_bear_rising") == "RISING FROM BEAR"
    assert answer(full_moment, "verdict_bear_rising") == "AGREES"
    assert answer(full_moment, "data_to_bear_level") == date_to_serial(D(2024, 7, 16))


def test_a_share_of_fewer_than_five_cycles_reads_too_few(full_moment, latest):
    # First cuts since 1989 with six months (126 observations) of IWM after them by 2024-07-16: IWM starts on
    # 2000-05-26, so 2001-01-03, 2007-09-18 and 2019-08-01 (SOURCES.md's Fed steps): 3. By 2025-09-25 the
    # 2024-09-19 cut has six months too: 4.
    days = realdata.iwm()[0]

    def counted(cuts, by):
        # A cut before IWM's first close has no IWM/SPY return; one needs 126 closes after its first close.
        return sum(1 for cut in cuts if cut >= days[0] and sum(cut <= d <= by for d in days) > 126)

    cuts = [D(1989, 6, 6), D(1995, 7, 6), D(1998, 9, 29), D(2001, 1, 3), D(2007, 9, 18), D(2019, 8, 1)]
    assert counted(cuts, D(2024, 7, 16)) == 3 < MIN_CASES
    assert answer(full_moment, "cases_small_caps_after_cuts") == 3
    assert answer(full_moment, "verdict_small_caps_after_cuts") == "too few (3)"
    assert counted([*cuts, D(2024, 9, 19)], D(2025, 9, 25)) == 4
    assert answer(latest, "cases_small_caps_after_cuts") == 4
    assert answer(latest, "verdict_small_caps_after_cuts") == "too few (4)"


def test_answers_on_old_data_read_stale_with_their_date_on_the_latest_day(full_moment, latest):
    # ICSA ends 2025-04-26 and HOUST 2024-09-01 (tests/data/SOURCES.md); the latest price day is 2025-09-25.
    icsa_end = realdata.read("fred/ICSA_rellethy.csv", "ICSA")[0][-1]
    houst_end = realdata.read("fred/HOUST_legacyformat_Engineer194.csv", "HOUST")[0][-1]
    assert (icsa_end, houst_end) == (D(2025, 4, 26), D(2024, 9, 1))
    # The rule: twice the publication interval plus the delay: weekly 2 × 7 + 5 = 19, monthly HOUST 2 × 31 + 65.
    assert (stale_after_days("ICSA"), stale_after_days("HOUST"), stale_after_days("IWC")) == (19, 127, 8)
    assert (D(2025, 9, 25) - icsa_end).days > 19 and (D(2025, 9, 25) - houst_end).days > 127
    assert answer(latest, "verdict_claims_rising") == "STALE: data to 2025-04-26"
    assert answer(latest, "verdict_housing_falling") == "STALE: data to 2024-09-01"
    assert answer(latest, "claims_year") == "STALE: data to 2025-04-26"
    assert answer(latest, "claims_year_data_to") == date_to_serial(icsa_end)
    # Unemployment for August 2025 (published 2025-09-05) is fresh: 55 days ≤ 2 × 31 + 38.
    assert answer(latest, "unrate_quarter_data_to") == date_to_serial(D(2025, 8, 1))
    assert isinstance(answer(latest, "unrate_quarter"), float)
    # On the newsletter's day nothing is stale: claims to 2024-07-06 (published 2024-07-11), 10 days old.
    assert answer(full_moment, "claims_year_data_to") == date_to_serial(D(2024, 7, 6))
    assert answer(full_moment, "verdict_claims_rising") in ("AGREES", "DISAGREES")
    for key in ("iwc_state", "iwc_level_state", "sahm", "claims_percentile", "t10y2y_curve_state"):
        assert not str(answer(full_moment, key)).startswith("STALE"), key


def test_a_spread_below_zero_still_dates_its_answer(full_moment):
    # T10Y2Y was negative on 2024-07-16 (−0.26): its data date is that day, not the last positive one.
    assert answer(full_moment, "t10y2y_spread") == pytest.approx(-0.26)
    assert serial_to_date(answer(full_moment, "t10y2y_spread_data_to")) == D(2024, 7, 16)


def test_a_series_continued_by_its_successor_is_not_news_but_a_series_that_stops_is(sample_inputs):
    notes = coverage_notes(sample_inputs.data, D(2024, 7, 16))
    assert not any(note.startswith("DFEDTAR:") for note in notes)  # DFEDTARU continues it from 2008-12-16
    assert "ICSA: the as-of 2025-09-25 is after its latest data (2025-04-26); that is shown" in coverage_notes(
        sample_inputs.data, D(2025, 9, 25)
    )


def test_the_demo_refuses_a_day_after_the_newest_price_and_names_it(tmp_path, capsys):
    assert commands.main(["demo", "--as-of", "2030-01-01", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "--as-of 2030-01-01 is after the newest price in the data (2025-09-25)" in err
    assert list(tmp_path.iterdir()) == []


def test_a_chart_gap_at_the_head_of_an_array_block_is_cached_as_na(small_inputs, tmp_path):
    """A series that starts inside the chart's year (IWC cut to 2024, as the sample was before the raw history): the
    chart column is one array formula whose first value, a gap, is cached as #N/A (XlsxWriter types an array
    formula's cached error as text, which reads the same), never as a typed error cell."""
    import re
    import zipfile
    from dataclasses import replace

    from openpyxl import load_workbook

    from tests import books
    from workbook.xlsx import write_book

    dates, values = small_inputs.data["IWC"]
    first = next(i for i, day in enumerate(dates) if day.year == 2024)
    cut = replace(small_inputs, data={**small_inputs.data, "IWC": (dates[first:], values[first:])})
    book = build_book(cut.data, books.MOMENT, cut.source_rows, cut.log_rows, cut.provenance)
    live = write_book(book, tmp_path / "lazarus.xlsx", direct.calculate(book))
    assert load_workbook(live, data_only=True)["Dashboard"]["AB2"].value == "#N/A"
    with zipfile.ZipFile(live) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert re.search(r'<c r="AB2" s="\d+" t="str"><f t="array" ref="AB2:AB253">[^<]+</f><v>#N/A</v></c>', sheet)
    assert re.search(r'<c r="AB2" s="\d+" t="e"><f>[^<]+</f><v>#N/A</v></c>', sheet) is None


def test_an_ordinary_day_is_called_unremarkable_not_counted_per_century(full_moment, latest):
    # 2025-09-25: IWM's six-day move is 239.29 / 238.88 − 1 = 0.17%, well inside 2σ of its history.
    days, closes = realdata.iwm()
    k = days.index(D(2025, 9, 25))
    assert closes[k] / closes[k - 6] - 1 == pytest.approx(0.0017, abs=5e-5)
    assert abs(answer(latest, "iwm_sigma")) < 2
    assert answer(latest, "iwm_per_century") == "unremarkable: |σ| < 2"
    assert answer(latest, "analog_count") == "unremarkable move (|σ| < 2): no analogs"
    assert answer(latest, "analog_1") == ""
    # 2024-07-16: the 11.03% move is 3.14σ: counted, with its 11 earlier episodes and N per column.
    assert answer(full_moment, "iwm_sigma") == pytest.approx(3.14, abs=0.005)
    assert answer(full_moment, "iwm_per_century") == pytest.approx(49.7, abs=0.05)
    assert answer(full_moment, "analog_count") == 11


def test_n_is_shown_under_every_median_and_share(full_moment, latest):
    # IWM/SPY after first cuts: 3 cuts with a return by 2024-07-16, 4 by 2025-09-25 (as the claims count them);
    # MDY/SPY: 1995-07-06, 1998-09-29, 2001, 2007, 2019 (MDY starts 1995-05-04): 5, then 6 with 2024-09-19.
    assert [answer(full_moment, f"easing_n_1_{k}") for k in (1, 2, 3, 4)] == [3, 3, 3, 3]
    assert [answer(full_moment, f"easing_n_2_{k}") for k in (1, 2, 3, 4)] == [5, 5, 5, 5]
    assert [answer(latest, f"easing_n_1_{k}") for k in (1, 3)] == [4, 4]
    assert [answer(latest, f"easing_n_2_{k}") for k in (1, 3)] == [6, 6]
    assert realdata.mdy()[0][0] == D(1995, 5, 4)


def test_build_refuses_a_day_after_the_newest_price_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "later.xlsx"
    assert commands.main(["build", "--offline", "--as-of", "2030-01-01", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "lazarus build: --as-of 2030-01-01 is after the newest price in the data (2025-09-25)" in err
    assert not out.exists()
