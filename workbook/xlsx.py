"""Write a `Book` as an .xlsx file with XlsxWriter, and read a workbook's sheets back as plain cell grids (openpyxl).

XlsxWriter is the writer whose output is tested byte for byte against files Excel itself saved. Every formula cell
carries the value the headless engine computed for it, so the file reads correctly before any recalculation (Excel's
Protected View, file previews, pandas, calamine); an Excel error value stays an error value. Charts carry the same
values as their cached data.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import xlsxwriter
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, range_boundaries
from xlsxwriter.utility import quote_sheetname, xl_range_abs

from udfs.excel_facts import EXCEL_EPOCH, SHEET_ROWS
from workbook.files import atomic_target
from workbook.model import Book, Chart, Sheet

Results = Mapping[str, Mapping[tuple[int, int], Any]]

# Functions newer than Excel 2007 must carry the _xlfn. prefix in the file, or Excel shows #NAME?.
_NEW_FUNCTIONS = re.compile(r"(?<![A-Za-z_.])(MAXIFS|MINIFS|IFNA|IFS)\(")

ERROR_VALUES = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")

_STYLES: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "font_size": 14},
    "heading": {"bold": True, "font_size": 12, "font_color": "#1F3864"},
    "header": {"bold": True, "bg_color": "#D9E1F2", "pattern": 1, "bottom": 1, "align": "center"},
    "label": {},
    "note": {"italic": True, "font_color": "#595959"},
    "input": {"bold": True, "font_color": "#C00000", "bg_color": "#FFF2CC", "pattern": 1},
    "wrap": {"text_wrap": True, "valign": "top"},
}
TABLE_STYLE = "Table Style Light 9"
A4 = 9
PIXELS_PER_CM = 96 / 2.54
TITLE_FONT = {"size": 12, "bold": True}
_RANGE = re.compile(r"^'?(?P<sheet>[^'!]+)'?!(?P<cells>[$A-Z0-9:]+)$")


class BrokenWorkbookError(ValueError):
    """A workbook file that cannot be read, with its name and the reason."""


def excel_formula(text: str) -> str:
    return _NEW_FUNCTIONS.sub(lambda m: f"_xlfn.{m.group(1)}(", text)


def cached_value(value: Any) -> Any:
    """A computed value as a formula cell stores it: a number, a bool, text, or an Excel error such as '#N/A'.
    A blank result reads as 0, as it does in Excel; a number that is not finite is #NUM!."""
    if value is None:
        return 0
    if isinstance(value, bool | str):
        return value
    number = float(value)
    return number if math.isfinite(number) else "#NUM!"


class _Formats:
    """One XlsxWriter format per (style, number format), as Excel keeps one cell style per combination."""

    def __init__(self, workbook: xlsxwriter.Workbook):
        self.workbook = workbook
        self.cache: dict[tuple[str | None, str | None], Any] = {}

    def get(self, style: str | None, number_format: str | None) -> Any:
        key = (style, number_format)
        if key not in self.cache:
            properties = dict(_STYLES[style]) if style else {}
            if number_format:
                properties["num_format"] = number_format
            self.cache[key] = made = self.workbook.add_format(properties) if properties else None
            if made is not None:
                # Numbered now, not when XlsxWriter first writes a cell with it: the data sheets' styles come first
                # (see `_write_xlsx`), so their rows, made directly or taken from another file, refer to the same
                # style numbers whichever cells XlsxWriter itself writes.
                made._get_xf_index()
        return self.cache[key]


def _block(block: str) -> tuple[int, int, int, int]:
    """Zero-based first row, first column, last row, last column of a block such as 'AA2:AA253'."""
    from openpyxl.utils.cell import range_boundaries

    first_col, first_row, last_col, last_row = range_boundaries(block)
    return first_row - 1, first_col - 1, last_row - 1, last_col - 1


def _shown_values(sheet: Sheet, results: Mapping[tuple[int, int], Any]) -> dict[tuple[int, int], Any]:
    """What each cell of `sheet` holds once computed: the engine's value for a formula, the value otherwise."""
    return {
        position: results.get(position) if cell.is_formula else cell.value for position, cell in sheet.cells.items()
    }


def _date_serial(day: dt.date) -> float | None:
    """A date cell as the number Excel stores, or None where XlsxWriter's own conversion is needed (a time of day,
    or a day before 1900-03-01, where Excel's phantom 29 February 1900 shifts the count)."""
    if day.__class__ is dt.date and day >= _FIRST_PLAIN_SERIAL_DAY:
        return float(day.toordinal() - _EPOCH_ORDINAL)
    return None


_EPOCH_ORDINAL = EXCEL_EPOCH.toordinal()
_FIRST_PLAIN_SERIAL_DAY = dt.date(1900, 3, 1)


def _write_sheet(
    worksheet,
    sheet: Sheet,
    results: Mapping[tuple[int, int], Any],
    formats: _Formats,
    book: Book,
    header_only: bool = False,
) -> None:
    """Every cell of `sheet` (only row 1 with `header_only`, see `write_book`), then its layout."""
    # The cells a legacy array formula fills below its top-left cell: written after the formula, which first fills
    # its whole block with 0.
    filled: set[tuple[int, int]] = set()
    for (row, column), cell in sheet.cells.items():
        if cell.array and cell.is_formula:
            first_row, first_col, last_row, last_col = _block(cell.array)
            filled.update(
                (rr + 1, cc + 1) for rr in range(first_row, last_row + 1) for cc in range(first_col, last_col + 1)
            )
            filled.discard((row, column))
    # The per-cell loop is most of the time spent writing (150k data cells): the common cells (numbers, dates) take
    # the first branches, with their bound methods and formats looked up once per kind of cell, not per cell.
    write_number, fmt = worksheet.write_number, formats.get
    cells = sheet.cells
    for position in sorted(cells):
        cell = cells[position]
        if header_only and position[0] != 1:
            fmt(cell.style, cell.number_format)  # its style is numbered as if the cell were written
            continue
        value = cell.value
        kind = value.__class__
        if (kind is float or kind is int) and position not in filled:
            write_number(position[0] - 1, position[1] - 1, value, fmt(cell.style, cell.number_format))
            continue
        if kind is dt.date and (serial := _date_serial(value)) is not None:
            # A date is stored as its serial number with a date format: the same cell write_datetime writes.
            write_number(position[0] - 1, position[1] - 1, serial, fmt(cell.style, cell.number_format))
            continue
        if position in filled:
            continue
        _write_other(worksheet, position, cell, results, formats)
    for row, column in sorted(filled):
        cached = results.get((row, column))
        source = cells.get((row, column))
        cell_format = formats.get(source.style, source.number_format) if source is not None else None
        if isinstance(cached, int | float) and not isinstance(cached, bool) and math.isfinite(cached):
            worksheet.write_number(row - 1, column - 1, cached, cell_format)
        else:
            # An error (a chart gap) cannot be cached outside the block's first cell: a blank cell is a gap too.
            worksheet.write_blank(row - 1, column - 1, None, cell_format or formats.get(None, "General"))
    _write_layout(worksheet, sheet, formats, book)


def _write_other(
    worksheet, position: tuple[int, int], cell: Any, results: Mapping[tuple[int, int], Any], formats: _Formats
) -> None:
    """One cell that is not a plain number or date: a formula, a blank, a logical value, a datetime or text."""
    row, column = position
    r, c = row - 1, column - 1
    cell_format = formats.get(cell.style, cell.number_format)
    value = cell.value
    if cell.is_formula and cell.array:
        # One formula for the block, as Excel saves a Ctrl+Shift+Enter formula; the other cells of the block hold
        # only their cached values (see `_write_sheet`).
        first_row, first_col, last_row, last_col = _block(cell.array)
        cached = cached_value(results.get((row, column)))
        worksheet.write_array_formula(
            first_row, first_col, last_row, last_col, excel_formula(str(value)), cell_format, cached
        )
    elif cell.is_formula:
        cached = cached_value(results.get((row, column)))
        worksheet.write_formula(r, c, excel_formula(str(value)), cell_format, cached)
    elif value is None:
        worksheet.write_blank(r, c, None, cell_format)
    elif isinstance(value, bool):
        worksheet.write_boolean(r, c, value, cell_format)
    elif isinstance(value, dt.datetime | dt.date):
        worksheet.write_datetime(r, c, value, cell_format)
    elif isinstance(value, int | float):
        worksheet.write_number(r, c, value, cell_format)
    else:
        worksheet.write_string(r, c, str(value), cell_format)


def _write_layout(worksheet, sheet: Sheet, formats: _Formats, book: Book) -> None:
    """Column widths, frozen panes, the Excel tables and the print settings of a sheet."""
    for letter, width in sheet.widths.items():
        index = column_index_from_string(letter) - 1
        worksheet.set_column(index, index, width)
    if sheet.freeze:
        worksheet.freeze_panes(sheet.freeze)
    for table in sheet.tables:
        first_col, first_row, last_col, last_row = range_boundaries(table.ref)
        header_format = formats.get("header", None)
        columns = []
        for column in range(first_col, last_col + 1):
            header = sheet.cells.get((first_row, column))
            columns.append({"header": "" if header is None else str(header.value), "header_format": header_format})
        worksheet.add_table(
            first_row - 1,
            first_col - 1,
            last_row - 1,
            last_col - 1,
            {"name": table.name, "style": TABLE_STYLE, "columns": columns},
        )
    apply_page_setup(worksheet, sheet, book, formats.get("wrap", None))


def _range_values(book: Book, shown: Mapping[str, Mapping[tuple[int, int], Any]], reference: str) -> list[Any]:
    """The numbers a chart reference such as "'Dashboard'!$AB$2:$AB$253" plots, None for a gap."""
    match = _RANGE.match(reference)
    if match is None:
        raise ValueError(f"not a sheet range: {reference!r}")
    sheet = book.sheet(match["sheet"]).name
    first_col, first_row, last_col, last_row = range_boundaries(match["cells"].replace("$", ""))
    values = []
    for row in range(first_row, last_row + 1):
        for column in range(first_col, last_col + 1):
            value = shown[sheet].get((row, column))
            if isinstance(value, dt.datetime | dt.date):
                value = _serial(value)
            number = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
            values.append(float(value) if number else None)
    return values


def _plots_formulas(book: Book, reference: str) -> bool:
    """Whether any cell of a chart reference holds a formula."""
    match = _RANGE.match(reference)
    cells = book.sheet(match["sheet"]).cells
    first_col, first_row, last_col, last_row = range_boundaries(match["cells"].replace("$", ""))
    return any(
        cells.get((row, column)) is not None and cells[(row, column)].is_formula
        for row in range(first_row, last_row + 1)
        for column in range(first_col, last_col + 1)
    )


def _serial(day: dt.date) -> float:
    if isinstance(day, dt.datetime):
        return (day - dt.datetime.combine(EXCEL_EPOCH, dt.time())).total_seconds() / 86400
    return float((day - EXCEL_EPOCH).days)


def nice_bounds(low: float, high: float, ticks: int = 5) -> tuple[float, float, float]:
    """Axis bounds around [low, high] on a round step (1, 2, 2.5 or 5 times a power of ten): (min, max, step)."""
    if high <= low:
        pad = abs(low) * 0.05 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _chart(workbook: xlsxwriter.Workbook, book: Book, shown, spec: Chart):
    chart = workbook.add_chart({"type": "line"})
    categories = _range_values(book, shown, spec.categories)
    plotted: list[list[Any]] = []
    series_refs = [series.values for series in spec.series]
    for series in spec.series:
        values = _range_values(book, shown, series.values)
        plotted.append(values)
        chart.add_series(
            {
                "name": series.title,
                "categories": "=" + spec.categories,
                "values": "=" + series.values,
                "categories_data": categories,
                "values_data": values,
                "line": {"width": 1.25},
                "marker": {"type": "none"},
                "smooth": False,
            }
        )
    chart.set_title({"name": spec.title, "name_font": TITLE_FONT, "overlay": False})
    x_axis: dict[str, Any] = {
        "date_axis": True,
        "num_format": "mmm yy",
        "num_font": {"rotation": 0},
        "major_unit": 3,
        "major_unit_type": "months",
        "label_position": "low",  # dates stay under the plot even when every value is negative
        "position_axis": "on_tick",
    }
    y_axis: dict[str, Any] = {
        "name": spec.y_title,
        "num_format": spec.number_format,
        "major_gridlines": {"visible": False},
    }
    # Bounds fitted to the data suit a file whose chart data are values (the colleague copy). Where they are formulas
    # (the live workbook), refresh and the as-of cell change them in Excel, and fixed bounds would cut the line off:
    # there the axes stay automatic.
    if spec.y_scale == "data" and not any(_plots_formulas(book, ref) for ref in (spec.categories, *series_refs)):
        numbers = [v for values in plotted for v in values if v is not None]
        if numbers:
            y_axis["min"], y_axis["max"], y_axis["major_unit"] = nice_bounds(min(numbers), max(numbers))
            # The date axis starts at the first date that has a value, so no half of the chart stays empty.
            dated = [d for i, d in enumerate(categories) if d is not None and any(v[i] is not None for v in plotted)]
            if dated:
                x_axis["min"], x_axis["max"] = min(dated), max(dated)
    elif isinstance(spec.y_scale, tuple):
        y_axis["min"], y_axis["max"] = spec.y_scale
    chart.set_x_axis(x_axis)
    chart.set_y_axis(y_axis)
    chart.set_legend({"position": "bottom"})
    chart.show_blanks_as("gap")
    chart.show_hidden_data()  # the colleague copy hides the columns its charts plot (Sheet.helper_columns)
    chart.set_size({"width": round(spec.width_cm * PIXELS_PER_CM), "height": round(spec.height_cm * PIXELS_PER_CM)})
    return chart


def write_book(book: Book, path: Path, results: Results | None = None, same_data_as: Written | None = None) -> Path:
    """Write `book` to `path` (.xlsx): sheets, tables, names, charts, document properties. Every formula cell
    carries its value from `results` (computed headless, workbook.direct, when not given); Excel still recalculates
    when it opens the file outside Protected View.

    A data sheet (thousands of numbers and dates under a header row, no formula) is written by XlsxWriter with its
    header row only, and the rows below it are put into its part afterwards, the same bytes XlsxWriter writes
    (tests/test_export.py holds the two files equal): made from the sheet (`_rows_xml`, several times faster than
    XlsxWriter's cell by cell), or, with `same_data_as` (a file this function wrote and the `Book` it wrote there),
    taken from that file when the sheet is the very same sheet at the same place, so it is written once for both."""
    if results is None:
        from workbook import direct

        results = direct.calculate(book) if any(c.is_formula for s in book.sheets for c in s.cells.values()) else {}
    with atomic_target(path) as temp:  # a crash never leaves half a workbook where the old one was
        data = {i for i, sheet in enumerate(book.sheets) if _data_sheet(sheet)}
        reused = _reusable(book, same_data_as, data)
        made = {i for i in data if i not in reused and FAST_ROWS}
        rows = _write_xlsx(book, temp, results, set(reused) | made, made, data)
        for name in reused.values():
            rows[name] = _rows_from_file(same_data_as[0], name)  # type: ignore[index]
        if rows and not _splice_rows(temp, rows):
            _write_xlsx(book, temp, results, data_sheets=data)  # the parts did not line up: written cell by cell
    return path


Written = tuple[Path, Book]
# The rows of data sheets made directly (`_rows_xml`); False writes every cell through XlsxWriter (the reference).
FAST_ROWS = True
_PART = "xl/worksheets/sheet{}.xml"


def _data_sheet(sheet: Sheet) -> bool:
    """A sheet of numbers and dates under a header row, large enough that writing its rows directly pays."""
    if len(sheet.cells) < 1000:
        return False
    for (row, _), cell in sheet.cells.items():
        kind = cell.value.__class__
        if row != 1 and not (
            kind is float or kind is int or (kind is dt.date and cell.value >= _FIRST_PLAIN_SERIAL_DAY)
        ):
            return False
    return True


def _reusable(book: Book, written: Written | None, data: set[int]) -> dict[int, str]:
    """The data sheets of `book` (positions `data`) whose rows can be taken from the written file: position -> the
    sheet's part name."""
    if written is None or not written[0].exists():
        return {}
    before = written[1].sheets
    # The same sheet object at the same place was a data sheet there too, its styles numbered first in both files
    # (see `_write_xlsx`) provided the data sheets before it are the same as well.
    same = [i < len(before) and before[i] is sheet for i, sheet in enumerate(book.sheets)]
    if not all(same[i] for i in data):
        return {}
    return {index: _PART.format(index + 1) for index in sorted(data)}


# What goes into a header-only part: its first row's start tag as the whole sheet has it (a check), the whole
# sheet's dimension element, and the rows below the header.
Rows = tuple[bytes, bytes, bytes] | None

_DIMENSION = re.compile(rb'<dimension ref="[^"]*"/>')
_FIRST_ROW = re.compile(rb'<row r="1"[^>]*>')


def _rows_xml(sheet: Sheet, formats: _Formats) -> Rows:
    """The rows below the header of a data sheet as XlsxWriter writes them (`<row r=… spans=…>` and
    `<c r=… s=…><v>…</v></c>`), after its cells' formats are numbered; None where a value is not finite."""
    cells = sheet.cells
    positions = sorted(cells)
    spans: dict[int, list[int]] = {}  # the columns each block of 16 rows spans, as XlsxWriter computes them
    for row, column in positions:
        span = spans.setdefault((row - 1) // 16, [column, column])
        span[0], span[1] = min(span[0], column), max(span[1], column)
    span_text = {block: f"{low}:{high}" for block, (low, high) in spans.items()}
    letters = {column: get_column_letter(column) for column in {c for _, c in positions}}
    styles: dict[tuple[str | None, str | None], str] = {}
    out: list[str] = []
    current = 1
    for row, column in positions:
        if row == 1:
            continue
        cell = cells[(row, column)]
        if row != current:
            out.append(
                f'</row><row r="{row}" spans="{span_text[(row - 1) // 16]}">'
                if current != 1
                else f'<row r="{row}" spans="{span_text[(row - 1) // 16]}">'
            )
            current = row
        key = (cell.style, cell.number_format)
        if key not in styles:
            made = formats.get(*key)
            styles[key] = f' s="{made.xf_index}"' if made is not None else ""
        value = cell.value
        if value.__class__ is dt.date:
            value = float(value.toordinal() - _EPOCH_ORDINAL)
        elif not math.isfinite(value):
            return None
        out.append(f'<c r="{letters[column]}{row}"{styles[key]}><v>{value:.16G}</v></c>')
    if out:
        out.append("</row>")
    first, last = positions[0], positions[-1]
    low = min(column for _, column in positions)
    high = max(column for _, column in positions)
    reference = f"{get_column_letter(low)}{first[0]}:{get_column_letter(high)}{last[0]}"
    row_one = f'<row r="1" spans="{span_text[0]}">'.encode()
    return row_one, f'<dimension ref="{reference}"/>'.encode(), "".join(out).encode()


def _rows_from_file(source: Path, name: str) -> Rows:
    """The rows below the header of the part `name` of a file this module wrote (see `_splice_rows`)."""
    with zipfile.ZipFile(source) as archive:
        full = archive.read(name)
    row, dimension = _FIRST_ROW.search(full), _DIMENSION.search(full)
    if row is None or dimension is None:
        return None
    end = full.index(b"</row>", row.end()) + len(b"</row>")
    return row[0], dimension[0], full[end : full.index(b"</sheetData>", end)]


def _splice_rows(path: Path, parts: Mapping[str, Rows]) -> bool:
    """Put the rows below the header into each part of the file at `path` that holds only its header row. Only
    rows without text go in: text refers to each file's string table, which is why the header row (the sheet's
    only text) is written by XlsxWriter in each file. False (nothing changed) when a part does not line up."""
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info.filename)) for info in archive.infolist()]
    contents = {info.filename: data for info, data in members}
    replaced = {}
    for name, rows in parts.items():
        header = contents.get(name)
        if rows is None or header is None:
            return False
        row_one, dimension, body = rows
        head_row, own = _FIRST_ROW.search(header), _DIMENSION.search(header)
        if head_row is None or own is None or head_row[0] != row_one or b't="s"' in body:
            return False
        head_end = header.index(b"</row>", head_row.end()) + len(b"</row>")
        if header[head_end : head_end + len(b"</sheetData>")] != b"</sheetData>":
            return False
        replaced[name] = header[: own.start()] + dimension + header[own.end() : head_end] + body + header[head_end:]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in members:
            out.writestr(info, replaced.get(info.filename, data))
    return True


def _write_xlsx(
    book: Book,
    path: Path,
    results: Results,
    header_only: set[int] | None = None,
    make_rows: set[int] | None = None,
    data_sheets: set[int] | None = None,
) -> dict[str, Rows]:
    """Write the file; the sheets at the positions in `header_only` get their header row only. Returns the rows
    below the header of the sheets at the positions in `make_rows` (see `write_book`), by part name. The styles of
    the `data_sheets` are numbered first, in an order that depends on those sheets alone: so a data sheet's rows
    refer to the same style numbers in every file written with it, whatever the other sheets hold."""
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    # No personal metadata: the file says who made it (Lazarus), not which user on which machine.
    workbook.set_properties({"title": "Lazarus", "author": "Lazarus"})
    formats = _Formats(workbook)
    for index in sorted(data_sheets or ()):
        for key in sorted({(cell.style, cell.number_format) for cell in book.sheets[index].cells.values()}, key=repr):
            formats.get(*key)
    shown = _Shown(book, results)
    made: dict[str, Rows] = {}
    for index, sheet in enumerate(book.sheets):
        worksheet = workbook.add_worksheet(sheet.name)
        header = index in (header_only or ())
        _write_sheet(worksheet, sheet, results.get(sheet.name, {}), formats, book, header)
        if index in (make_rows or ()):
            made[_PART.format(index + 1)] = _rows_xml(sheet, formats)
        for chart in sheet.charts:
            worksheet.insert_chart(chart.anchor, _chart(workbook, book, shown, chart))
    for name, formula in book.names.items():
        workbook.define_name(name, "=" + excel_formula(formula))
    keep_cached_values(workbook)
    workbook.close()
    return made


class _Shown(dict):
    """Each sheet's shown values (`_shown_values`), worked out the first time a chart reads that sheet."""

    def __init__(self, book: Book, results: Results):
        super().__init__()
        self.book, self.results = book, results

    def __missing__(self, name: str) -> dict[tuple[int, int], Any]:
        self[name] = _shown_values(self.book.sheet(name), self.results.get(name, {}))
        return self[name]


# --- Printing and calculation settings ----------------------------------------------------------------------------

# Excel 365's calculation engine. A file that names an older one is recalculated in full when Excel opens it, and where
# the add-in is missing (a Mac, a colleague) every cell function then turns into #NAME?.
EXCEL_CALC_ID = 191029


def keep_cached_values(workbook: xlsxwriter.Workbook) -> None:
    """Open with the values the file carries: no full recalculation on load (XlsxWriter asks for one by default).
    Where the cell functions are present they recalculate as their inputs change (the as-of cell, a refresh); where
    they are missing the file still shows the values computed when it was written."""
    workbook.set_calc_mode("auto", EXCEL_CALC_ID)
    workbook.calc_on_load = False


def apply_page_setup(worksheet, sheet: Sheet, book: Book, wrap: Any = None) -> None:
    """The sheet's print settings from the model: A4 landscape, one page wide and as many tall as needed (never
    shrunk to one page), the sheet's print titles (default: the frozen rows) on every page, its page breaks, its
    helper columns hidden where the book asks, and a header and page numbers on every page."""
    worksheet.set_paper(A4)
    worksheet.set_landscape()
    worksheet.fit_to_pages(1, 0)
    worksheet.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.6)
    if sheet.print_area:
        # Several ranges ("A1:E41,G1:J41") print one after the other, each on pages of its own.
        areas = [f"{quote_sheetname(sheet.name)}!{xl_range_abs(*_block(a))}" for a in sheet.print_area.split(",")]
        worksheet.print_area_range = ",".join(areas)  # XlsxWriter's print_area() takes one range
    titles = sheet.print_titles
    if titles is None and sheet.freeze:
        frozen_rows = int("".join(ch for ch in sheet.freeze if ch.isdigit()) or 1) - 1
        titles = f"1:{frozen_rows}" if frozen_rows else None
    if titles:
        worksheet.repeat_rows(*(int(row) - 1 for row in titles.split(":")))
    if sheet.page_breaks:
        worksheet.set_h_pagebreaks([row - 1 for row in sorted(sheet.page_breaks)])
    if sheet.wrap_columns:
        first, _, last = sheet.wrap_columns.partition(":")
        columns = range(column_index_from_string(first), column_index_from_string(last or first) + 1)
        for index in columns:
            worksheet.set_column(index - 1, index - 1, sheet.widths.get(get_column_letter(index)), wrap)
        # Neither LibreOffice nor Excel reliably grows a row for wrapped text on opening a file: each row gets the
        # height of its longest text, estimated from the column widths (in characters).
        lines: dict[int, int] = {}
        for (row, column), cell in sheet.cells.items():
            if column in columns and isinstance(cell.value, str) and not cell.is_formula:
                width = sheet.widths.get(get_column_letter(column), 8.43)
                lines[row] = max(lines.get(row, 1), math.ceil(len(cell.value) * 0.95 / max(width, 1)))
        for row, count in lines.items():
            if count > 1:
                worksheet.set_row(row - 1, 15 * count, wrap)  # top-aligned, as the wrapped text is
    if book.hide_helper_columns and sheet.helper_columns:
        first, _, last = sheet.helper_columns.partition(":")
        for index in range(column_index_from_string(first), column_index_from_string(last or first) + 1):
            worksheet.set_column(index - 1, index - 1, None, None, {"hidden": True})
    # Header and footer codes start with "&": a literal one is written twice.
    header = book.page_header.replace("&", "&&") if book.page_header else "&A"
    worksheet.set_header(f"&L{header}")
    worksheet.set_footer("&L&A&RPage &P of &N")


# What read_grids reads at most. A Lazarus workbook expands to a few MB and well under a million cells; a file far
# beyond that is refused before it can take minutes and gigabytes.
MAX_EXPANDED_BYTES = 512 * 1024 * 1024
MAX_ROWS = SHEET_ROWS  # a sheet holds no more
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
