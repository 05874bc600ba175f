"""The workbook: its formulas, their headless values against independent computations, replay, and the export."""

from __future__ import annotations

import datetime as dt
import re
import statistics
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from tests import books, realdata
from udfs import cells
from workbook import direct
from workbook.data_sheets import read_tables
from workbook.export import export_for_colleagues
from workbook.layout import build_book
from workbook.xlsx import BrokenWorkbookError, read_grids

MOMENT, REPLAY = books.MOMENT, books.REPLAY
CORE = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
}


def value(book, results, key):
    sheet, ref = book.answers[key]
    column, row = coordinate_from_string(ref)
    return results[sheet][(row, column_index_from_string(column))]


@pytest.fixture(scope="module")
def lived_with(tmp_path_factory, small_files) -> Path:
    """The live workbook after a user has lived with it: the as-of cell set to a past day in Excel, and a key, a
    hidden sheet, VBA, an author and a path added."""
    live, _ = small_files
    target = tmp_path_factory.mktemp("lived_with") / "lazarus.xlsm"
    _tamper(live, target)
    return target


@pytest.fixture(scope="module")
def colleague_copy(tmp_path_factory, lived_with) -> Path:
    """`lived_with` exported for colleagues: read back from the file, computed headless, written as values."""
    return export_for_colleagues(lived_with, tmp_path_factory.mktemp("colleague") / "copy.xlsx")


@pytest.fixture(scope="module")
def colleague_workbook(colleague_copy):
    return load_workbook(colleague_copy)


@pytest.fixture(scope="module")
def colleague_view(small_moment, colleague_workbook):
    """What the copy for colleagues shows in the cell of each answer: key -> value."""
    book, _ = small_moment
    return {key: colleague_workbook[sheet][ref].value for key, (sheet, ref) in book.answers.items()}


def test_dashboard_answers_are_lazarus_formulas_not_numbers(small_moment):
    book, _ = small_moment
    dashboard = book.sheet("Dashboard")
    for key, (sheet, ref) in book.answers.items():
        if key == "as_of":
            continue
        column, row = coordinate_from_string(ref)
        cell = book.sheet(sheet).cells[(row, column_index_from_string(column))]  # the Dashboard or Claims
        assert cell.is_formula, key
    formulas = " ".join(str(c.value) for c in dashboard.cells.values() if c.is_formula)
    for name in (
        "RALLY_SIGMA(IWM,6)",
        "RATIO_CHANGE(IWM,SPY,6)",
        "CURVE_STATE(T10Y2Y,RATE_DATES)",
        "SAHM_RULE(UNRATE)",
    ):
        assert name in formulas


def test_headless_values_match_independent_computations_on_recent_data(small_moment):
    # The small sample holds the last 300 observations to 2024-09-12: enough for every answer that looks back a
    # few days, so these equal the full workbook's.
    book, results = small_moment
    _, iwm = realdata.until(*realdata.iwm(), MOMENT)
    _, spy = realdata.until(*realdata.spy(), MOMENT)
    assert value(book, results, "iwm_return") == pytest.approx(iwm[-1] / iwm[-7] - 1, abs=1e-12)
    _, iwc = realdata.until(*realdata.iwc_adjusted(), MOMENT)
    assert value(book, results, "iwc_adj_return") == pytest.approx(iwc[-1] / iwc[-7] - 1, abs=1e-12)
    assert round(value(book, results, "iwc_adj_return"), 4) == 0.1448  # the same as the raw closes' (SOURCES.md)
    assert value(book, results, "iwm_ratio_change") == pytest.approx(
        (iwm[-1] / spy[-1]) / (iwm[-7] / spy[-7]) - 1, abs=1e-12
    )
    assert value(book, results, "iwm_close") == pytest.approx(224.600006)
    assert value(book, results, "iwc_state") == "NEW HIGH"
    assert value(book, results, "t10y2y_spread") == -0.26
    # The long MDY (1995-2025) reaches the newsletter's day.
    assert value(book, results, "mdy_data_to") == realdata.serial(MOMENT)


@pytest.mark.slow
def test_headless_values_match_independent_computations(full_moment):
    book, results = full_moment
    dates, iwm = realdata.until(*realdata.iwm(), MOMENT)
    spy_dates, spy = realdata.until(*realdata.spy(), MOMENT)
    spy = spy[spy_dates.index(dates[0]) :]
    assert value(book, results, "iwm_return") == pytest.approx(iwm[-1] / iwm[-7] - 1, abs=1e-12)
    ratio = [a / b for a, b in zip(iwm, spy, strict=True)]
    assert value(book, results, "iwm_ratio_change") == pytest.approx(ratio[-1] / ratio[-7] - 1, abs=1e-12)
    moves = [iwm[t] / iwm[t - 6] - 1 for t in range(6, len(iwm))]
    sigma = (moves[-1] - statistics.mean(moves[:-1])) / statistics.stdev(moves[:-1])
    assert value(book, results, "iwm_sigma") == pytest.approx(sigma, rel=1e-9)
    assert value(book, results, "iwm_drawdown") == pytest.approx(iwm[-1] / max(iwm) - 1, abs=1e-12)
    # The whole raw IWC: 158.51 (2021-03-12) is its high, 2024-07-15's 124.72 was below 80% of it, 129.46 is back above.
    assert value(book, results, "iwc_state") == "RISING FROM BEAR"
    assert value(book, results, "mdy_state") == "NEW HIGH"  # 568.92, above every earlier close
    assert value(book, results, "t10y2y_spread") == -0.26
    assert value(book, results, "t10y2y_curve_state") == "INVERTED"
    assert value(book, results, "t10y2y_curve_since") == realdata.serial(dt.date(2022, 7, 6))
    # Replaying 2024-07-16 uses what was published by then: June's unemployment, not July's (out 2024-08-02).
    _, rates = realdata.until(*realdata.unrate(), dt.date(2024, 6, 1))
    means = [statistics.mean(rates[t - 2 : t + 1]) for t in range(2, len(rates))]
    assert value(book, results, "sahm") == pytest.approx(means[-1] - min(means[-13:-1]), abs=1e-9)
    assert round(value(book, results, "sahm"), 2) == 0.43
    # The long MDY (1995-2025) reaches the newsletter's day: 530.92 -> 568.92 from 2024-07-08 (SOURCES.md).
    assert value(book, results, "mdy_data_to") == realdata.serial(MOMENT)
    assert value(book, results, "mdy_close") == pytest.approx(568.92, abs=1e-4)


@pytest.mark.slow
def test_analog_grid_shows_the_last_episodes_of_rally_analogs(full_moment):
    book, results = full_moment
    dates, closes = realdata.until(*realdata.iwm(), MOMENT)
    table = cells.RALLY_ANALOGS(closes, dates, 6)
    episodes = table[1:-2]
    assert value(book, results, "analog_count") == len(episodes)
    shown = [value(book, results, f"analog_{k}") for k in range(1, 11)]
    expected = [""] * max(0, 10 - len(episodes)) + [row[0] for row in episodes[-10:]]
    assert shown == expected
    assert value(book, results, "analog_11") == "Median"
    assert value(book, results, "analog_12") == "Share positive"


def test_as_of_cell_replays_a_past_day(colleague_view):
    assert colleague_view["t10y2y_curve_state"] == "DIS-INVERTED"
    assert colleague_view["t10y2y_curve_since"] == dt.datetime(2024, 9, 6)


@pytest.mark.slow
def test_without_an_as_of_date_the_workbook_follows_the_latest_data(sample_inputs):
    latest = build_book(sample_inputs.data, None)
    latest_results = direct.calculate(latest)
    assert value(latest, latest_results, "as_of") == realdata.serial(dt.date(2025, 9, 25))
    assert value(latest, latest_results, "iwm_close") == pytest.approx(239.289993)


def test_chart_data_covers_the_year_to_the_as_of_date(small_moment):
    book, results = small_moment
    dashboard = results["Dashboard"]
    assert dashboard[(253, 27)] == realdata.serial(MOMENT)  # last chart row: the as-of day
    assert dashboard[(253, 28)] == pytest.approx(129.46)  # IWC on that day
    assert dashboard[(253, 34)] == -0.26  # 10y−2y on that day
    # The raw IWC runs from 2005: the first chart row is IWC's close that day (tests/data's two raw files).
    iwc = {realdata.serial(day): close for day, close in zip(*realdata.iwc_raw("close"), strict=True)}
    assert dashboard[(2, 28)] == iwc[dashboard[(2, 27)]]
    assert len(book.sheet("Dashboard").charts) == 4


def test_written_workbook_keeps_formulas_names_and_tables(small_files, small_moment):
    live, _ = small_files
    book, _ = small_moment
    workbook = load_workbook(live)
    assert workbook.sheetnames == [
        "Dashboard",
        "Claims",
        "Prices",
        "Rates",
        "Macro",
        "Vintages",
        "Sources",
        "Log",
        "Methods",
    ]
    assert workbook["Dashboard"]["B6"].value == "=RALLY_RETURN(IWM,6)"
    assert "AS_OF" in workbook.defined_names
    assert workbook.defined_names["IWM"].attr_text == "INDEX(ALL_IWM,1):INDEX(ALL_IWM,PRICE_ROW)"
    assert set(workbook["Macro"].tables) == {"MonthlyTable", "ActivityTable", "WeeklyTable", "SpreadTable"}
    # MAXIFS is newer than Excel 2007: it must carry _xlfn. in the file or Excel shows #NAME?.
    assert any("_xlfn.MAXIFS(" in str(c.value) for row in workbook["Dashboard"].iter_rows() for c in row)
    dashboard = workbook["Dashboard"]
    assert dashboard.freeze_panes is None and workbook["Prices"].freeze_panes == "A2"
    area = book.sheet("Dashboard").print_area.replace("$", "")
    assert dashboard.print_area.replace("$", "") == f"'Dashboard'!{area}" and area.startswith("A1:")
    assert dashboard.page_setup.orientation == "landscape" and dashboard.sheet_properties.pageSetUpPr.fitToPage
    assert dashboard.column_dimensions["A"].width == pytest.approx(44, abs=1)
    assert workbook.properties.creator == "Lazarus" and workbook.properties.title == "Lazarus"


def test_every_formula_cell_carries_its_computed_value_and_errors_stay_errors(small_files, small_moment):
    live, _ = small_files
    book, results = small_moment
    cached = load_workbook(live, data_only=True)["Dashboard"]
    assert cached["B6"].value == pytest.approx(value(book, results, "iwm_return"))
    assert cached["B6"].number_format == "0.00%"
    with zipfile.ZipFile(live) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    # A chart gap at the head of an array block: tests/test_answers_know_their_data.py (the raw IWC now runs from
    # 2005, so this book's chart has no such gap).
    # Every formula carries a value; an empty one only where the formula computed the empty text "".
    formulas = [p for p, c in book.sheet("Dashboard").cells.items() if c.is_formula]
    empty_results = sum(1 for p in formulas if results["Dashboard"][p] == "")
    assert len(re.findall(r"<f[^>]*>[^<]*</f><v></v>", sheet)) == empty_results
    assert len(re.findall(r"<f[ >]", sheet)) == len(formulas)
    assert cached["AD3"].value == pytest.approx(results["Dashboard"][(3, 30)], rel=1e-15)  # inside a block


def test_data_tables_read_back_exactly(small_files, small_inputs):
    live, _ = small_files
    data = read_tables(read_grids(live))
    for series_id in ("IWM", "T10Y2Y", "UNRATE", "ICSA"):
        expected = {d: v for d, v in zip(*small_inputs.data[series_id], strict=True) if v is not None}
        got = {d: v for d, v in zip(*data[series_id], strict=True) if v is not None}
        assert got == expected


@pytest.mark.slow
def test_full_data_tables_read_back_exactly_and_a_missing_month_keeps_its_row(full_files, sample_inputs):
    live, _ = full_files
    data = read_tables(read_grids(live))
    for series_id in ("IWM", "T10Y2Y", "UNRATE", "ICSA"):
        expected = {d: v for d, v in zip(*sample_inputs.data[series_id], strict=True) if v is not None}
        got = {d: v for d, v in zip(*data[series_id], strict=True) if v is not None}
        assert got == expected
    # The missing month keeps its row, so SAHM_RULE still sees a gap there.
    months, rates = data["UNRATE"]
    assert rates[months.index(dt.date(2025, 10, 1))] is None


def test_export_holds_values_charts_and_formats_only(small_files, small_moment):
    _, copy = small_files
    book, results = small_moment
    workbook = load_workbook(copy)
    formulas = [
        c.coordinate
        for ws in workbook
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=")
    ]
    assert formulas == []
    assert len(workbook.defined_names) == 0
    dashboard = workbook["Dashboard"]
    assert dashboard["B6"].value == pytest.approx(value(book, results, "iwm_return"))
    assert dashboard["B6"].number_format == "0.00%"
    texts = [c.value for row in dashboard.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(t.startswith("#") for t in texts)
    # The high-yield spread has no data in the sample: a plain sentence says so.
    assert any(t.startswith("not in the bundled sample") for t in texts)
    with zipfile.ZipFile(copy) as archive:
        names = archive.namelist()
        assert sum(1 for n in names if re.fullmatch(r"xl/charts/chart\d+\.xml", n)) == 4
        assert not any("vbaProject" in n or "externalLink" in n for n in names)
        core = ElementTree.fromstring(archive.read("docProps/core.xml"))
    # Parsed, not matched as text: openpyxl writes the namespace prefixes differently with and without lxml.
    assert core.tag == f"{{{CORE['cp']}}}coreProperties"
    assert [creator.text for creator in core.findall("dc:creator", CORE)] == ["Lazarus"]


def _tamper(live: Path, target: Path) -> None:
    """A workbook a user has lived with: a past as-of day typed in, a key on a config sheet, a hidden sheet, VBA, an
    author and a path."""
    workbook = load_workbook(live)
    workbook["Dashboard"]["B3"].value = dt.datetime.combine(REPLAY, dt.time())
    config = workbook.create_sheet("xlwings.conf")
    config["A1"], config["B1"] = "FRED_API_KEY", "abcdef0123456789abcdef0123456789"
    hidden = workbook.create_sheet("Scratch")
    hidden["A1"] = "private notes"
    hidden.sheet_state = "hidden"
    workbook.properties.creator = "Jane Analyst"
    workbook.properties.lastModifiedBy = "Jane Analyst"
    workbook.properties.description = r"C:\Users\jane\Desktop\positions.xlsx"
    workbook.save(target)
    # openpyxl cannot author VBA; put a vbaProject part in by hand as Excel would for an .xlsm.
    with zipfile.ZipFile(target, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 fake VBA project")


def test_export_leaves_keys_hidden_sheets_vba_and_people_behind(lived_with, colleague_copy, colleague_workbook):
    with zipfile.ZipFile(lived_with) as archive:  # they were there to leave behind
        assert "xl/vbaProject.bin" in archive.namelist()
        assert b"abcdef0123456789" in b"".join(archive.read(name) for name in archive.namelist())
    with zipfile.ZipFile(colleague_copy) as archive:
        blob = b"".join(archive.read(name) for name in archive.namelist())
        assert not any("vbaProject" in name for name in archive.namelist())
    for secret in (b"abcdef0123456789", b"Jane", b"jane", b"xlwings.conf", b"Scratch", b"private notes", b"Users"):
        assert secret not in blob
    assert colleague_workbook.sheetnames == [
        "Dashboard",
        "About this copy",
        "Claims",
        "Prices",
        "Rates",
        "Macro",
        "Vintages",
        "Sources",
        "Log",
        "Methods",
    ]


def test_a_workbook_edited_in_excel_exports_its_own_data(colleague_view):
    _, iwm = realdata.until(*realdata.iwm(), REPLAY)
    assert colleague_view["as_of"] == dt.datetime.combine(REPLAY, dt.time())  # the day typed into the file
    assert colleague_view["iwm_close"] == pytest.approx(iwm[-1])  # and the data of that day
    assert colleague_view["t10y2y_curve_state"] == "DIS-INVERTED"


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"just some text", "not an Excel workbook"), (b"PK\x03\x04 truncated zip", "not an Excel workbook")],
)
def test_a_broken_file_is_refused_with_its_name_and_reason(tmp_path, content, reason):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(content)
    with pytest.raises(BrokenWorkbookError, match=rf"broken\.xlsx: {reason}"):
        export_for_colleagues(broken, tmp_path / "copy.xlsx")


def test_a_workbook_without_lazarus_tables_is_refused(tmp_path):
    from openpyxl import Workbook

    other = tmp_path / "budget.xlsx"
    Workbook().save(other)
    with pytest.raises(ValueError, match=r"budget\.xlsx: no Lazarus data tables"):
        export_for_colleagues(other, tmp_path / "copy.xlsx")


def _axes(path: Path, chart: int) -> dict[str, str]:
    """The axis settings of xl/charts/chart<chart>.xml: position and bounds of the date and value axes."""
    with zipfile.ZipFile(path) as archive:
        xml = archive.read(f"xl/charts/chart{chart}.xml").decode()
    found = {}
    for kind in ("dateAx", "valAx"):
        axis = re.search(rf"<c:{kind}>(.*?)</c:{kind}>", xml, re.S).group(1)
        found[f"{kind} position"] = re.search(r'<c:axPos val="(\w)"', axis).group(1)
        for bound in ("min", "max"):
            match = re.search(rf'<c:{bound} val="([^"]+)"', axis)
            found[f"{kind} {bound}"] = float(match.group(1)) if match else None
    return found


def test_charts_have_dates_at_the_bottom_and_price_and_ratio_axes_fitted_to_the_copys_data(small_files, small_moment):
    live, copy = small_files
    book, results = small_moment
    charts = book.sheet("Dashboard").charts
    assert [c.title for c in charts] == [
        "IWC and its bear-market line",
        "IWM / SPY",
        "10-year minus 2-year Treasury",
        "IWM RSI (14 days)",
    ]
    # LibreOffice wrapped the 36-character title at 14 pt; titles are 12 pt now and at most 30 characters.
    assert all(len(c.title) <= 30 for c in charts)
    for path in (live, copy):
        for number in range(1, 5):
            axes = _axes(path, number)
            assert axes["dateAx position"] == "b" and axes["valAx position"] == "l"
        assert (_axes(path, 4)["valAx min"], _axes(path, 4)["valAx max"]) == (0, 100)  # RSI
    dashboard = results["Dashboard"]
    iwc = [dashboard[(row, 28)] for row in range(2, 254) if isinstance(dashboard[(row, 28)], float)]
    bear = dashboard[(253, 29)]
    iwc_axes = _axes(copy, 1)
    assert 0 < iwc_axes["valAx min"] <= min(*iwc, bear) and iwc_axes["valAx max"] >= max(iwc)
    assert iwc_axes["valAx max"] - iwc_axes["valAx min"] < 2 * (max(iwc) - min(*iwc, bear))
    first_iwc_day = next(dashboard[(row, 27)] for row in range(2, 254) if isinstance(dashboard[(row, 28)], float))
    assert iwc_axes["dateAx min"] == first_iwc_day  # no empty left half before IWC's first day
    assert _axes(copy, 2)["valAx min"] > 0  # IWM/SPY
    # The live workbook's chart data are formulas that refresh and the as-of cell change: automatic axes there.
    assert _axes(live, 1)["valAx min"] is None and _axes(live, 1)["dateAx min"] is None


# --- The rest of the newsletter (issue 13) ---------------------------------------------------------------------


def _closes(relative: str, column: str = "Close") -> dict[dt.date, float]:
    return dict(zip(*realdata.read(relative, column), strict=True))


@pytest.mark.slow
def test_rotation_and_breadth_match_the_raw_closes(full_moment):
    book, results = full_moment
    spy = _closes("prices/SPY_chenc319-Silverlight.csv")
    start, end = dt.date(2024, 7, 8), MOMENT
    files = {
        "xlf": "prices/XLF_chenc319-Silverlight.csv",
        "xlre": "prices/XLRE_chenc319-Silverlight.csv",
        "rsp": "prices/RSP_taeheon-kong-etf-app.csv",
    }
    # SOURCES.md: XLF 41.43 -> 43.49 (+4.97%), XLRE 38.39 -> 40.54 (+5.60%), RSP 164.00 -> 171.71 (+4.70%).
    for key, expected in (("xlf", 0.0497), ("xlre", 0.0560), ("rsp", 0.0470)):
        assert value(book, results, f"{key}_six_day") == pytest.approx(expected, abs=5e-5)
    rsp = _closes(files["rsp"])
    assert rsp[start] / spy[start] == pytest.approx(0.29535, abs=5e-6)
    assert rsp[end] / spy[end] == pytest.approx(0.30399, abs=5e-6)
    for key, path in files.items():
        closes = _closes(path)
        days = [d for d in sorted(closes) if d <= MOMENT and d in spy]
        ratio = [closes[d] / spy[d] for d in days]
        moves = [ratio[t] / ratio[t - 6] - 1 for t in range(6, len(ratio))]
        assert value(book, results, f"{key}_ratio_change") == pytest.approx(moves[-1], rel=1e-9)
        sigma = (moves[-1] - statistics.mean(moves[:-1])) / statistics.stdev(moves[:-1])
        assert value(book, results, f"{key}_ratio_sigma") == pytest.approx(sigma, rel=1e-9)
        below = sum(m < moves[-1] for m in moves[:-1]) + 0.5 * sum(m == moves[-1] for m in moves[:-1])
        assert value(book, results, f"{key}_ratio_percentile") == pytest.approx(below / len(moves[:-1]), rel=1e-9)
        assert value(book, results, f"{key}_history_from") == realdata.serial(days[0])
        assert value(book, results, f"{key}_observations") == len([d for d in closes if d <= MOMENT])


@pytest.mark.slow
def test_macro_changes_and_the_missing_high_yield_spread(full_moment):
    book, results = full_moment
    months, unrate = realdata.unrate()
    by_month = dict(zip(months, unrate, strict=True))
    # Only what was published by the as-of day: a month 38 days after its 1st, claims 5 days after the week,
    # housing starts 50 and construction spending 65 days after the 1st.
    latest = max(d for d in months if d + dt.timedelta(days=38) <= MOMENT and by_month[d] is not None)
    assert latest == dt.date(2024, 6, 1)
    assert value(book, results, "unrate_month") == realdata.serial(latest)
    earlier = dt.date(latest.year, latest.month - 3, 1)
    assert value(book, results, "unrate_quarter") == pytest.approx(by_month[latest] / by_month[earlier] - 1)
    assert value(book, results, "unrate_quarter_pp") == pytest.approx(by_month[latest] - by_month[earlier])
    claims = _closes("fred/ICSA_rellethy.csv", "ICSA")
    week = max(d for d in claims if d + dt.timedelta(days=5) <= MOMENT)
    assert week == dt.date(2024, 7, 6)
    now = statistics.mean(claims[week - dt.timedelta(weeks=i)] for i in range(4))
    year_ago = statistics.mean(claims[week - dt.timedelta(weeks=52 + i)] for i in range(4))
    assert value(book, results, "claims_year") == pytest.approx(now / year_ago - 1, rel=1e-12)
    for series, path in (
        ("houst", "fred/HOUST_legacyformat_Engineer194.csv"),
        ("ttlcons", "fred/TTLCONS_Tommy-Nguyen-Stonera.csv"),
    ):
        values = _closes(path, series.upper())
        # Both live in one table, whose rows are known once the later of the two is out (65 days).
        last = max(d for d in values if d + dt.timedelta(days=65) <= MOMENT)
        assert last == dt.date(2024, 5, 1)
        for periods in (6, 12):
            month = (last.year * 12 + last.month - 1) - periods
            before = values[dt.date(month // 12, month % 12 + 1, 1)]
            assert value(book, results, f"{series}_{periods}") == pytest.approx(values[last] / before - 1, rel=1e-12)
    # The ICE spread is licensed and not bundled: a plain sentence, not an internal error text.
    assert value(book, results, "hy_spread") == value(book, results, "hy_percentile")
    assert value(book, results, "hy_spread").startswith("not in the bundled sample")


@pytest.mark.slow
def test_after_each_first_cut_since_1989(full_moment):
    book, results = full_moment
    cuts = [dt.date(1989, 6, 6), dt.date(1995, 7, 6), dt.date(1998, 9, 29), dt.date(2001, 1, 3)]
    cuts += [dt.date(2007, 9, 18), dt.date(2019, 8, 1)]  # as of 2024-07-16 the 2024 cycle has not begun
    assert value(book, results, "easing_count") == len(cuts)
    sheet, ref = book.answers["easing_1"]
    first = int(ref[1:])
    grid = results[sheet]
    assert [grid[(first + k, 1)] for k in range(len(cuts))] == [realdata.serial(d) for d in cuts]
    assert grid[(first + len(cuts), 1)] == ""
    iwm = _closes("prices/IWM_chenc319-Silverlight.csv")
    mdy = dict(zip(*realdata.mdy(), strict=True))
    spy = _closes("prices/SPY_chenc319-Silverlight.csv")

    def after(closes, denominator, cut, h):
        days = [d for d in sorted(closes) if d <= MOMENT and (denominator is None or d in denominator)]
        if cut < days[0]:
            return ""
        start = next(i for i, d in enumerate(days) if d >= cut)
        if start + h >= len(days):
            return ""
        level = [closes[d] / (denominator[d] if denominator else 1.0) for d in days]
        return level[start + h] / level[start] - 1

    blocks = [(iwm, spy, (21, 63, 126, 252)), (mdy, spy, (21, 63, 126, 252)), (spy, None, (21, 63))]
    column = 2
    for closes, denominator, horizons in blocks:
        for h in horizons:
            want = [after(closes, denominator, cut, h) for cut in cuts]
            got = [grid[(first + k, column)] for k in range(len(cuts))]
            for g, w in zip(got, want, strict=True):
                assert g == "" if w == "" else g == pytest.approx(w, rel=1e-9)
            present = [w for w in want if w != ""]
            assert grid[(first + 10, column)] == pytest.approx(statistics.median(present), rel=1e-9)
            assert grid[(first + 11, column)] == pytest.approx(sum(w > 0 for w in present) / len(present))
            column += 1
    # The 2001 cut: IWM/SPY +3.4% a month later, SPY -17.9% three months later.
    assert grid[(first + 3, 2)] == pytest.approx(0.0341, abs=5e-5)
    assert grid[(first + 3, 11)] == pytest.approx(-0.1789, abs=5e-5)


@pytest.mark.slow
def test_claims_sheet_measures_each_sentence_with_ordinary_formulas(full_moment, full_files):
    book, results = full_moment
    claims = book.sheet("Claims")
    assert claims.cells[(4, 1)].value == "Newsletter sentence"
    # Each claim's measured number is a Lazarus formula, shown as text beside it.
    for key in ("unemployment_q2", "broader_market", "small_caps_after_cuts"):
        _, ref = book.answers[f"claim_{key}"]
        column, row = coordinate_from_string(ref)
        cell = claims.cells[(row, column_index_from_string(column))]
        assert cell.is_formula and cell.value == "=" + claims.cells[(row, 3)].value
    # Unemployment in Q2 2024 (June against March, today's vintage): 4.1 / 3.9 - 1 = 5.1%, not 11%.
    assert value(book, results, "claim_unemployment_q2") == pytest.approx(4.1 / 3.9 - 1, rel=1e-12)
    assert value(book, results, "verdict_unemployment_q2") == "DISAGREES"
    # RSP/SPY 0.29535 -> 0.30399 (SOURCES.md): a broader market.
    assert value(book, results, "claim_broader_market") == pytest.approx(0.30399 / 0.29535 - 1, abs=3e-5)
    assert value(book, results, "verdict_broader_market") == "AGREES"
    # The same numbers as the Dashboard's easing-cycle table (share up six months after, median SPY a month after).
    sheet, ref = book.answers["easing_1"]
    first = int(ref[1:])
    assert value(book, results, "claim_small_caps_after_cuts") == results[sheet][(first + 11, 4)]
    assert value(book, results, "claim_mid_caps_after_cuts") == results[sheet][(first + 11, 8)]
    assert value(book, results, "claim_selloff_after_cuts") == results[sheet][(first + 10, 10)]
    assert value(book, results, "verdict_credit_calm") == "NO DATA"
    # The colleague copy carries the sheet as values.
    workbook = load_workbook(full_files[1])
    assert "Claims" in workbook.sheetnames
    assert workbook["Claims"][book.answers["verdict_unemployment_q2"][1]].value == "DISAGREES"


# Failure paths: lost work ---------------------------------------------------------------------------------------------


@pytest.fixture
def read_only_folder(tmp_path):
    """A real folder nobody can write in: chmod for a normal user; for root (who ignores modes) the immutable
    attribute. Skipped where neither is possible."""
    import os
    import subprocess

    folder = tmp_path / "read-only"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a read-only folder here")
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def _user_workbook(path: Path) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "My notes"
    book.active["A1"] = "a sheet the user made"
    book.save(path)
    return path.read_bytes()


def test_build_and_export_never_replace_a_file_the_user_has(cli_env, capsys, monkeypatch, small_inputs):
    # What is in the files does not matter here, only which files are written: the small sample builds faster.
    from addin.commands import build as build_command
    from addin.commands import main

    monkeypatch.setattr(build_command, "offline_data", lambda: small_inputs)
    mine = _user_workbook(cli_env / "lazarus.xlsx")
    assert main(["build", "--offline"]) == 0
    out = capsys.readouterr().out
    assert "lazarus.xlsx already exists and was kept; the new file is lazarus (2).xlsx (--force replaces it)" in out
    assert "Wrote lazarus (2).xlsx" in out
    assert (cli_env / "lazarus.xlsx").read_bytes() == mine
    built = (cli_env / "lazarus (2).xlsx").read_bytes()

    # The export never writes over the workbook it exports, not even with --force, and only writes .xlsx files.
    for argv in (["--out", "lazarus (2).xlsx"], ["--out", "./lazarus (2).xlsx", "--force"], ["--out", "copy.csv"]):
        assert main(["export", "lazarus (2).xlsx", *argv]) == 2
    err = capsys.readouterr().err
    assert "--out is the workbook being exported (lazarus (2).xlsx)" in err and "would lose every formula" in err
    assert "--out must name an .xlsx file, not copy.csv" in err
    assert (cli_env / "lazarus (2).xlsx").read_bytes() == built and not (cli_env / "copy.csv").exists()
    assert main(["build", "--offline", "--out", "book.csv"]) == 2

    assert main(["build", "--offline", "--force"]) == 0
    assert "already exists" not in capsys.readouterr().out
    assert load_workbook(cli_env / "lazarus.xlsx").sheetnames[0] == "Dashboard"
    assert sorted(p.name for p in cli_env.iterdir() if p.suffix == ".xlsx") == ["lazarus (2).xlsx", "lazarus.xlsx"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    from workbook.files import atomic_target

    target = tmp_path / "lazarus.xlsx"
    mine = _user_workbook(target)
    with pytest.raises(RuntimeError), atomic_target(target) as temp:
        assert temp.parent == tmp_path and temp != target
        temp.write_bytes(b"half a workb")
        raise RuntimeError("crash while writing")
    assert target.read_bytes() == mine and [p.name for p in tmp_path.iterdir()] == ["lazarus.xlsx"]
    with atomic_target(target) as temp:
        temp.write_bytes(b"new")
    assert target.read_bytes() == b"new" and [p.name for p in tmp_path.iterdir()] == ["lazarus.xlsx"]


def test_writing_into_a_read_only_folder_is_a_message_not_a_traceback(cli_env, read_only_folder, capsys):
    from addin.commands import main

    assert main(["build", "--offline", "--out", str(read_only_folder / "lazarus.xlsx")]) == 1
    assert main(["demo", "--out", str(read_only_folder)]) == 1
    _user_workbook(cli_env / "book.xlsx")
    assert main(["export", "book.xlsx", "--out", str(read_only_folder / "copy.xlsx")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert [line.split(":")[0] for line in err] == ["lazarus build", "lazarus demo", "lazarus export"]
    assert all(f"cannot write {read_only_folder}/" in line and "permission denied" in line for line in err), err
    assert list(read_only_folder.iterdir()) == []


# Failure paths: an as-of outside the data -----------------------------------------------------------------------------


def _answer(book, key: str):
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    from workbook.engine import BookEngine, plain

    sheet, ref = book.answers[key]
    column, row = coordinate_from_string(ref)
    return plain(BookEngine(book).cell(sheet.upper(), row, column_index_from_string(column)))


def test_an_as_of_outside_a_series_data_says_so_per_series_and_never_reads_1899(sample_inputs):
    from addin.commands.demo import coverage_notes
    from udfs.inputs import date_to_serial
    from workbook.dashboard import AS_OF_CELL
    from workbook.engine import BookEngine, plain
    from workbook.layout import build_book

    data = sample_inputs

    def book(as_of):
        return build_book(data.data, as_of, data.source_rows, data.log_rows, data.provenance)

    def as_of_note(as_of):
        return plain(BookEngine(book(as_of)).cell("DASHBOARD", AS_OF_CELL[0], AS_OF_CELL[1] + 1))

    march_2005 = book(dt.date(2005, 3, 1))
    assert _answer(march_2005, "iwc_data_to") == "no data by then"  # IWC's sample starts in 2005-08; not 1899-12-30
    assert _answer(march_2005, "iwm_data_to") == date_to_serial(dt.date(2005, 3, 1))
    assert as_of_note(dt.date(2099, 1, 1)) == "after the latest price data"
    assert as_of_note(dt.date(1990, 1, 1)) == "before the first price data"
    assert as_of_note(dt.date(2020, 3, 26)) in ("", None)
    assert "IWC: no data on or before 2005-03-01 (its data start 2005-08-16)" in coverage_notes(
        data.data, dt.date(2005, 3, 1)
    )
    after = coverage_notes(data.data, dt.date(2099, 1, 1))
    assert "IWM: the as-of 2099-01-01 is after its latest data (2025-09-25); that is shown" in after
    assert len(after) == len(data.data) - 1  # DFEDTAR is continued by DFEDTARU: not news
