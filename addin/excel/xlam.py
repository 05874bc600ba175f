"""`lazarus addin build` and `lazarus addin install`: assemble lazarus.xlam and put it into Excel.

The build starts from xlwings' own ribbon add-in template (`xlwings quickstart lazarus --addin --ribbon`), so
the VBA that loads xlwings' DLL and runs Python is xlwings' tested code, and edits only zip members whose
format is plain XML: the ribbon (ours replaces the template's), the package relationships that point at it,
and the hidden config sheet, which is renamed to `myaddin.conf` to activate it (the template's VBA reads the
sheet `PROJECT_NAME & ".conf"`, and its PROJECT_NAME is "myaddin") and filled with our settings.

VBA cannot be written safely outside Excel, so the ribbon callbacks (`ribbon/LazarusRibbon.bas`) and the UDF
wrappers go in at install time on Windows, through Excel's VBA project object model, as xlwings'
`ImportPythonUDFsToAddin` does.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
RIBBON_XML = HERE / "ribbon" / "customUI.xml"
CALLBACKS_BAS = HERE / "ribbon" / "LazarusRibbon.bas"
XLAM_NAME = "lazarus.xlam"
# The VBA modules `lazarus addin install` imports into the add-in (Windows), in this order. The ribbon's callbacks
# live in these or in the template's own VBA project; tests/test_office_files.py checks every onAction against
# exactly this list and the modules olevba finds in the built file.
IMPORTED_VBA_MODULES: tuple[Path, ...] = (CALLBACKS_BAS,)
# The cell functions, every one registered from its declaration (HISTORY with the store bound).
UDF_MODULES = "addin.excel.cell_functions"

# What the template ships and what we turn it into.
TEMPLATE_CUSTOMUI = "customUI/customUI.xml"
CUSTOMUI_PART = "customUI/customUI14.xml"  # the Office 2010+ name for a 2009/07 ribbon
CUSTOMUI_NS = "http://schemas.microsoft.com/office/2009/07/customui"
CUSTOMUI_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
TEMPLATE_CONF_SHEET = "_myaddin.conf"
CONF_SHEET = "myaddin.conf"
CONF_SHEET_PART = "xl/worksheets/sheet1.xml"
SHARED_STRINGS_PART = "xl/sharedStrings.xml"

RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


class BuildError(RuntimeError):
    """The xlwings template did not look the way this builder expects (a different xlwings version?)."""


# --- the template ----------------------------------------------------------------------------------------


def template_xlam(workdir: Path) -> Path:
    """Run xlwings' quickstart in `workdir` and return the ribbon add-in template it wrote."""
    subprocess.run(
        [sys.executable, "-m", "xlwings.cli", "quickstart", "lazarus", "--addin", "--ribbon"],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    path = workdir / "lazarus" / XLAM_NAME
    if not path.is_file():
        raise BuildError(f"xlwings quickstart did not write {path}")
    return path


# --- the edits, each a pure function of the template's bytes ----------------------------------------------


def config_settings(interpreter_win: str = "", interpreter_mac: str = "", pythonpath: str = "") -> list[tuple]:
    """Rows of the activated config sheet. Empty settings are left out, so xlwings falls back to its defaults
    instead of reading an empty value (a key present on the sheet wins over every other config source)."""
    rows: list[tuple] = [("UDF Modules", UDF_MODULES)]
    rows += [(k, v) for k, v in (("Interpreter_Win", interpreter_win), ("Interpreter_Mac", interpreter_mac)) if v]
    rows += [("PYTHONPATH", pythonpath)] if pythonpath else []
    rows += [("Debug UDFs", False), ("Use UDF Server", False), ("Show Console", False)]
    return rows


def _replace_once(text: str, old: str, new: str, part: str) -> str:
    if text.count(old) != 1:
        raise BuildError(f"expected exactly one {old!r} in {part} of the xlwings template")
    return text.replace(old, new)


def edit_root_rels(xml: str) -> str:
    """Point the package's ribbon relationship at our part (the template's is dropped)."""
    root = ET.fromstring(xml)
    ribbon = [r for r in root if r.get("Type") == CUSTOMUI_REL]
    if len(ribbon) != 1:
        raise BuildError("expected one ribbon relationship in _rels/.rels of the xlwings template")
    return _replace_once(xml, f'Target="{ribbon[0].get("Target")}"', f'Target="{CUSTOMUI_PART}"', "_rels/.rels")


def edit_workbook(xml: str) -> str:
    """Rename the template's dormant config sheet so that its VBA reads it, and drop the template author's
    folder (x15ac:absPath), which Excel records on save and which says nothing about Lazarus."""
    xml = re.sub(r"<x15ac:absPath [^>]*/>", "", xml)
    return _replace_once(xml, f'name="{TEMPLATE_CONF_SHEET}"', f'name="{CONF_SHEET}"', "xl/workbook.xml")


def edit_core_properties(xml: str) -> str:
    """Lazarus as the author, not the person who saved xlwings' template."""
    xml = re.sub(r"<dc:creator>[^<]*</dc:creator>", "<dc:creator>Lazarus</dc:creator>", xml)
    return re.sub(
        r"<cp:lastModifiedBy>[^<]*</cp:lastModifiedBy>", "<cp:lastModifiedBy>Lazarus</cp:lastModifiedBy>", xml
    )


def config_sheet_parts(sheet_xml: str, rows: list[tuple]) -> tuple[str, str]:
    """The config sheet's XML with `rows` in A:B, and the shared-string table those cells use.

    Only `<sheetData>` changes, as text: an XML round trip would drop the namespace declarations that
    `mc:Ignorable` names, and Excel would offer to repair the file."""
    strings: list[str] = []

    def string_cell(ref: str, text: str) -> str:
        if text not in strings:
            strings.append(text)
        return f'<c r="{ref}" s="1" t="s"><v>{strings.index(text)}</v></c>'

    xml_rows = []
    for i, (key, value) in enumerate(rows, start=1):
        b = (
            f'<c r="B{i}" s="1" t="b"><v>{int(value)}</v></c>'
            if isinstance(value, bool)
            else string_cell(f"B{i}", str(value))
        )
        xml_rows.append(f'<row r="{i}" spans="1:2">{string_cell(f"A{i}", key)}{b}</row>')
    sheet_data = f"<sheetData>{''.join(xml_rows)}</sheetData>"
    new_sheet, count = re.subn(r"<sheetData>.*?</sheetData>|<sheetData\s*/>", sheet_data, sheet_xml, flags=re.S)
    if count != 1:
        raise BuildError(f"expected one <sheetData> in {CONF_SHEET_PART} of the xlwings template")
    new_sheet = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:B{len(rows)}" />', new_sheet)
    items = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    sst = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<sst xmlns="{MAIN_NS}" count="{2 * len(rows) - _bool_count(rows)}" uniqueCount="{len(strings)}">'
        f"{items}</sst>"
    )
    return new_sheet, sst


def _bool_count(rows: list[tuple]) -> int:
    return sum(isinstance(v, bool) for _, v in rows)


def ribbon_xml() -> bytes:
    """Our ribbon, checked to be the schema this builder declares in the package."""
    data = RIBBON_XML.read_bytes()
    if ET.fromstring(data).tag != f"{{{CUSTOMUI_NS}}}customUI":
        raise BuildError(f"{RIBBON_XML} must be a customUI element in the {CUSTOMUI_NS} namespace")
    return data


# --- build -----------------------------------------------------------------------------------------------


def assemble(template: Path, out: Path, rows: list[tuple]) -> Path:
    """Copy `template` to `out` member by member, applying the edits above."""
    with zipfile.ZipFile(template) as src:
        members = {info.filename: src.read(info) for info in src.infolist()}
        infos = src.infolist()
    for part in (TEMPLATE_CUSTOMUI, "_rels/.rels", "xl/workbook.xml", CONF_SHEET_PART, SHARED_STRINGS_PART):
        if part not in members:
            raise BuildError(f"the xlwings template has no {part}")
    sheet_xml, sst_xml = config_sheet_parts(members[CONF_SHEET_PART].decode("utf-8"), rows)
    edited = {
        "_rels/.rels": edit_root_rels(members["_rels/.rels"].decode("utf-8")).encode("utf-8"),
        "xl/workbook.xml": edit_workbook(members["xl/workbook.xml"].decode("utf-8")).encode("utf-8"),
        CONF_SHEET_PART: sheet_xml.encode("utf-8"),
        SHARED_STRINGS_PART: sst_xml.encode("utf-8"),
    }
    if "docProps/core.xml" in members:
        edited["docProps/core.xml"] = edit_core_properties(members["docProps/core.xml"].decode("utf-8")).encode("utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in infos:
            if info.filename == TEMPLATE_CUSTOMUI:
                dst.writestr(CUSTOMUI_PART, ribbon_xml())
            else:
                dst.writestr(info.filename, edited.get(info.filename, members[info.filename]))
    partial.replace(out)
    return out


def build(out: Path, interpreter_win: str = "", interpreter_mac: str = "", pythonpath: str = "") -> Path:
    """Write lazarus.xlam to `out`. The interpreter and PYTHONPATH are machine-specific: `install` sets them,
    a plain build (CI, a file to hand around) leaves them out."""
    with tempfile.TemporaryDirectory(prefix="lazarus-xlam-") as tmp:
        template = template_xlam(Path(tmp))
        return assemble(template, out, config_settings(interpreter_win, interpreter_mac, pythonpath))


# --- install ---------------------------------------------------------------------------------------------

TRUST_HELP = """\
Excel refused access to the add-in's VBA project, so the ribbon callbacks and the cell functions could not
be added. Allow it once, then run `lazarus addin install` again:
  Excel > File > Options > Trust Center > Trust Center Settings... > Macro Settings >
  tick "Trust access to the VBA project object model" > OK.
You can untick it again after the install. Until then only the "Refresh data" button works."""

LINUX_HELP = """\
lazarus addin install needs Microsoft Excel (Windows or macOS); there is no Excel on this machine.
What works here: `lazarus addin build --out lazarus.xlam` writes the add-in file. Copy it to a Windows or
macOS machine that has Python with lazarus-xl installed, and run `lazarus addin install` there."""


def _crlf_copy(path: Path, folder: Path) -> Path:
    """VBA's importer expects Windows line endings; the repository keeps the file with LF."""
    target = folder / path.name
    target.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    return target


def _install_windows() -> int:  # pragma: no cover - needs Windows and Excel
    import pywintypes
    import xlwings as xw
    from xlwings import udfs
    from xlwings.cli import get_addin_dir

    from addin.excel.pythonpath import FOLDER

    target = Path(get_addin_dir()) / XLAM_NAME
    for app in xw.apps:
        with contextlib.suppress(KeyError):
            app.books[XLAM_NAME].close()
    build(target, interpreter_win=sys.executable, pythonpath=str(FOLDER))
    print(f"Copied the add-in to Excel's startup folder: {target}")
    started = not xw.apps
    app = xw.App(visible=False) if started else xw.apps.active
    try:
        book = app.books.open(target)
        try:
            components = book.api.VBProject.VBComponents
            _ = components.Count
        except pywintypes.com_error:
            print(TRUST_HELP)
            return 3
        with tempfile.TemporaryDirectory(prefix="lazarus-vba-") as tmp:
            for module in IMPORTED_VBA_MODULES:
                components.Import(str(_crlf_copy(module, Path(tmp))))
        print("Imported the ribbon callbacks (module LazarusRibbon).")
        udfs.import_udfs(UDF_MODULES, book.api)
        print(f"Imported the cell functions from {UDF_MODULES} (module xlwings_udfs).")
        book.save()
    finally:
        if started:
            app.quit()
    print("Done. Restart Excel: the Lazarus tab is on the ribbon, the cell functions are in every workbook.")
    return 0


def _install_macos() -> int:  # pragma: no cover - needs macOS and Excel
    from xlwings.cli import get_addin_dir, runpython_install

    from addin.excel.pythonpath import FOLDER

    target = Path(get_addin_dir()) / XLAM_NAME
    build(target, interpreter_mac=sys.executable, pythonpath=str(FOLDER))
    runpython_install(None)
    print(f"Copied the add-in to Excel's startup folder: {target}")
    print("Enabled RunPython (xlwings' AppleScript in ~/Library/Application Scripts/com.microsoft.Excel).")
    print(
        "Quit Excel (Cmd-Q) and start it again: the Lazarus tab appears and Refresh data works.\n"
        "macOS Excel cannot run classic xlwings cell functions, and its VBA project cannot be written from\n"
        f"outside Excel: for the other buttons, import {CALLBACKS_BAS} once by hand (README.md, 'Install in Excel')."
    )
    return 0


def install() -> int:
    """Install lazarus.xlam for the current user; returns the process exit code."""
    if sys.platform.startswith("win"):
        return _install_windows()
    if sys.platform == "darwin":
        return _install_macos()
    print(LINUX_HELP, file=sys.stderr)
    return 2
