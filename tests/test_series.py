"""The series functions (SPEC.md "Series"): on the real data, every row equals the scalar function called on the
range's cells up to that row, computed here row by row; and the Dashboard's chart columns are one array formula each."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests import realdata
from udfs import cells

NA = -2146826246  # an #N/A cell as Excel hands it over


def spoiled(values: list[Any]) -> list[Any]:
    """A column as a user has it: a header, the values with a blank, a text and an error cell inside, blank rows
    after."""
    column: list[Any] = ["Close", *values, None, None]
    n = len(values)
    for share, cell in ((0.31, None), (0.52, "n/a"), (0.73, NA)):
        column[1 + int(n * share)] = cell
    return column


IWM = spoiled(realdata.iwm()[1])
IWC = spoiled(realdata.iwc()[1])


def column_of(result: Any) -> list[Any]:
    assert isinstance(result, list), result
    assert all(len(row) == 1 for row in result)
    return [row[0] for row in result]


def expected(scalar: Any, column: list[Any]) -> list[Any]:
    """Row i: the scalar function on cells 1…i when cell i is a price, else blank; `#N/A` becomes blank."""
    out = []
    for i, cell in enumerate(column):
        if not isinstance(cell, float):
            out.append("")
            continue
        value = scalar(column[: i + 1])
        out.append("" if isinstance(value, str) and value.startswith("#N/A") else value)
    return out


def same(got: list[Any], want: list[Any], tolerance: float) -> None:
    assert len(got) == len(want)
    for i, (a, b) in enumerate(zip(got, want, strict=True)):
        if isinstance(b, str):
            assert a == b, (i, a, b)
        else:
            assert a == pytest.approx(b, rel=tolerance, abs=tolerance), (i, a, b)


@pytest.mark.parametrize(
    ("series", "scalar", "column", "tolerance"),
    [
        (lambda c: cells.RSI_SERIES(c, 14), lambda c: cells.RSI(c, 14), IWM, 1e-9),
        (lambda c: cells.RSI_SERIES(c, 2), lambda c: cells.RSI(c, 2), IWC, 1e-9),
        (lambda c: cells.MA_SIGMA_SERIES(c, 50), lambda c: cells.MA_SIGMA(c, 50), IWM, 1e-8),
        (lambda c: cells.MA_SIGMA_SERIES(c, 5), lambda c: cells.MA_SIGMA(c, 5), IWC, 1e-8),
        (cells.DRAWDOWN_SERIES, cells.DRAWDOWN, IWM, 0.0),
        (lambda c: cells.BEAR_LINE_SERIES(c, 0.2), lambda c: cells.BEAR_LINE(c, 0.2), IWM, 0.0),
        (lambda c: cells.BEAR_LINE_SERIES(c, 0.1), lambda c: cells.BEAR_LINE(c, 0.1), IWC, 0.0),
    ],
    ids=[
        "RSI_SERIES IWM",
        "RSI_SERIES(2) IWC",
        "MA_SIGMA_SERIES IWM",
        "MA_SIGMA_SERIES(5) IWC",
        "DRAWDOWN_SERIES IWM",
        "BEAR_LINE_SERIES IWM",
        "BEAR_LINE_SERIES(0.1) IWC",
    ],
)
def test_every_row_equals_the_scalar_function_on_the_cells_up_to_it(series, scalar, column, tolerance) -> None:
    same(column_of(series(column)), expected(scalar, column), tolerance)


def test_ratio_series_is_the_ratio_of_each_row_where_both_sides_have_a_price() -> None:
    days, iwm = realdata.iwm()
    spy_by_day = dict(zip(*realdata.spy(), strict=True))
    spy = [spy_by_day.get(day) for day in days]
    top, bottom = spoiled(iwm), ["SPY", *spy, None, None]
    bottom[100] = "n/a"
    want = [a / b if isinstance(a, float) and isinstance(b, float) else "" for a, b in zip(top, bottom, strict=True)]
    same(column_of(cells.RATIO_SERIES(top, bottom)), want, 0.0)


def test_last_rows_keeps_the_range_aligned_with_blank_rows_on_top() -> None:
    days, _ = realdata.iwc()
    dates = ["Date", *days]
    got = column_of(cells.LAST_ROWS(dates, len(dates) + 3))
    assert got[:4] == ["", "", "", ""]  # three rows before the range, then the header
    assert got[4:] == [realdata.serial(day) for day in days]
    assert column_of(cells.LAST_ROWS(dates, 2)) == [realdata.serial(day) for day in days[-2:]]


def test_last_gives_the_tail_of_the_full_result_and_a_row_spills_as_a_row() -> None:
    full = column_of(cells.RSI_SERIES(IWM, 14))
    # `last` computes only the latest rows: RSI's recursion is seeded from the changes before them (see rsi_history),
    # so it agrees with the whole column to rounding, not bit for bit.
    assert column_of(cells.RSI_SERIES(IWM, 14, 252)) == pytest.approx(full[-252:], abs=1e-12)
    full = column_of(cells.MA_SIGMA_SERIES(IWM, 50))
    tail = column_of(cells.MA_SIGMA_SERIES(IWM, 50, 252))
    assert tail == pytest.approx(full[-252:], abs=1e-9)
    # The latest rows are computed window by window, as MA_SIGMA itself is: the same number.
    prices = [v for v in IWM if isinstance(v, float)]
    assert tail[-3] == cells.MA_SIGMA(prices, 50) and tail[-5] == cells.MA_SIGMA(prices[:-2], 50)
    assert tail[-2:] == ["", ""]  # the two blank rows under the data
    closes = realdata.iwc()[1]
    row = cells.RSI_SERIES([closes], 14)
    assert len(row) == 1 and row[0] == column_of(cells.RSI_SERIES(closes, 14))


def test_an_input_error_is_one_na_text() -> None:
    assert cells.RSI_SERIES([1.0, 2.0, -1.0, 3.0], 2) == (
        "#N/A RSI_SERIES: prices cell 3 is -1; prices must be greater than 0"
    )
    assert cells.RATIO_SERIES([1.0, 2.0], [1.0]).startswith("#N/A RATIO_SERIES: numerator has 2 cells")
    assert cells.LAST_ROWS([1.0, 2.0], None).startswith("#N/A LAST_ROWS: last must be given")
    assert cells.BEAR_LINE_SERIES([1.0], 1.5).startswith("#N/A BEAR_LINE_SERIES: threshold must be a fraction")
    # A typo must not build millions of blank rows (the junk-input test once ran out of memory on it).
    assert cells.DRAWDOWN_SERIES([1.0, 2.0], 10**9 - 1) == (
        "#N/A DRAWDOWN_SERIES: last 999,999,999 is more rows than a sheet has (1,048,576)"
    )
    assert cells.LAST_ROWS([1.0], 2**20 + 1).startswith("#N/A LAST_ROWS: last 1,048,577 is more rows")
    assert len(cells.LAST_ROWS([1.0], 2**20)) == 2**20


# --- The Dashboard: one array formula per chart column -----------------------------------------------------------


@pytest.fixture
def dashboard(small_moment):
    """The small-sample workbook as of 2024-07-16 and its computed values (tests/conftest.py)."""
    return small_moment


def test_each_chart_column_is_one_array_formula_over_its_252_cells(dashboard) -> None:
    book, _ = dashboard
    sheet = book.sheet("Dashboard")
    from workbook.dashboard import COMPUTED_TABLES_COLUMN

    chart_data = [(row, cell) for (row, column), cell in sheet.cells.items() if 27 <= column < COMPUTED_TABLES_COLUMN]
    anchors = [cell for _, cell in chart_data if cell.is_formula]
    assert len(anchors) == 9  # with IWC's bear line from its intraday high (BEAR_LINE_SERIES(…, IWC_HIGH))
    assert all(cell.array is not None and cell.array.endswith("253") for cell in anchors)
    assert any("RSI_SERIES(IWM,14,252)" in str(cell.value) for cell in anchors)
    assert not any(cell.is_formula for row, cell in chart_data if row > 2)


def test_the_chart_columns_end_with_the_dashboards_own_answers(dashboard, small_inputs) -> None:
    book, results = dashboard
    values = results["Dashboard"]

    def answer(key: str) -> Any:
        sheet, ref = book.answers[key]
        from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

        letter, row = coordinate_from_string(ref)
        return results[sheet][(row, column_index_from_string(letter))]

    assert values[(253, 31)] == pytest.approx(answer("iwm_rsi"), rel=1e-12)  # the last RSI row is today's RSI
    assert values[(253, 29)] == pytest.approx(answer("iwc_bear_line"), rel=1e-12)
    assert values[(253, 32)] == pytest.approx(answer("iwc_level_intraday_line"), rel=1e-12)
    # The RSI column row by row: RSI of the workbook's IWM (the small sample) up to each of the 252 chart days.
    days, closes = realdata.until(*small_inputs.data["IWM"], dt.date(2024, 7, 16))
    for k in (0, 100, 251):
        end = len(closes) - 252 + k
        assert end >= 0
        assert values[(2 + k, 27)] == realdata.serial(days[end])
        expected = cells.RSI(closes[: end + 1], 14)
        if isinstance(expected, str):  # too short a history that day: a gap in the chart
            assert expected.startswith("#N/A RSI") and values[(2 + k, 31)] == "#N/A"
        else:
            assert values[(2 + k, 31)] == pytest.approx(expected, rel=1e-9)
    from workbook.export import values_book

    copy = values_book(book, results).sheet("Dashboard")
    assert copy.cells[(100, 31)].value == values[(100, 31)] and copy.cells[(100, 31)].array is None


def test_the_written_file_holds_each_chart_column_as_one_array_formula(small_files) -> None:
    from openpyxl import load_workbook
    from openpyxl.worksheet.formula import ArrayFormula

    live, _ = small_files
    sheet = load_workbook(live)["Dashboard"]
    anchor = sheet["AE2"].value
    assert isinstance(anchor, ArrayFormula) and anchor.ref == "AE2:AE253"
    assert "RSI_SERIES(IWM,14,252)" in anchor.text


def test_ma_sigma_series_agrees_with_ma_sigma_across_flat_and_nearly_flat_windows() -> None:
    # Real closes with a run of equal prices and a run whose spread is a billionth of its level spliced in: the
    # rolling sums cancel there, so those windows are recomputed directly, all at once rather than one by one.
    closes = realdata.iwc()[1][:400]
    prices = [*closes[:200], *[50.0] * 60, *[50.0 + 1e-8 * (k % 3) for k in range(60)], *closes[200:260]]
    for last in (0, 150, 70):
        got = column_of(cells.MA_SIGMA_SERIES(prices, 20, last))
        rows = range(len(prices) - last if last else 0, len(prices))
        want = [cells.MA_SIGMA(prices[: i + 1], 20) for i in rows]
        want = ["" if isinstance(w, str) else w for w in want]  # undefined (too short or flat) is a blank cell
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert g == w if w == "" else g == pytest.approx(w, rel=1e-9, abs=1e-9)
        if last != 70:  # the flat run is inside the rows asked for
            assert got.count("") >= 40 and sum(isinstance(g, float) for g in got) >= 60
