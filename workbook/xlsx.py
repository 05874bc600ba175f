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


# What read_grids reads at most. A Lazarus workbook expands to a few MB and well under a million cells; a file far
# beyond that is refused before it can take minutes and gigabytes.
MAX_EXPANDED_BYTES = 512 * 1024 * 1024
MAX_ROWS = 1_048_576  # Excel's own limit
MAX_CELLS = 20_000_000


def read_grids(path: Path) -> dict[str, list[list[object]]]:
    """Every sheet's cell values (formulas as text) as row lists; a broken file is refused with its name and why."""
    if not path.exists():
        raise BrokenWorkbookError(f"{path.name}: no such file")
    if not zipfile.is_zipfile(path):
        raise BrokenWorkbookError(f"{path.name}: not an Excel workbook (.xlsx/.xlsm files are zip archives)")
    _check_size(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for damaged files; the user needs the name and reason
        raise BrokenWorkbookError(f"{path.name}: cannot be read as a workbook ({type(exc).__name__}: {exc})") from exc
    grids: dict[str, list[list[object]]] = {}
    cells = 0
    try:
        for ws in workbook.worksheets:
            grid = grids[ws.title] = []
            for row in ws.iter_rows(values_only=True):
                grid.append(list(row))
                cells += len(row)
                if len(grid) > MAX_ROWS or cells > MAX_CELLS:
                    what = f"{MAX_ROWS:,} rows" if len(grid) > MAX_ROWS else f"{MAX_CELLS:,} cells"
                    raise BrokenWorkbookError(
                        f"{path.name}: the sheet {ws.title!r} holds more than {what}, far more than a Lazarus "
                        "workbook; not read"
                    )
    except BrokenWorkbookError:
        raise
    except Exception as exc:  # a sheet's XML cut off, corrupt deflate data, a bad CRC…
        raise BrokenWorkbookError(
            f"{path.name}: a sheet cannot be read, the file is damaged ({type(exc).__name__}: {exc})"
        ) from exc
    finally:
        workbook.close()
    return grids


def _check_size(path: Path) -> None:
    """Refuse a file whose parts expand to more than MAX_EXPANDED_BYTES (zip readers stop at the declared sizes)."""
    try:
        with zipfile.ZipFile(path) as archive:
            expanded = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise BrokenWorkbookError(f"{path.name}: not a readable zip archive ({exc})") from exc
    if expanded > MAX_EXPANDED_BYTES:
        raise BrokenWorkbookError(
            f"{path.name}: its parts expand to {expanded / 2**20:,.0f} MB, over the "
            f"{MAX_EXPANDED_BYTES / 2**20:,.0f} MB a Lazarus workbook could need; not read"
        )
