"""The files Lazarus hands to Excel, proved as far as Linux allows: Office's validator (openxml-audit) finds no
error in lazarus.xlam, the live workbook or the colleague copy, and the checks its schemas cannot make pass. Each of
those checks is shown catching its defect planted in a copy of a good file."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import re
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from addin.excel import xlam
from testkit import office_checks as checks
from tests import books, realdata
from udfs.functions import FUNCTIONS

# --- Office's validator ------------------------------------------------------------------------------------


def test_openxml_audit_finds_no_error_in_the_add_in(built_xlam):
    assert checks.audit(built_xlam) == []


@pytest.mark.parametrize("which", ["live", "copy"])
def test_openxml_audit_finds_no_error_in_the_workbooks_small_sample(small_files, which):
    live, copy = small_files
    assert checks.audit(live if which == "live" else copy) == []


@pytest.mark.slow
def test_openxml_audit_finds_no_error_in_the_full_size_workbooks(full_files):
    # ~9 s of CPU per file with testkit's linear sibling numbering (108 s with the stock scan): side by side.
    began = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        errors = dict(zip(("live", "copy"), pool.map(checks.audit, full_files), strict=True))
    print(f"openxml-audit, full-size live workbook and colleague copy: {time.perf_counter() - began:.1f} s")
    assert errors == {"live": [], "copy": []}


def test_openxml_audit_catches_a_planted_schema_error(built_xlam, tmp_path):
    broken = checks.planted(
        built_xlam, tmp_path / "b.xlam", xlam.CUSTOMUI_PART, lambda x: x.replace('size="large"', 'size="huge"', 1)
    )
    assert any("huge" in error for error in checks.audit(broken))


# --- charts ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["live", "copy"])
def test_every_chart_axis_crosses_an_axis_of_its_chart_and_every_range_points_at_cells(small_files, which):
    live, copy = small_files
    assert checks.chart_problems(live if which == "live" else copy) == []


def test_chart_check_catches_an_axis_crossing_an_axis_that_does_not_exist(small_files, tmp_path):
    live, _ = small_files

    def dangling(xml: str) -> str:  # what openpyxl wrote: the value axis crosses axis 10
        return re.sub(r'(<c:valAx>.*?<c:crossAx val=")\d+', r"\g<1>10", xml, count=1, flags=re.S)

    problems = checks.chart_problems(checks.planted(live, tmp_path / "b.xlsx", "xl/charts/chart1.xml", dangling))
    assert len(problems) == 1 and "crosses axis 10" in problems[0]


def test_chart_check_catches_a_series_beyond_the_written_cells_and_a_sheet_that_does_not_exist(small_files, tmp_path):
    live, _ = small_files
    beyond = checks.planted(
        live, tmp_path / "b.xlsx", "xl/charts/chart2.xml", lambda x: x.replace("$AD$253<", "$AD$2530<", 1)
    )
    assert any("do not exist" in p for p in checks.chart_problems(beyond))
    elsewhere = checks.planted(
        live, tmp_path / "c.xlsx", "xl/charts/chart2.xml", lambda x: x.replace("Dashboard'!$AD", "Dashbord'!$AD", 1)
    )
    assert any("names no sheet" in p for p in checks.chart_problems(elsewhere))


# --- tables and names --------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["live", "copy"])
def test_table_header_cells_equal_the_tables_column_names(small_files, which):
    live, copy = small_files
    assert checks.table_problems(live if which == "live" else copy) == []


def test_table_check_catches_a_header_that_differs_from_its_column(small_files, tmp_path):
    live, _ = small_files
    broken = checks.planted(
        live, tmp_path / "b.xlsx", "xl/tables/table1.xml", lambda x: x.replace('name="SPY"', 'name="SPX"', 1)
    )
    problems = checks.table_problems(broken)
    assert len(problems) == 1 and "PricesTable" in problems[0]


def test_no_defined_name_reads_as_a_cell_or_is_a_tables_name(small_files):
    live, _ = small_files
    assert checks.name_problems(live) == []
    assert len(checks.Package(live).names) > 40


def test_name_check_catches_a_cell_like_name_and_a_tables_name(small_files, tmp_path):
    live, _ = small_files
    extra = (
        '<definedName name="DGS10">Rates!$D$2</definedName><definedName name="PricesTable">Prices!$A$1</definedName>'
    )
    broken = checks.planted(
        live, tmp_path / "b.xlsx", "xl/workbook.xml", lambda x: x.replace("<definedNames>", "<definedNames>" + extra)
    )
    problems = checks.name_problems(broken)
    assert any("'DGS10' reads as a cell" in p for p in problems)
    assert any("'PricesTable' is also a table" in p for p in problems)
    assert checks.reads_as_cell_reference("R1C1") and checks.reads_as_cell_reference("XFD1")
    assert not checks.reads_as_cell_reference("XFE1") and not checks.reads_as_cell_reference("T10Y2Y")


# --- the ribbon's callbacks, against the file itself --------------------------------------------------------

SHIPPED_MODULES = {
    *("ThisWorkbook", "Dictionary", "RibbonMyAddin", "Sheet2", "xlwings"),  # the template's
    *("LazarusRibbon", "xlwings_udfs", "LazarusSelfTest", "LazarusFunctionHelp"),  # ours
}


def _with_vba_project(source: Path, target: Path, edit) -> Path:
    """A copy of the add-in whose VBA project is `edit(project)`, written by the same writer as the build."""
    from addin.excel.vba import project as vba

    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == xlam.VBA_PART:
                data = vba.write(edit(vba.read(data)))
            dst.writestr(info, data)
    return target


def test_olevba_lists_every_module_the_add_in_ships(built_xlam):
    shipped = checks.shipped_vba_modules(built_xlam)
    assert set(shipped) == SHIPPED_MODULES
    assert checks.ribbon_callbacks(shipped) == {"RibbonMyAddin.RunMain", "LazarusRibbon.OnAction"}


def test_every_on_action_is_a_ribbon_sub_in_the_shipped_project(built_xlam):
    with zipfile.ZipFile(built_xlam) as archive:
        customui = archive.read(xlam.CUSTOMUI_PART)
    assert checks.unresolved_actions(customui, checks.shipped_vba_modules(built_xlam)) == []


def test_on_action_check_catches_a_module_left_out_a_wrong_signature_and_a_typo(built_xlam, tmp_path):
    import dataclasses

    from addin.excel.vba.project import Module

    def without_ribbon(project):
        return dataclasses.replace(project, modules=tuple(m for m in project.modules if m.name != "LazarusRibbon"))

    def wrong_signature(project):
        ribbon = project.module("LazarusRibbon")
        source = ribbon.source.replace("OnAction(control As IRibbonControl)", "OnAction(control As Object)")
        return project.with_modules(Module(ribbon.name, source))

    customui = xlam.ribbon_xml()
    buttons = customui.count(b'onAction="')
    missing = checks.shipped_vba_modules(_with_vba_project(built_xlam, tmp_path / "a.xlam", without_ribbon))
    assert checks.unresolved_actions(customui, missing) == ["LazarusRibbon.OnAction"] * buttons
    wrong = checks.shipped_vba_modules(_with_vba_project(built_xlam, tmp_path / "b.xlam", wrong_signature))
    assert checks.unresolved_actions(customui, wrong) == ["LazarusRibbon.OnAction"] * buttons
    typo = customui.replace(b'onAction="LazarusRibbon.OnAction"', b'onAction="LazarusRibbon.OnActoin"', 1)
    assert checks.unresolved_actions(typo, checks.shipped_vba_modules(built_xlam)) == ["LazarusRibbon.OnActoin"]


# --- VBA syntax --------------------------------------------------------------------------------------------
# The modules the build writes, as olevba reads them from the file. xlwings' template modules are not parsed here:
# tests/test_vba_project.py shows them byte for byte as Excel saved them in xlwings' template, and their `#If Mac`
# forms and class headers are beyond the preprocessing this check does.


def test_the_ribbon_module_in_the_add_in_parses_with_microsofts_vba_grammar(built_xlam):
    shipped = checks.shipped_vba_modules(built_xlam)
    assert checks.vba_syntax_errors(shipped["LazarusRibbon"]) == []


@pytest.mark.slow
def test_one_udf_wrapper_in_the_add_in_parses(built_xlam):
    # ~2.5 s, most of it the grammars' first use; the quick run parses the ribbon module and the planted modules.
    module = checks.shipped_vba_modules(built_xlam)["xlwings_udfs"]
    assert module.startswith('Attribute VB_Name = "xlwings_udfs"\r\n') and '#Const App = "Microsoft Excel"' in module
    first_two = re.match(r"(.*?^End Function\r?\n)", module, re.S | re.M).group(1)
    assert checks.vba_syntax_errors(first_two) == []


@pytest.mark.slow
def test_every_udf_wrapper_in_the_add_in_parses(built_xlam):
    # ~11 s: the grammar is parsed procedure by procedure for both values of #Const App.
    module = checks.shipped_vba_modules(built_xlam)["xlwings_udfs"]
    assert module.count("End Function") == len(FUNCTIONS)
    assert checks.vba_syntax_errors(module) == []


def test_vba_syntax_check_catches_planted_errors():
    good = 'Attribute VB_Name = "M"\nSub OnX(control As IRibbonControl)\n    RunPython "x"\nEnd Sub\n'
    assert checks.vba_syntax_errors(good) == []
    assert checks.vba_syntax_errors(good.replace("End Sub", "End Sbu"))
    unclosed = good.replace(
        "Sub OnX(control As IRibbonControl)",
        '#Const App = "Microsoft Excel"\nSub OnX()\n#If App = "Microsoft Excel" Then',
    )
    assert checks.vba_syntax_errors(unclosed)
    keyword_argument = 'Attribute VB_Name = "M"\nFunction F(Next)\n    F = 1\nEnd Function\n'
    assert checks.vba_syntax_errors(keyword_argument)


# --- names Excel and VBA already use -----------------------------------------------------------------------


def test_no_cell_function_is_an_excel_built_in_and_no_argument_a_vba_name():
    functions = {}
    for name in xlam.UDF_MODULES.split(";"):  # every module the add-in's wrappers call
        module = importlib.import_module(name)
        declared = [n for n in dir(module) if n.isupper() and callable(getattr(module, n))]
        functions.update({n: list(inspect.signature(getattr(module, n)).parameters) for n in declared})
    assert set(functions) == {f.name for f in FUNCTIONS}
    assert checks.name_clashes(functions) == []


def test_name_clash_check_catches_a_built_in_name_and_a_vba_keyword_argument():
    assert {"MAXIFS", "LOG", "XLOOKUP", "LET"} <= checks.excel_function_names()
    problems = checks.name_clashes({"LOG": ["prices"], "RALLY_X": ["date"], "RALLY_Y": ["next"], "RALLY_Z": ["left"]})
    assert problems == [
        "LOG is an Excel built-in function",
        "RALLY_X: argument 'date' is a VBA keyword or built-in",
        "RALLY_Y: argument 'next' is a VBA keyword or built-in",
        "RALLY_Z: argument 'left' is a VBA keyword or built-in",
    ]


# --- a reader that does not compute ------------------------------------------------------------------------


def _calamine_dashboard(path: Path) -> list[list[object]]:
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Dashboard").to_python()


def _iwm_six_day_return() -> float:
    """From the verbatim CSV in tests/data: close 2024-07-16 / close 2024-07-08 - 1 (six trading days)."""
    dates, closes = realdata.iwm()
    return closes[dates.index(books.MOMENT)] / closes[dates.index(dt.date(2024, 7, 8))] - 1


def test_calamine_reads_the_live_dashboards_cached_values(small_files):
    live, _ = small_files
    rows = _calamine_dashboard(live)
    label_row = next(row for row in rows if row and row[0] == "Six-day return")
    assert label_row[1] == pytest.approx(_iwm_six_day_return(), abs=1e-12)
    assert f"{label_row[1]:.2%}" == "11.03%"
    assert rows[2][1] == books.MOMENT  # the as-of cell


@pytest.mark.slow
def test_calamine_reads_the_full_live_dashboard(full_files):
    live, _ = full_files
    rows: dict[str, list[object]] = {}
    for row in _calamine_dashboard(live):
        if row and isinstance(row[0], str) and row[0]:
            rows.setdefault(row[0], row[1:])  # the first section with a label (rotation repeats "Six-day return")
    assert rows["Six-day return"][0] == pytest.approx(_iwm_six_day_return(), abs=1e-12)
    assert f"{rows['Sigma of the move'][0]:.2f}" == "3.14"
    assert rows["Curve state"][0] == "INVERTED"
    # IWC (124.72 on 2024-07-15, below 80% of its 158.51 high), MDY (568.92, its high), IWM (193.14 on 2024-04-19,
    # below 80% of its 242.56 high of 2021-11-08): IWC and IWM have closed back above their lines within a year.
    assert rows["Market state (needs a year of closes)"][:3] == ["RISING FROM BEAR", "NEW HIGH", "RISING FROM BEAR"]


# --- testkit's linear sibling numbering for openxml-audit (testkit/openxml_audit_fast.py) ----------------------


def _three_planted_cell_types(live: Path, folder: Path) -> Path:
    """A copy of `live` with three invalid cell types: two on the Dashboard, one deep in the Prices sheet."""

    def dashboard(xml: str) -> str:
        # Whatever style numbers the writer gave the cells.
        xml = re.sub(r'<c r="AC1"( s="\d+")? t="s">', r'<c r="AC1"\1 t="bogus">', xml, count=1)
        return re.sub(r'<c r="AD2"( s="\d+")?>', r'<c r="AD2"\1 t="nonsense">', xml, count=1)

    def prices(xml: str) -> str:
        return re.sub(r'<c r="C250"( s="\d+")?', r'<c r="C250"\1 t="junk"', xml, count=1)

    first = checks.planted(live, folder / "a.xlsx", "xl/worksheets/sheet1.xml", dashboard)
    return checks.planted(first, folder / "b.xlsx", "xl/worksheets/sheet3.xml", prices)


def test_the_linear_sibling_numbering_reports_what_the_stock_validator_reports(small_files, tmp_path):
    broken = _three_planted_cell_types(small_files[0], tmp_path)
    stock = checks.findings(broken, stock=True)
    fast = checks.findings(broken)
    assert [(e.part_uri, e.path, e.description, e.id) for e in fast] == [
        (e.part_uri, e.path, e.description, e.id) for e in stock
    ]
    assert [e.path for e in stock] == [
        "/worksheet[1]/sheetData[1]/row[1]/c[5]",
        "/worksheet[1]/sheetData[1]/row[2]/c[4]",
        "/worksheet[1]/sheetData[1]/row[250]/c[3]",  # row 250, column C
    ]


def test_the_sibling_numbering_patch_refuses_another_openxml_audit_version(monkeypatch):
    import openxml_audit

    from testkit.openxml_audit_fast import PATCHED_VERSION, fast_positions

    assert openxml_audit.__version__ == PATCHED_VERSION  # pyproject.toml pins it
    monkeypatch.setattr(openxml_audit, "__version__", "0.9.0")
    refused = r"patches openxml-audit 0\.8\.0, but 0\.9\.0 is installed"
    with pytest.raises(RuntimeError, match=refused), fast_positions():
        pass
