"""The colleague copy is a dated snapshot: it says what it is and when, holds no prompt of the live workbook, stops
its data at the as-of day, hides the chart data, gives each series' terms and prints on a few pages. The live
workbook keeps its cached values when opened without the add-in."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from addin.commands import main
from addin.pipeline.vendors import READERS
from tests import books
from workbook.catalogue import CATALOGUE, VENDOR_TERMS
from workbook.data_sheets import DATA_TABLES
from workbook.export import ABOUT, PRINTED_ROWS, Snapshot, colleague_copy_path, export_book

# What only works in the live workbook: typing into it, commands, the project's files.
PROMPTS = ("type a date", "Add a row", "SPEC.md", "lazarus refresh", "run lazarus", "(type")


def _xml(path: Path, member: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(member).decode("utf-8")


def _sheet_part(path: Path, name: str) -> str:
    """The worksheet XML part of the sheet called `name`."""
    workbook = _xml(path, "xl/workbook.xml")
    names = re.findall(r'<sheet name="([^"]+)"', workbook)
    return f"xl/worksheets/sheet{names.index(name) + 1}.xml"


@pytest.fixture(scope="module")
def copy(small_files) -> Path:
    return small_files[1]


def test_the_copy_holds_no_prompt_of_the_live_workbook(copy):
    book = load_workbook(copy, read_only=True)
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, str):
                    assert not any(prompt in value for prompt in PROMPTS), (sheet.title, value)
    dashboard = load_workbook(copy)["Dashboard"]
    assert dashboard["A3"].value == "As of"


def test_the_copy_says_what_it_is_of_which_workbook_as_of_when_exported(copy):
    dashboard = load_workbook(copy, read_only=True)["Dashboard"]
    line = next(dashboard.iter_rows(min_row=2, max_row=2, values_only=True))[0]
    assert line.startswith("Copy for colleagues of lazarus.xlsx, as of 2024-07-16, exported ")
    stamp = re.search(r"exported (\d{4}-\d\d-\d\d \d\d:\d\d) UTC", line)[1]
    assert abs(dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M") - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < (
        dt.timedelta(hours=2)
    )
    # ... and every printed page says so in its header.
    header = re.search(r"<oddHeader>(.*?)</oddHeader>", _xml(copy, _sheet_part(copy, "Prices")))[1]
    assert "as of 2024-07-16" in header and "Copy for colleagues of lazarus.xlsx" in header


def test_the_data_sheets_stop_at_the_as_of_day(copy, small_files):
    live, _ = small_files
    for name in {table.sheet for table in DATA_TABLES}:
        dates = [
            cell
            for row in load_workbook(copy, read_only=True)[name].iter_rows(values_only=True)
            for cell in row
            if isinstance(cell, dt.datetime)
        ]
        live_dates = [
            cell
            for row in load_workbook(live, read_only=True)[name].iter_rows(values_only=True)
            for cell in row
            if isinstance(cell, dt.datetime)
        ]
        assert max(dates).date() <= books.MOMENT < max(live_dates).date(), name  # the small sample runs to 2024-09-12
        # Every row up to the as-of day is still there.
        assert sorted(d for d in live_dates if d.date() <= books.MOMENT) == sorted(dates), name


def test_the_chart_data_is_hidden_in_the_copy_and_shown_in_the_live_workbook(small_files):
    live, copy = small_files
    hidden = re.findall(r'<col min="(\d+)" max="(\d+)"[^>]*hidden="1"', _xml(copy, _sheet_part(copy, "Dashboard")))
    assert hidden == [("26", "35")]  # Z:AI, the note and the chart data
    assert 'hidden="1"' not in _xml(live, _sheet_part(live, "Dashboard"))
    for chart in (n for n in zipfile.ZipFile(copy).namelist() if n.startswith("xl/charts/chart")):
        # XlsxWriter leaves plotVisOnly out to plot hidden cells (Excel writes it only to plot visible cells alone).
        assert "plotVisOnly" not in _xml(copy, chart)


def test_the_about_sheet_gives_every_series_terms(copy):
    rows = list(load_workbook(copy, read_only=True)[ABOUT].iter_rows(values_only=True))
    terms = {row[0]: row[1] for row in rows if row and row[0] in VENDOR_TERMS}
    assert terms["yahoo"].startswith("Yahoo Finance: personal use only")
    series = {row[0]: row for row in rows if row and row[0] in {s.id for s in CATALOGUE}}
    assert set(series) == {s.id for s in CATALOGUE}
    assert series["IWM"][2].startswith("yahoo") and "ICE" in series["BAMLH0A0HYM2"][3]


def test_every_vendor_has_its_terms():
    assert set(READERS) == set(VENDOR_TERMS)


def test_the_copy_can_leave_the_data_sheets_out_and_keep_the_charts_points(small_moment, tmp_path):
    book, results = small_moment
    copy = export_book(book, tmp_path / "copy.xlsx", results, Snapshot(with_data=False))
    names = load_workbook(copy, read_only=True).sheetnames
    assert not {table.sheet for table in DATA_TABLES} & set(names)
    chart = _xml(copy, "xl/charts/chart1.xml")
    points = [float(v) for v in re.findall(r"<c:pt idx=\"\d+\"><c:v>([-0-9.E]+)</c:v>", chart)]
    assert len(points) > 400  # dates and closes of the last 252 days, cached in the chart


def test_printing_one_part_per_page_and_data_tables_by_their_last_rows(copy):
    dashboard = _xml(copy, _sheet_part(copy, "Dashboard"))
    assert re.search(r'<pageSetup [^>]*fitToHeight="0"', dashboard)  # one page wide, never shrunk onto one page
    assert len(re.findall(r"<brk ", dashboard)) == 2
    workbook = _xml(copy, "xl/workbook.xml")
    area = re.search(
        r'<definedName name="_xlnm.Print_Area" localSheetId="\d+">Prices!\$A\$(\d+):\$[A-Z]+\$(\d+)<', workbook
    )
    first, last = int(area[1]), int(area[2])
    assert last - first + 1 == PRINTED_ROWS
    assert '<definedName name="_xlnm.Print_Titles" localSheetId="3">Prices!$1:$1</definedName>' in workbook


def test_the_live_workbook_keeps_its_cached_values_on_opening(small_files):
    live, _ = small_files
    calc = re.search(r"<calcPr[^>]*/>", _xml(live, "xl/workbook.xml"))[0]
    assert "fullCalcOnLoad" not in calc and 'calcId="191029"' in calc


def test_the_copys_default_name_is_never_doubled(tmp_path, capsys):
    assert colleague_copy_path(Path("lazarus.xlsx")) == Path("lazarus (for colleagues).xlsx")
    assert colleague_copy_path(Path("lazarus (for colleagues).xlsx")) == Path("lazarus (for colleagues).xlsx")
    (tmp_path / "lazarus (for colleagues).xlsx").write_bytes(b"")
    assert main(["export", str(tmp_path / "lazarus (for colleagues).xlsx")]) == 2
    assert 'give the live workbook instead: lazarus export "' in capsys.readouterr().err
    assert not list(tmp_path.glob("*(for colleagues) (for colleagues)*"))
