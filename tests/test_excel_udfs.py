"""The Excel registration (addin.excel.cell_functions), checked with xlwings' own Windows code running under
testkit/xlwings_harness.py: the `__xlfunc__` metadata, the VBA that `generate_vba_wrapper` writes, and `call_udf`'s
argument conversion of COM-style tuples of tuples built from the real series in tests/data."""

from __future__ import annotations

import csv
import datetime as dt
import inspect
import re
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from testkit.xlwings_harness import ERROR_CODES, MISSING, ComSheet, ComTime, Harness, windows_xlwings
from tests.realdata import iwc_raw
from udfs import cells, rally
from udfs.functions import FUNCTIONS

DECLARED = {function.name: function for function in FUNCTIONS}

DATA = Path(__file__).parent / "data"
EPOCH = dt.date(1899, 12, 30)
NA = ERROR_CODES["#N/A"]
DIV0 = ERROR_CODES["#DIV/0!"]
WHOLE_COLUMN = 1_048_576

SPEC_MD = Path(__file__).resolve().parents[1] / "udfs" / "SPEC.md"


def spec_tables() -> tuple[dict[str, str], set[str]]:
    """SPEC.md's function tables, read as a person reads them: each row's `NAME(arguments)` in order, and the names
    whose result spills (the row says "spills", or the function is in the Series section)."""
    signatures: dict[str, str] = {}
    spills: set[str] = set()
    section = ""
    for line in SPEC_MD.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line
        match = re.match(r"\| `([A-Z_]+)\((.*?)\)` \|(.*)", line)
        if match:
            name, arguments, text = match.groups()
            signatures[name] = arguments
            if "spills" in text or section.startswith("## Series"):
                spills.add(name)
    return signatures, spills


SPEC, SPILLS = spec_tables()
SERIES_ARGS = {"prices", "dates", "numerator", "denominator", "spread", "unemployment", "values"}
SERIES_ARGS |= {"rates", "more_rates", "events", "highs"}


def spec_args(name: str) -> list[tuple[str, bool, Any]]:
    """(argument, optional?, SPEC default or None) from the SPEC signature text."""
    out = []
    for part in SPEC[name].split(", "):
        match = re.fullmatch(r"\[(\w+)(?:=(.+))?\]", part)
        if match is None:
            out.append((part, False, None))
        else:
            default = match.group(2)
            literal = {"FALSE": "False", "TRUE": "True"}.get(default, default)
            out.append((match.group(1), True, None if literal is None else eval(literal)))
    return out


# --- Real data ---------------------------------------------------------------------------------------------------


def read(relative: str, column: str) -> tuple[list[dt.date], list[float | None]]:
    with open(DATA / relative, newline="") as handle:
        reader = csv.DictReader(handle)
        first = reader.fieldnames[0]
        rows = list(reader)
    days = [dt.date.fromisoformat(row[first][:10]) for row in rows]
    values = [float(row[column]) if row[column].strip() not in ("", ".") else None for row in rows]
    return days, values


def until(days: list[dt.date], values: list[Any], last: str) -> tuple[list[dt.date], list[Any]]:
    stop = dt.date.fromisoformat(last)
    keep = sum(day <= stop for day in days)
    return days[:keep], values[:keep]


IWM = read("prices/IWM_chenc319-Silverlight.csv", "Close")
SPY = read("prices/SPY_chenc319-Silverlight.csv", "Close")
IWC = read("prices/IWC_2024_alm0421.csv", "close")
# The whole raw IWC to the newsletter's day, closes and intraday highs (tests/realdata.iwc_raw joins the two files).
IWC_RAW = until(*iwc_raw("close"), "2024-07-16")
IWC_HIGH = until(*iwc_raw("high"), "2024-07-16")
T10Y2Y = read("fred/T10Y2Y_qie2003.csv", "T10Y2Y")
UNRATE = read("fred/UNRATE_granite-tsfm.csv", "UNRATE")


def serial(day: dt.date) -> float:
    return float((day - EPOCH).days)


def com_date(day: dt.date) -> ComTime:
    """A date cell as pywin32 delivers it: a timezone-aware datetime subclass."""
    return ComTime(day.year, day.month, day.day, tzinfo=dt.UTC)


# --- COM-style ranges ----------------------------------------------------------------------------------------------

# Interior cells spoiled in every "dirty" range: a blank, a text, #N/A and #DIV/0! (fractions of the length).
SPOILERS = ((0.3, None), (0.5, "n/a"), (0.7, NA), (0.9, DIV0))


def spoiled(n: int) -> dict[int, Any]:
    return {int(n * share): cell for share, cell in SPOILERS}


def com_column(cells_: list[Any], header: str = "Close", trailing: int = 5) -> tuple[tuple[Any, ...], ...]:
    """A column as Excel passes it: a header row, one 1-tuple per row, blank rows at the end."""
    return ((header,), *((cell,) for cell in cells_), *(((None,),) * trailing))


def dirty(values: list[Any], spoil: dict[int, Any]) -> list[Any]:
    return [spoil.get(i, value) for i, value in enumerate(values)]


def clean(values: list[Any], drop: set[int]) -> np.ndarray:
    """What the statistics see: the numbers, with the spoiled and missing rows left out."""
    return np.array([v for i, v in enumerate(values) if i not in drop and v is not None], dtype=float)


def clean_pair(first: list[Any], second: list[Any], drop: set[int]) -> tuple[np.ndarray, np.ndarray]:
    keep = [i for i in range(len(first)) if i not in drop and first[i] is not None and second[i] is not None]
    return np.array([first[i] for i in keep], dtype=float), np.array([second[i] for i in keep], dtype=float)


# --- The harness -------------------------------------------------------------------------------------------------


def test_harness_leaves_the_ordinary_linux_xlwings_in_place() -> None:
    import xlwings

    before = sys.modules["xlwings"]
    with windows_xlwings() as xl:
        assert xl.xlwings is not before
        assert xl.xlwings.func is xl.xlwings_udfs.xlfunc
        assert hasattr(xl.module.RALLY_SIGMA, "__xlfunc__")
    assert sys.modules["xlwings"] is before is xlwings
    assert sys.platform.startswith("linux")
    assert "pythoncom" not in sys.modules and "xlwings.udfs" not in sys.modules
    import ctypes

    assert not hasattr(ctypes, "windll")
    from addin.excel import cell_functions

    assert not hasattr(cell_functions.RALLY_SIGMA, "__xlfunc__")  # the Linux no-op decorators


@pytest.fixture(scope="module")
def xl() -> Iterator[Harness]:
    with windows_xlwings() as harness:
        yield harness


# --- (1) __xlfunc__ metadata ---------------------------------------------------------------------------------------


def test_every_spec_function_is_registered_in_spec_order(xl: Harness) -> None:
    registered = [name for name in dir(xl.module) if hasattr(getattr(xl.module, name), "__xlfunc__")]
    assert sorted(registered) == sorted(SPEC)
    assert [f.__name__ for f in xl.module.ALL] == list(SPEC) == [f.name for f in FUNCTIONS]


@pytest.mark.parametrize("name", list(SPEC))
def test_metadata_names_category_description_docs_and_defaults(xl: Harness, name: str) -> None:
    meta = getattr(xl.module, name).__xlfunc__
    assert meta["name"] == name
    assert meta["category"] == "Lazarus"
    assert not meta["sub"] and not meta["volatile"] and meta["async_mode"] is None
    assert "expand" not in meta["ret"]["options"]  # tables spill as plain 2-D lists in Excel 365
    assert (meta["ret"]["options"].get("convert") == "raw") is (name in SPILLS)
    description = meta["ret"]["doc"]
    first_paragraph = " ".join(inspect.cleandoc(DECLARED[name].doc).split("\n\n")[0].split())
    assert description == first_paragraph
    assert 20 < len(description) <= 255  # Excel's MacroOptions limit

    expected = spec_args(name)
    assert [arg["name"] for arg in meta["args"]] == [arg for arg, _, _ in expected]
    for arg, (_, optional, default) in zip(meta["args"], expected, strict=True):
        assert ("optional" in arg) is optional, arg["name"]
        if optional:
            assert arg["optional"] == default, arg["name"]
            assert "default" in arg["doc"].lower() or "optional" in arg["doc"].lower(), arg["name"]
        assert not arg["doc"].startswith("Positional argument"), arg["name"]
        assert 20 < len(arg["doc"]) <= 255, arg["name"]
        if arg["name"] in SERIES_ARGS:
            assert arg["options"]["convert"] is xl.module.Reference, arg["name"]  # a reference stays a Range
        else:
            assert arg["options"]["err_to_str"] is True, arg["name"]


# --- (2) the VBA wrapper -------------------------------------------------------------------------------------------


def expected_signature(name: str) -> str:
    args = ", ".join(("Optional " if optional else "") + arg for arg, optional, _ in spec_args(name))
    return f"Function {name}({args})"


def test_vba_declares_one_function_per_spec_name(xl: Harness) -> None:
    vba = xl.vba()
    declared = re.findall(r"^Function (\w+)\(", vba, flags=re.M)
    assert sorted(declared) == sorted(SPEC)
    assert vba.count("End Function") == len(SPEC)


@pytest.mark.parametrize("name", list(SPEC))
def test_vba_wrapper_signature_and_call(xl: Harness, name: str) -> None:
    vba = xl.vba()
    lines = vba.splitlines()
    assert expected_signature(name) in lines
    args = ", ".join(arg for arg, _, _ in spec_args(name))
    module = "addin.excel.cell_functions"
    call = f'{name} = XLPy.CallUDF("{module}", "{name}", Array({args}), ActiveWorkbook, Application.Caller)'
    assert call in [line.strip() for line in lines]
    assert f"    {name} = Err.Description" in lines


def test_vba_in_a_workbook_uses_this_workbook(xl: Harness) -> None:
    assert "Array(prices, highs), ThisWorkbook, Application.Caller)" in xl.vba("Dashboard.xlsm")


# --- (3) call_udf's conversion with real series ------------------------------------------------------------------


def test_rally_return_iwm_july_2024_through_call_udf(xl: Harness) -> None:
    closes = until(*IWM, "2024-07-16")[1]
    got = xl.call("RALLY_RETURN", com_column(closes), 6.0)
    assert got == pytest.approx(224.60 / 202.28 - 1, abs=1e-4)
    assert got == pytest.approx(0.1103, abs=5e-5)  # SOURCES.md: +11.03% in six trading days


def test_ratio_change_iwm_over_spy_july_2024(xl: Harness) -> None:
    days, iwm = until(*IWM, "2024-07-16")
    spy_by_day = dict(zip(*SPY, strict=True))
    spy = [spy_by_day[day] for day in days]
    got = xl.call("RATIO_CHANGE", com_column(iwm, "IWM"), com_column(spy, "SPY"), 6.0)
    assert got == pytest.approx((224.60 / 564.86) / (202.28 / 555.28) - 1, abs=1e-4)


def test_curve_on_t10y2y_with_date_cells(xl: Harness) -> None:
    days, spread = until(*T10Y2Y, "2024-07-29")
    column, when = com_column(spread, "T10Y2Y"), com_column([com_date(d) for d in days], "observation_date")
    assert xl.call("CURVE_STATE", column, when, MISSING, MISSING) == "INVERTED"
    assert xl.call("CURVE_SINCE", column, when, MISSING, MISSING) == serial(dt.date(2022, 7, 6))
    episodes = xl.raw_call("CURVE_EPISODES", column, when, MISSING)
    assert episodes[0] == ["Start", "End", "Days", "Min spread", "Min date"]
    assert episodes[-1][:2] == [serial(dt.date(2022, 7, 6)), ""]  # open episode: blank end, spilled as ""

    days, spread = until(*T10Y2Y, "2024-09-12")
    column, when = com_column(spread), com_column([com_date(d) for d in days])
    assert xl.call("CURVE_STATE", column, when, 5.0, 365.0) == "DIS-INVERTED"
    assert xl.call("CURVE_SINCE", column, when, 5.0, 365.0) == serial(dt.date(2024, 9, 6))


def test_sahm_rule_july_2024_is_half_a_point(xl: Harness) -> None:
    rates = until(*UNRATE, "2024-07-01")[1]
    assert xl.call("SAHM_RULE", com_column(rates, "UNRATE")) == pytest.approx(0.50, abs=1e-9)


def test_drawdown_bear_line_and_state_of_iwc_on_2024_07_16(xl: Harness) -> None:
    closes, highs = com_column(IWC_RAW[1]), com_column(IWC_HIGH[1], "IWC_HIGH")
    # SOURCES.md: highest close 158.51 (2021-03-12), highest intraday high 159.56 (2021-03-15), close 129.46.
    assert xl.call("DRAWDOWN", closes) == pytest.approx(129.46 / 158.51 - 1, rel=1e-12)
    assert xl.call("DRAWDOWN", closes, highs) == pytest.approx(129.46 / 159.56 - 1, rel=1e-12)
    assert xl.call("BEAR_LINE", closes, MISSING) == pytest.approx(158.51 * 0.8, rel=1e-12)
    assert xl.call("BEAR_LINE", closes, MISSING, highs) == pytest.approx(159.56 * 0.8, rel=1e-12)
    assert xl.call("MARKET_STATE", closes) == xl.call("MARKET_STATE", closes, highs) == "RISING FROM BEAR"
    assert xl.call("MARKET_STATE", com_column(IWC[1])).startswith("#N/A MARKET_STATE: a market state needs at least")


def _same(got: Any, want: Any) -> None:
    """call_udf's output against the statistics' own result, as xlwings writes it (None becomes "")."""
    if isinstance(want, list):
        want = [[("" if cell is None else cell) for cell in row] for row in want]
        assert len(got) == len(want)
        for got_row, want_row in zip(got, want, strict=True):
            assert len(got_row) == len(want_row)
            for got_cell, want_cell in zip(got_row, want_row, strict=True):
                _same(got_cell, want_cell)
    elif isinstance(want, (str, int)):
        assert got == want
    else:
        assert got == pytest.approx(want, rel=1e-12)


def _single(values: list[Any], header: str = "Close") -> tuple[tuple[Any, ...], np.ndarray]:
    spoil = spoiled(len(values))
    return com_column(dirty(values, spoil), header), clean(values, set(spoil))


def _cases() -> dict[str, tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """Per function: (COM arguments for call_udf, clean arguments for udfs.cells) on a real series."""
    iwm_com, iwm = _single(IWM[1])
    iwc_com, iwc = _single(IWC[1])
    spy_com, spy = _single(SPY[1])
    # Closes with a spoiled cell now and then, intraday highs of the same rows: a row without a close drops its high.
    long_spoil = spoiled(len(IWC_RAW[1]))
    long_com = com_column(dirty(IWC_RAW[1], long_spoil), "IWC")
    high_com = com_column(IWC_HIGH[1], "IWC_HIGH")
    long, long_highs = clean(IWC_RAW[1], set(long_spoil)), clean(IWC_HIGH[1], set(long_spoil))

    # Two series over the same rows; a spoiled cell on either side drops the row.
    iwm_days, iwm_closes = until(*IWM, "2025-09-26")
    spy_by_day = dict(zip(*SPY, strict=True))
    spy_closes = [spy_by_day.get(day) for day in iwm_days]
    spoil = spoiled(len(iwm_closes))
    num_com = com_column(dirty(iwm_closes, spoil), "IWM")
    den_com = com_column(dirty(spy_closes, {i + 7: NA for i in spoil}), "SPY")
    num, den = clean_pair(iwm_closes, spy_closes, set(spoil) | {i + 7 for i in spoil})

    price_days_com = com_column([com_date(d) for d in iwm_days], "Date")
    priced, price_serials = clean_pair(iwm_closes, [serial(d) for d in iwm_days], set(spoil))
    priced_com = com_column(dirty(iwm_closes, spoil), "Close")

    t_days, spread = T10Y2Y
    t_spoil = spoiled(len(spread))
    spread_com = com_column(dirty(spread, t_spoil), "T10Y2Y")
    t_dates_com = com_column([com_date(d) for d in t_days], "observation_date")
    spread_clean, t_serials = clean_pair(spread, [serial(d) for d in t_days], set(t_spoil))

    rates = UNRATE[1]
    # SAHM_RULE keeps interior blanks in place (missing months); an error cell is a missing month too.
    rates_com = com_column([NA if i == 400 else r for i, r in enumerate(rates)], "UNRATE")
    rates_clean = np.array([np.nan if (i == 400 or r is None) else r for i, r in enumerate(rates)])

    m = MISSING
    return {
        "RALLY_RETURN": ((iwm_com, 6.0), (iwm, 6)),
        "RALLY_SIGMA": ((iwm_com, 6.0, m), (iwm, 6, 0)),
        "RALLY_PERCENTILE": ((iwc_com, 6.0, 100.0), (iwc, 6, 100)),
        "EVENTS_PER_CENTURY": ((priced_com, m, 0.1, price_days_com), (priced, 6, 0.1, price_serials)),
        "UP_STREAK": ((spy_com, 0.0), (spy, 0.0)),
        "UP_DAYS": ((iwc_com, 6.0, m), (iwc, 6, 0.01)),
        "MAX_DAILY_GAIN": ((iwm_com, 10.0), (iwm, 10)),
        "RATIO_CHANGE": ((num_com, den_com, m), (num, den, 6)),
        "RATIO_SIGMA": ((num_com, den_com, 6.0, 0.0), (num, den, 6, 0)),
        "RATIO_PERCENTILE": ((num_com, den_com, m, 252.0), (num, den, 6, 252)),
        "RSI": ((spy_com, m), (spy, 14)),
        "MA_SIGMA": ((iwm_com, 50.0), (iwm, 50)),
        "OVERBOUGHT_PERCENTILE": ((iwc_com, 20.0), (iwc, 20)),
        "DRAWDOWN": ((long_com, high_com), (long, long_highs)),
        "BEAR_LINE": ((long_com, 0.25, high_com), (long, 0.25, long_highs)),
        "MARKET_STATE": ((long_com, high_com), (long, long_highs)),
        "CURVE_STATE": ((spread_com, t_dates_com, m, m), (spread_clean, t_serials, 5, 365)),
        "CURVE_SINCE": ((spread_com, t_dates_com, 3.0, 180.0), (spread_clean, t_serials, 3, 180)),
        "CURVE_EPISODES": ((spread_com, t_dates_com, m), (spread_clean, t_serials, 5)),
        "SAHM_RULE": ((rates_com,), (rates_clean,)),
        "PERCENTILE_RANK": ((iwm_com, 150.0), (iwm, 150.0)),
        "RALLY_REPORT": ((priced_com, price_days_com, m, m), (priced, price_serials, 6, 0)),
        "RALLY_ANALOGS": ((priced_com, price_days_com, 6.0, 0.08, "21,63"), (priced, price_serials, 6, 0.08, "21,63")),
        # A series keeps one row per cell: the clean side is the same cells as numbers, NaN where a cell is spoiled.
        "RSI_SERIES": ((iwm_com, m, 300.0), (per_cell_of(iwm_com), 14, 300)),
        "MA_SIGMA_SERIES": ((iwm_com, 20.0, m), (per_cell_of(iwm_com), 20, 0)),
        "DRAWDOWN_SERIES": ((long_com, 50.0, high_com), (per_cell_of(long_com), 50, per_cell_of(high_com))),
        "BEAR_LINE_SERIES": ((long_com, 0.25, m, high_com), (per_cell_of(long_com), 0.25, 0, per_cell_of(high_com))),
        "RATIO_SERIES": ((num_com, den_com, m), (per_cell_of(num_com), per_cell_of(den_com), 0)),
        "LAST_ROWS": ((price_days_com, 100.0), ([serial(d) for d in iwm_days] + [None] * 5, 100)),
    }


def per_cell_of(column: tuple[tuple[Any, ...], ...]) -> np.ndarray:
    """A COM column as one float per cell, NaN for the header, blanks, text and error cells (computed here)."""
    return np.array([v if isinstance(v, float) and not isinstance(v, bool) else np.nan for (v,) in column], dtype=float)


CASES = _cases()


def _issue13_cases() -> dict[str, tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """EASING_CYCLES, EVENT_RETURNS and PERIOD_CHANGE on real data through call_udf."""
    m = MISSING
    old_days, old = read("fred/DFEDTAR_mihikabairathi.csv", "DFEDTAR")
    new_days, new = read("fred/DFEDTARU_mihikabairathi.csv", "DFEDTARU")
    days = old_days + new_days
    first, second = old + [None] * len(new), [None] * len(old) + new
    spoil = {100: None, 200: "n/a", 300: NA}  # missing days in 1983: no move is lost
    target_com = com_column(dirty(first, spoil), "DFEDTAR")
    more_com = com_column(second, "DFEDTARU")
    days_com = com_column([com_date(d) for d in days], "Date")
    since = serial(dt.date(1989, 1, 1))
    clean_first = [None if i in spoil else v for i, v in enumerate(first)]
    clean_days = [serial(d) for d in days]

    iwm_days, iwm_closes = until(*IWM, "2025-09-26")
    spy_by_day = dict(zip(*SPY, strict=True))
    spy_closes = [spy_by_day.get(day) for day in iwm_days]
    iwm_spoil = spoiled(len(iwm_closes))
    events = [dt.date(2001, 1, 3), dt.date(2007, 9, 18), dt.date(2019, 8, 1), dt.date(2024, 9, 19)]
    events_com = com_column([com_date(d) for d in events], "First cut")
    iwm_com = com_column(dirty(iwm_closes, iwm_spoil), "IWM")
    spy_com = com_column(spy_closes, "SPY")
    iwm_days_com = com_column([com_date(d) for d in iwm_days], "Date")
    clean_iwm = [None if i in iwm_spoil else v for i, v in enumerate(iwm_closes)]
    iwm_serials = [serial(d) for d in iwm_days]

    months, rates = UNRATE
    rates_com = com_column([NA if i == 400 else r for i, r in enumerate(rates)], "UNRATE")
    months_com = com_column([com_date(d) for d in months], "observation_date")
    rates_clean = [None if i == 400 else r for i, r in enumerate(rates)]
    return {
        "EASING_CYCLES": (
            (target_com, days_com, more_com, since, m, m),
            (clean_first, clean_days, second, since, 183, 0.25),
        ),
        "EVENT_RETURNS": (
            (iwm_com, iwm_days_com, events_com, "21,63,126", spy_com),
            (clean_iwm, iwm_serials, [serial(d) for d in events], "21,63,126", spy_closes),
        ),
        "PERIOD_CHANGE": ((rates_com, months_com, 3.0, m, m), (rates_clean, [serial(d) for d in months], 3, 1, False)),
    }


CASES.update(_issue13_cases())


def test_every_function_that_needs_no_store_has_a_real_data_case() -> None:
    # HISTORY reads the store: tests/test_history.py calls it through call_udf over a real store.
    assert set(CASES) == {function.name for function in FUNCTIONS if not function.context}


@pytest.mark.parametrize("name", sorted(CASES))
def test_call_udf_on_com_ranges_matches_the_statistics_on_clean_arrays(xl: Harness, name: str) -> None:
    com_args, clean_args = CASES[name]
    want = getattr(cells, name)(*clean_args)
    assert not (isinstance(want, str) and want.startswith("#N/A")), want  # the case must exercise a real value
    got = xl.raw_call(name, *com_args)
    if isinstance(want, list):
        _same(got, want)
    else:
        assert len(got) == 1 and len(got[0]) == 1
        _same(got[0][0], want)


@pytest.mark.parametrize("name", ["RALLY_SIGMA", "CURVE_STATE", "RATIO_SIGMA", "RALLY_REPORT"])
def test_whole_column_reference_with_a_million_trailing_blanks(xl: Harness, name: str) -> None:
    com_args, _ = CASES[name]
    whole = tuple(
        arg + ((None,),) * (WHOLE_COLUMN - len(arg)) if isinstance(arg, tuple) and len(arg) > 1 else arg
        for arg in com_args
    )
    assert len(whole[0]) == WHOLE_COLUMN
    assert xl.raw_call(name, *whole) == xl.raw_call(name, *com_args)


def test_a_holiday_blank_at_the_end_of_one_whole_column_keeps_both_the_same_size(xl: Harness) -> None:
    days, spread = until(*T10Y2Y, "2024-07-29")
    spread = [*spread, None]  # the last date has no spread yet
    days = [*days, days[-1] + dt.timedelta(days=1)]
    column = com_column(spread, trailing=WHOLE_COLUMN - len(spread) - 1)
    when = com_column([com_date(d) for d in days], trailing=WHOLE_COLUMN - len(days) - 1)
    assert xl.call("CURVE_STATE", column, when, MISSING, MISSING) == "INVERTED"


def test_a_row_works_like_a_column(xl: Harness) -> None:
    closes = until(*IWM, "2024-07-16")[1]
    row = (("IWM", *closes, None, None),)
    assert xl.call("RALLY_RETURN", row, 6.0) == xl.call("RALLY_RETURN", com_column(closes), 6.0)
    assert xl.call("RALLY_SIGMA", row, 6.0, MISSING) == pytest.approx(cells.RALLY_SIGMA(np.array(closes), 6), rel=1e-12)


def test_dates_as_serial_numbers_work_like_date_cells(xl: Harness) -> None:
    days, spread = until(*T10Y2Y, "2024-07-29")
    as_cells = com_column([com_date(d) for d in days])
    as_serials = com_column([serial(d) for d in days])
    column = com_column(spread)
    assert xl.call("CURVE_SINCE", column, as_serials, MISSING, MISSING) == xl.call(
        "CURVE_SINCE", column, as_cells, MISSING, MISSING
    )


def test_error_cells_are_missing_observations_not_prices(xl: Harness) -> None:
    closes = until(*IWM, "2024-07-16")[1]
    with_errors = [*closes[:-3], NA, *closes[-3:]]
    assert xl.call("RALLY_RETURN", com_column(with_errors), 6.0) == pytest.approx(224.60 / 202.28 - 1, abs=1e-4)
    # A spread can be negative, so a COM error code taken as a number would silently become a -2e9 spread.
    assert xl.call("DRAWDOWN", com_column([1.0, 2.0, DIV0, 1.5])) == pytest.approx(-0.25)


def test_currency_formatted_prices_arrive_as_decimal_and_still_count(xl: Harness) -> None:
    closes = until(*IWM, "2024-07-16")[1]
    as_currency = [Decimal(str(c)) for c in closes]
    assert xl.call("RALLY_RETURN", com_column(as_currency), 6.0) == pytest.approx(224.60 / 202.28 - 1, abs=1e-4)


def test_an_error_cell_as_window_is_reported_not_taken_as_omitted(xl: Harness) -> None:
    got = xl.call("RALLY_SIGMA", com_column(IWM[1]), NA, MISSING)
    assert got.startswith("#N/A RALLY_SIGMA: window must be a whole number")


def test_bad_input_gives_a_short_na_text(xl: Harness) -> None:
    assert xl.call("RALLY_SIGMA", com_column([100.0, 101.0, 102.0]), 6.0, MISSING) == (
        "#N/A RALLY_SIGMA: window 6 needs at least 27 prices, got 3"
    )
    assert xl.call("RATIO_CHANGE", com_column([1.0, 2.0]), com_column([1.0]), MISSING).startswith(
        "#N/A RATIO_CHANGE: numerator has"
    )
    assert xl.call("DRAWDOWN", ((1.0, 2.0), (3.0, 4.0))).startswith(
        "#N/A DRAWDOWN: prices must be one row or one column"
    )


def test_a_python_exception_reaches_the_cell_as_na_text_not_a_traceback(
    xl: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> float:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(rally, "rally_sigma", broken)  # a bug deep in the statistics
    got = xl.call("RALLY_SIGMA", com_column(IWM[1]), 6.0, MISSING)
    assert got == "#N/A RALLY_SIGMA: unexpected RuntimeError: disk on fire"
    assert "Traceback" not in got


# --- (4) references: only the used part of a whole column is read over COM ------------------------------------------


def _sheet() -> ComSheet:
    """A Prices-like sheet: dates in A, IWM in B, SPY in C (header row 1), and T10Y2Y with its dates in E:F, shorter."""
    days, iwm = until(*IWM, "2025-09-26")
    spy_by_day = dict(zip(*SPY, strict=True))
    t_days, spread = T10Y2Y
    return ComSheet(
        {
            1: ["Date", *[com_date(d) for d in days]],
            2: ["IWM", *iwm],
            3: ["SPY", *[spy_by_day.get(d) for d in days]],
            5: ["observation_date", *[com_date(d) for d in t_days]],
            6: ["T10Y2Y", *spread],
        }
    )


@pytest.mark.parametrize(
    ("name", "columns", "extra"),
    [
        ("RALLY_SIGMA", (2,), (6.0, MISSING)),
        ("RATIO_PERCENTILE", (2, 3), (6.0, 252.0)),
        ("RALLY_ANALOGS", (2, 1), (6.0, 0.08, "21,63")),
        ("CURVE_STATE", (6, 5), (MISSING, MISSING)),
        ("RSI_SERIES", (2,), (14.0, 252.0)),
    ],
)
def test_a_whole_column_reference_reads_only_the_used_part_once(xl: Harness, name, columns, extra) -> None:
    sheet = _sheet()
    used_rows = max(map(len, sheet.columns.values()))
    want = xl.raw_call(name, *[sheet.column(c, 1, used_rows) for c in columns], *extra)  # Prices!B1:B<last used row>
    sheet.reads.clear()

    got = xl.raw_call(name, *[sheet.column(c) for c in columns], *extra)  # Prices!B:B
    # One read per argument, from row 1 to the end of the used range: never the 1,048,576 rows of the column.
    assert sheet.reads == [(1, c, used_rows, 1) for c in columns]
    assert sheet.cells_read() == used_rows * len(columns)
    assert got == want
    assert not (isinstance(got[0][0], str) and got[0][0].startswith("#N/A")), got
    if name != "RSI_SERIES":  # a series keeps the used range's rows, so it differs; the others equal the data's range
        assert got == xl.raw_call(name, *[sheet.column(c, 1, len(sheet.columns[c])) for c in columns], *extra)


def test_a_reference_below_the_used_range_is_all_blank(xl: Harness) -> None:
    sheet = _sheet()
    below = sheet.column(2, 900_000, 100)
    assert xl.call("RALLY_SIGMA", below, 6.0, MISSING) == "#N/A RALLY_SIGMA: window 6 needs at least 27 prices, got 0"
    assert sheet.reads == []


def test_a_reference_to_one_cell_or_a_computed_array_still_works(xl: Harness) -> None:
    sheet = _sheet()
    assert xl.call("DRAWDOWN", sheet.column(2, 2, 1)) == 0.0  # one cell: COM gives a scalar
    closes = until(*IWM, "2024-07-16")[1]
    assert xl.call("RALLY_RETURN", com_column(closes), 6.0) == pytest.approx(0.1103, abs=5e-5)  # not a Range
