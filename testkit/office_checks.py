"""Checks of the files Lazarus hands to Excel, for the tests: Office's validator (openxml-audit) and the checks its
schemas cannot make (chart axis ids and ranges, table headers, defined names, ribbon callbacks, VBA syntax).

Each check returns a list of problems in words (empty = fine), so a test can plant a defect in a copy of a file
(`planted`) and show that the check names it.
"""

from __future__ import annotations

import functools
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from testkit.openxml_audit_fast import fast_positions
from testkit.vba_preprocess import preprocess

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
CUSTOMUI = "{http://schemas.microsoft.com/office/2009/07/customui}"
AXES = ("catAx", "valAx", "dateAx", "serAx")
MAX_COLUMN, MAX_ROW = 16384, 1048576


def planted(source: Path, target: Path, member: str, edit: Callable[[str], str]) -> Path:
    """A copy of the package `source` at `target` with the text of `member` changed by `edit`."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == member:
                changed = edit(data.decode("utf-8"))
                if changed == data.decode("utf-8"):
                    raise ValueError(f"the edit did not change {member}")
                data = changed.encode("utf-8")
            dst.writestr(info, data)
    return target


# --- Office's validator ------------------------------------------------------------------------------------


@functools.cache
def _validator():
    from openxml_audit import OpenXmlValidator

    return OpenXmlValidator()


def audit(path: Path) -> list[str]:
    """openxml-audit's errors for the package at `path` (a port of the Open XML SDK validator)."""
    return [f"{e.part_uri}: {e.description}" for e in findings(path)]


def findings(path: Path, stock: bool = False) -> list[Any]:
    """openxml-audit's errors for `path`, found with the linear sibling numbering (testkit/openxml_audit_fast.py)
    unless `stock`."""
    if stock:
        return _validator().validate(str(path)).errors
    with fast_positions():
        return _validator().validate(str(path)).errors


# --- the package as a workbook -----------------------------------------------------------------------------


class Package:
    """The parts of an .xlsx/.xlam that the checks read: sheets by name, their cells, tables, charts, names."""

    def __init__(self, path: Path):
        with zipfile.ZipFile(path) as archive:
            self.members = {name: archive.read(name) for name in archive.namelist()}
        self.strings = self._shared_strings()
        workbook = self.xml("xl/workbook.xml")
        rels = self._rels("xl/workbook.xml")
        self.sheets = {s.get("name"): rels[s.get(R_ID)] for s in workbook.iter(f"{MAIN}sheet")}
        self.names = [(n.get("name"), n.text or "") for n in workbook.iter(f"{MAIN}definedName")]
        self._cells: dict[str, dict[str, object]] = {}

    def xml(self, part: str) -> ET.Element:
        return ET.fromstring(self.members[part])

    def _rels(self, part: str) -> dict[str, str]:
        folder, name = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", name + ".rels")
        if rels_part not in self.members:
            return {}
        return {
            rel.get("Id"): posixpath.normpath(posixpath.join(folder, rel.get("Target")))
            for rel in self.xml(rels_part).iter(f"{RELS}Relationship")
        }

    def _shared_strings(self) -> list[str]:
        if "xl/sharedStrings.xml" not in self.members:
            return []
        return ["".join(t.text or "" for t in si.iter(f"{MAIN}t")) for si in self.xml("xl/sharedStrings.xml")]

    def cells(self, sheet: str) -> dict[str, object]:
        """Every <c> of `sheet` by reference: its shown value (text for strings, None for a blank cell)."""
        if sheet not in self._cells:
            values: dict[str, object] = {}
            for c in self.xml(self.sheets[sheet]).iter(f"{MAIN}c"):
                v = c.find(f"{MAIN}v")
                kind = c.get("t")
                if kind == "s" and v is not None:
                    values[c.get("r")] = self.strings[int(v.text)]
                elif kind == "inlineStr":
                    values[c.get("r")] = "".join(t.text or "" for t in c.iter(f"{MAIN}t"))
                else:
                    values[c.get("r")] = None if v is None else v.text
            self._cells[sheet] = values
        return self._cells[sheet]

    def parts_of(self, sheet: str, kind: str) -> list[str]:
        """The table or chart parts of `sheet` (kind "table" or "chart")."""
        sheet_part = self.sheets[sheet]
        if kind == "table":
            return [t for t in self._rels(sheet_part).values() if "/tables/" in t]
        charts = []
        for drawing in (t for t in self._rels(sheet_part).values() if "/drawings/" in t):
            charts += [t for t in self._rels(drawing).values() if "/charts/" in t]
        return charts


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _cell_refs(cells: str) -> Iterable[str]:
    match = re.fullmatch(r"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?", cells)
    if match is None:
        raise ValueError(cells)
    c1, r1, c2, r2 = match.groups()
    c2, r2 = c2 or c1, r2 or r1
    for row in range(int(r1), int(r2) + 1):
        for column in range(_column_number(c1), _column_number(c2) + 1):
            letters = ""
            while column:
                column, rest = divmod(column - 1, 26)
                letters = chr(65 + rest) + letters
            yield f"{letters}{row}"


# --- charts ------------------------------------------------------------------------------------------------


def chart_problems(path: Path) -> list[str]:
    """Every crossAx names another axis of the same chart, every plot names axes the chart has, and every series
    and category range points at cells that exist on a sheet of the workbook."""
    package = Package(path)
    problems = []
    for sheet in package.sheets:
        for part in package.parts_of(sheet, "chart"):
            chart = package.xml(part)
            axes = {}
            for kind in AXES:
                for axis in chart.iter(f"{CHART}{kind}"):
                    axes[axis.find(f"{CHART}axId").get("val")] = axis
            for axis_id, axis in axes.items():
                crosses = axis.find(f"{CHART}crossAx").get("val")
                if crosses not in axes or crosses == axis_id:
                    problems.append(f"{part}: axis {axis_id} crosses axis {crosses}, which the chart does not have")
            plot_area = chart.find(f".//{CHART}plotArea")
            for plot in plot_area:
                for used in plot.findall(f"{CHART}axId"):
                    if used.get("val") not in axes:
                        problems.append(f"{part}: {plot.tag.split('}')[1]} uses axis {used.get('val')}, not defined")
            for formula in chart.iter(f"{CHART}f"):
                problems += _range_problems(package, part, formula.text or "")
    return problems


def _range_problems(package: Package, part: str, formula: str) -> list[str]:
    match = re.fullmatch(r"'?(?P<sheet>[^'!]+)'?!(?P<cells>[$A-Z0-9:]+)", formula.strip())
    if match is None:
        return [f"{part}: {formula!r} is not a sheet range"]
    if match["sheet"] not in package.sheets:
        return [f"{part}: {formula!r} names no sheet of the workbook"]
    cells = package.cells(match["sheet"])
    missing = [ref for ref in _cell_refs(match["cells"]) if ref not in cells]
    return [f"{part}: {formula!r} points at {len(missing)} cells that do not exist ({missing[0]}…)"] if missing else []


# --- tables and names --------------------------------------------------------------------------------------


def table_problems(path: Path) -> list[str]:
    """Every table's header cells hold exactly its column names (Excel repairs a table whose header differs)."""
    package = Package(path)
    problems = []
    for sheet in package.sheets:
        cells = package.cells(sheet)
        for part in package.parts_of(sheet, "table"):
            table = package.xml(part)
            first, last = table.get("ref").split(":")
            row = re.sub(r"^[A-Z]+", "", first)
            names = [c.get("name") for c in table.iter(f"{MAIN}tableColumn")]
            shown = [cells.get(ref) for ref in _cell_refs(f"{first}:{re.sub(r'[0-9]+$', '', last)}{row}")]
            if shown != names:
                problems.append(f"{part} ({table.get('name')}, row {row}): header cells {shown} != columns {names}")
    return problems


def reads_as_cell_reference(name: str) -> bool:
    """Whether Excel would read `name` as a cell (A1 or R1C1 style) rather than a name."""
    a1 = re.fullmatch(r"([A-Za-z]{1,3})(\d+)", name)
    if a1 and _column_number(a1.group(1)) <= MAX_COLUMN and 1 <= int(a1.group(2)) <= MAX_ROW:
        return True
    return bool(re.fullmatch(r"[RrCc]|[Rr]\d*[Cc]\d*|[Rr]\d+|[Cc]\d+", name))


def name_problems(path: Path) -> list[str]:
    """No defined name reads as a cell reference or has the name of a table (Excel repairs both)."""
    package = Package(path)
    tables = {
        package.xml(part).get("name").upper() for sheet in package.sheets for part in package.parts_of(sheet, "table")
    }
    problems = []
    for name, _ in package.names:
        local = name.split("!")[-1]
        if local.startswith("_xlnm."):
            continue
        if reads_as_cell_reference(local):
            problems.append(f"defined name {name!r} reads as a cell reference")
        if local.upper() in tables:
            problems.append(f"defined name {name!r} is also a table's name")
    return problems


# --- VBA and the ribbon ------------------------------------------------------------------------------------

_RIBBON_SUB = re.compile(
    r"^[ \t]*(?:Public[ \t]+)?Sub[ \t]+(\w+)[ \t]*\([ \t]*(?:ByRef[ \t]+)?control[ \t]+As[ \t]+IRibbonControl[ \t]*\)",
    re.M | re.I,
)


def shipped_vba_modules(xlam: Path) -> dict[str, str]:
    """The VBA modules of the add-in's vbaProject.bin as olevba reads them: module name -> source."""
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(xlam))
    try:
        return {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def module_name(bas_text: str) -> str:
    match = re.search(r'^Attribute VB_Name = "(\w+)"', bas_text, re.M)
    if match is None:
        raise ValueError("a .bas file without Attribute VB_Name")
    return match.group(1)


def ribbon_callbacks(modules: Mapping[str, str]) -> set[str]:
    """'Module.Sub' for every `Sub name(control As IRibbonControl)` of `modules` (name -> source)."""
    return {f"{module}.{sub}" for module, code in modules.items() for sub in _RIBBON_SUB.findall(code)}


def unresolved_actions(customui: bytes, modules: Mapping[str, str]) -> list[str]:
    """The customUI onAction values that name no ribbon callback of `modules`."""
    callbacks = {c.lower() for c in ribbon_callbacks(modules)}
    actions = [el.get("onAction") for el in ET.fromstring(customui).iter() if el.get("onAction")]
    return [action for action in actions if action.lower() not in callbacks]


# --- VBA syntax (antlr4-vba: Microsoft's VBA grammar, and its conditional-compilation grammar) --------------


def _parse(text: str, lexer_class, parser_class) -> list[str]:
    from antlr4 import CommonTokenStream, InputStream
    from antlr4.error.ErrorListener import ErrorListener

    errors: list[str] = []

    class Collect(ErrorListener):
        def syntaxError(self, recognizer, symbol, line, column, message, error):
            errors.append(f"line {line}:{column}: {message[:120]}")

    lexer = lexer_class(InputStream(text))
    lexer.removeErrorListeners()
    lexer.addErrorListener(Collect())
    parser = parser_class(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(Collect())
    parser.startRule()
    return errors


def vba_syntax_errors(text: str, apps: Iterable[str] = ("Microsoft Excel", "other")) -> list[str]:
    """antlr4-vba's syntax errors for a .bas module: the conditional-compilation grammar over the text as written,
    then the VBA grammar over the text as compiled for each value of the `App` constant xlwings declares.

    Long modules are parsed procedure by procedure, each behind the module header: the grammars' full-context
    prediction looks ahead to the end of the input, so one long parse costs the square of its length."""
    from antlr4_vba.vba_ccLexer import vba_ccLexer
    from antlr4_vba.vba_ccParser import vba_ccParser
    from antlr4_vba.vbaLexer import vbaLexer
    from antlr4_vba.vbaParser import vbaParser

    text = text.replace("\r\n", "\n")
    if not text.endswith("\n"):
        text += "\n"
    starts = [m.start() for m in re.finditer(r"^(?:Public |Private )?(?:Sub|Function) ", text, re.M)]
    header = text[: starts[0]] if starts else text
    bodies = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)][: len(starts)], strict=True)] or [""]
    errors = []
    for body in bodies:
        module = header + body
        errors += _parse(module, vba_ccLexer, vba_ccParser)
        for app in apps if "#" in module else apps[:1]:
            try:
                compiled = preprocess(module, {"App": app})
            except (ValueError, AttributeError, IndexError) as exc:
                errors.append(f"conditional compilation: {exc}")
                continue
            errors += _parse(compiled, vbaLexer, vbaParser)
    return errors


def installed_udf_module(module_names: str) -> str:
    """The UDF module exactly as `xlwings.udfs.import_udfs` writes it for the add-in from `module_names` (its
    `UDF Modules` setting, ";"-separated): module header, the `#Const App` line, then `generate_vba_wrapper`'s output
    for each module, each imported under xlwings' Windows code (`testkit.xlwings_harness`)."""
    import io
    import types

    from testkit.xlwings_harness import windows_xlwings

    out = io.StringIO()
    out.write('Attribute VB_Name = "xlwings_udfs"\n')
    out.write("'Autogenerated code by xlwings - changes will be lost with next import!\n")
    out.write("""#Const App = "Microsoft Excel" 'Adjust when using outside of Excel\n""")
    workbook = types.SimpleNamespace(Name="lazarus.xlam")
    for name in module_names.split(";"):
        with windows_xlwings(name) as harness:
            harness.xlwings_udfs.generate_vba_wrapper(name, harness.module, out, workbook)
    return out.getvalue()


# --- names Excel and VBA already use -----------------------------------------------------------------------


def excel_function_names() -> set[str]:
    """Excel's built-in worksheet functions as openpyxl and XlsxWriter list them (upper case, no _xlfn. prefix)."""
    import xlsxwriter.worksheet
    from openpyxl.utils.formulas import FORMULAE

    source = Path(xlsxwriter.worksheet.__file__).read_text(encoding="utf-8")
    future = re.findall(r'r"\\b([A-Z][A-Z0-9_.]*)\\\(", "_xlfn\.', source)
    return {name.upper() for name in FORMULAE} | {name.upper() for name in future}


# Functions of VBA's own library (module VBA) that the grammar does not spell as tokens; an argument of that name
# would hide the function inside the wrapper.
_VBA_LIBRARY = frozenset(
    """ASC ATN CHOOSE CHR COS CURDIR DATEADD DATEDIFF DATEPART DATESERIAL DATEVALUE DAY DIR ENVIRON EOF ERR ERROR EXP
    FILEATTR FILEDATETIME FILELEN FILTER FORMAT FREEFILE HEX HOUR IIF INSTR INSTRREV JOIN LCASE LEFT LOC LOF LOG
    LTRIM MID MINUTE MONTH MONTHNAME NOW OCT REPLACE RGB RIGHT RND ROUND RTRIM SECOND SHELL SIN SPACE SPLIT SQR STR
    STRCOMP STRCONV STRING STRREVERSE SWITCH TAN TIME TIMER TIMESERIAL TIMEVALUE TRIM TYPENAME UCASE VAL VARTYPE
    WEEKDAY WEEKDAYNAME YEAR""".split()  # noqa: SIM905
)


def vba_reserved_names() -> set[str]:
    """VBA's keywords and built-in names as Microsoft's VBA grammar (antlr4-vba) spells its literal tokens."""
    from antlr4_vba.vbaLexer import vbaLexer

    names = set(_VBA_LIBRARY)
    for literal in vbaLexer.literalNames:
        word = literal.strip("'").strip("[]")
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", word):
            names.add(word.upper())
    return names


def name_clashes(functions: Mapping[str, Iterable[str]]) -> list[str]:
    """Cell functions (name -> argument names) whose name is an Excel built-in or an argument a VBA name."""
    excel, vba = excel_function_names(), vba_reserved_names()
    problems = [f"{name} is an Excel built-in function" for name in functions if name.upper() in excel]
    problems += [
        f"{name}: argument {arg!r} is a VBA keyword or built-in"
        for name, args in functions.items()
        for arg in args
        if arg.upper() in vba
    ]
    return problems
