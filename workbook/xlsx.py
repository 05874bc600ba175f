"""Write a `Book` as an .xlsx file with openpyxl, and read a workbook's sheets back as plain cell grids."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.chart import LineChart, Reference, Series
from openpyxl.chart.axis import DateAxis
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table as XlTable
from openpyxl.worksheet.table import TableStyleInfo

from workbook.files import atomic_target
from workbook.model import Book, Chart, Sheet

# Functions newer than Excel 2007 must carry the _xlfn. prefix in the file, or Excel shows #NAME?.
_NEW_FUNCTIONS = re.compile(r"(?<![A-Za-z_.])(MAXIFS|MINIFS|IFNA|IFS)\(")

_STYLES = {
    "title": (Font(bold=True, size=14), None),
    "heading": (Font(bold=True, size=12, color="1F3864"), None),
    "header": (Font(bold=True), PatternFill("solid", fgColor="D9E1F2")),
    "label": (Font(), None),
    "note": (Font(italic=True, color="595959"), None),
    "input": (Font(bold=True, color="C00000"), PatternFill("solid", fgColor="FFF2CC")),
}


class BrokenWorkbookError(ValueError):
    """A workbook file that cannot be read, with its name and the reason."""


def excel_formula(text: str) -> str:
    return _NEW_FUNCTIONS.sub(lambda m: f"_xlfn.{m.group(1)}(", text)


def _write_sheet(worksheet, sheet: Sheet) -> None:
    for (row, column), cell in sheet.cells.items():
        target = worksheet.cell(row=row, column=column)
        target.value = excel_formula(cell.value) if cell.is_formula else cell.value
        if cell.number_format:
            target.number_format = cell.number_format
        if cell.style:
            font, fill = _STYLES[cell.style]
            target.font = font
            if fill is not None:
                target.fill = fill
            if cell.style == "header":
                target.border = Border(bottom=Side(style="thin"))
                target.alignment = Alignment(horizontal="center")
    for letter, width in sheet.widths.items():
        worksheet.column_dimensions[letter].width = width
    if sheet.freeze:
        worksheet.freeze_panes = sheet.freeze
    if sheet.print_area:
        worksheet.print_area = sheet.print_area
        worksheet.page_setup.orientation = "landscape"
        worksheet.page_setup.paperSize = worksheet.PAPERSIZE_A4
        worksheet.sheet_properties.pageSetUpPr.fitToPage = True
        worksheet.page_setup.fitToWidth = 1
        worksheet.page_setup.fitToHeight = 1
    for table in sheet.tables:
        xl_table = XlTable(displayName=table.name, ref=table.ref)
        xl_table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        worksheet.add_table(xl_table)
    for chart in sheet.charts:
        worksheet.add_chart(_line_chart(chart), chart.anchor)


def _line_chart(spec: Chart) -> LineChart:
    chart = LineChart()
    chart.title = spec.title
    chart.width, chart.height = spec.width_cm, spec.height_cm
    chart.y_axis.title = spec.y_title
    chart.y_axis.number_format = spec.number_format
    chart.y_axis.majorGridlines = None
    chart.x_axis = DateAxis(crossAx=100)
    chart.x_axis.number_format = "mmm yy"
    chart.x_axis.majorTimeUnit = "months"
    chart.x_axis.majorUnit = 3
    chart.x_axis.tickLblPos = "low"  # dates stay under the plot even when every value is negative
    for series_spec in spec.series:
        series = Series(Reference(range_string=series_spec.values), title=series_spec.title)
        series.smooth = False
        series.graphicalProperties.line.width = 15000
        chart.series.append(series)
    chart.set_categories(Reference(range_string=spec.categories))
    # Both axes must be shown explicitly: openpyxl ≥ 3.1 hides them by default and LibreOffice honours that.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend.position = "b"
    return chart


def write_book(book: Book, path: Path) -> Path:
    """Write `book` to `path` (.xlsx): sheets, tables, names, charts; Excel recalculates formulas when it opens it."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in book.sheets:
        _write_sheet(workbook.create_sheet(sheet.name), sheet)
    for name, formula in book.names.items():
        workbook.defined_names[name] = DefinedName(name, attr_text=excel_formula(formula))
    # No personal metadata: the file says who made it (Lazarus), not which user on which machine.
    workbook.properties.creator = "Lazarus"
    workbook.properties.lastModifiedBy = "Lazarus"
    workbook.properties.title = "Lazarus"
    workbook.calculation.fullCalcOnLoad = True
    with atomic_target(path) as temp:  # a crash never leaves half a workbook where the old one was
        workbook.save(temp)
    return path


def read_grids(path: Path) -> dict[str, list[list[object]]]:
    """Every sheet's cell values (formulas as text) as row lists; a broken file is refused with its name and why."""
    if not path.exists():
        raise BrokenWorkbookError(f"{path.name}: no such file")
    if not zipfile.is_zipfile(path):
        raise BrokenWorkbookError(f"{path.name}: not an Excel workbook (.xlsx/.xlsm files are zip archives)")
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for damaged files; the user needs the name and reason
        raise BrokenWorkbookError(f"{path.name}: cannot be read as a workbook ({type(exc).__name__}: {exc})") from exc
    try:
        return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in workbook.worksheets}
    finally:
        workbook.close()
