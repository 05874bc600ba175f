"""`lazarus addin build` and `lazarus addin install`: assemble lazarus.xlam and put it into Excel.

The build starts from xlwings' own ribbon add-in template (`xlwings quickstart lazarus --addin --ribbon`), so
the VBA that loads xlwings' DLL and runs Python is xlwings' tested code, and edits only zip members whose
format is plain XML: the ribbon (ours replaces the template's), the package relationships that point at it,
and the hidden config sheet, which is renamed to `myaddin.conf` to activate it (the template's VBA reads the
sheet `PROJECT_NAME & ".conf"`, and its PROJECT_NAME is "myaddin") and filled with our settings.

The VBA project (xl/vbaProject.bin) is written here too, so installing imports nothing and needs no Trust Center
change: the template's modules as its own vbaProject.bin holds them, the ribbon's dispatcher (`ribbon/*.bas`), the
`xlwings_udfs` module of cell-function wrappers, generated from xlwings' declarations of every module in
`UDF_MODULES` (addin/excel/vba/wrappers.py), the `SelfTest` macro (addin/excel/vba/selftest.py) and the functions'
Insert Function help, registered by the add-in's own Auto_Open (addin/excel/vba/function_help.py).
addin/excel/vba/ writes it as source only, which Excel compiles on open.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from addin.excel.vba import function_help, selftest, wrappers
from addin.excel.vba import project as vba

HERE = Path(__file__).resolve().parent
RIBBON_XML = HERE / "ribbon" / "customUI.xml"
CALLBACKS_BAS = HERE / "ribbon" / "LazarusRibbon.bas"
XLAM_NAME = "lazarus.xlam"
# The VBA modules the build adds to the template's project as they are written (the ribbon's dispatcher); the others
# it adds are generated (`generated_modules`). tests/test_office_files.py checks every onAction against the file.
SHIPPED_BAS_FILES: tuple[Path, ...] = (CALLBACKS_BAS,)
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
VBA_PART = "xl/vbaProject.bin"
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


def bas_module(text: str) -> vba.Module:
    """A standard module from the text of a .bas file (what VBA's importer would store: CRLF, attributes kept)."""
    match = re.match(r'Attribute VB_Name = "(\w+)"\r?\n', text)
    if match is None:
        raise BuildError("a .bas file must start with its Attribute VB_Name line")
    return vba.Module(match.group(1), text.replace("\r\n", "\n").replace("\n", "\r\n"))


def button_ids() -> list[str]:
    """The ids of the ribbon's controls that have an onAction, in ribbon order."""
    return [el.get("id") for el in ET.fromstring(ribbon_xml()).iter() if el.get("onAction")]


def generated_modules(module_names: str = UDF_MODULES) -> list[str]:
    """The modules generated from declarations (.bas text): `xlwings_udfs`, as xlwings' import_udfs would write it
    for the ";"-separated `module_names`, the `SelfTest` macro for those functions and the ribbon's buttons, and the
    `Auto_Open` that registers the functions' help as import_udfs did."""
    try:
        declared = wrappers.declarations(module_names.split(";"))
    except wrappers.DeclarationError as exc:
        raise BuildError(str(exc)) from exc
    return [
        wrappers.udf_module(declared),
        selftest.selftest_module(declared, button_ids()),
        function_help.function_help_module(declared),
    ]


def udf_source(module_names: str = UDF_MODULES) -> str:
    """The `xlwings_udfs` module for the ";"-separated `module_names`."""
    return generated_modules(module_names)[0]


def vba_project(template_bin: bytes, generated: list[str]) -> bytes:
    """The template's VBA project with the shipped and the generated modules added, written source-only."""
    try:
        project = vba.read(template_bin)
        added = [bas_module(path.read_text(encoding="utf-8")) for path in SHIPPED_BAS_FILES]
        return vba.write(project.with_modules(*added, *map(bas_module, generated)))
    except vba.ProjectError as exc:
        raise BuildError(f"the add-in's VBA project: {exc}") from exc


# --- build -----------------------------------------------------------------------------------------------


def assemble(template: Path, out: Path, rows: list[tuple], generated: list[str]) -> Path:
    """Copy `template` to `out` member by member, applying the edits above; `generated` are the generated modules."""
    with zipfile.ZipFile(template) as src:
        members = {info.filename: src.read(info) for info in src.infolist()}
        infos = src.infolist()
    for part in (TEMPLATE_CUSTOMUI, "_rels/.rels", "xl/workbook.xml", CONF_SHEET_PART, SHARED_STRINGS_PART, VBA_PART):
        if part not in members:
            raise BuildError(f"the xlwings template has no {part}")
    sheet_xml, sst_xml = config_sheet_parts(members[CONF_SHEET_PART].decode("utf-8"), rows)
    edited = {
        "_rels/.rels": edit_root_rels(members["_rels/.rels"].decode("utf-8")).encode("utf-8"),
        "xl/workbook.xml": edit_workbook(members["xl/workbook.xml"].decode("utf-8")).encode("utf-8"),
        CONF_SHEET_PART: sheet_xml.encode("utf-8"),
        SHARED_STRINGS_PART: sst_xml.encode("utf-8"),
        VBA_PART: vba_project(members[VBA_PART], generated),
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
        rows = config_settings(interpreter_win, interpreter_mac, pythonpath)
        return assemble(template, out, rows, generated_modules())


# --- install ---------------------------------------------------------------------------------------------

LINUX_HELP = """\
lazarus addin install needs Microsoft Excel (Windows or macOS); there is no Excel on this machine.
What works here: `lazarus addin build --out lazarus.xlam` writes the add-in file. Copy it to a Windows or
macOS machine that has Python with lazarus-xl installed, and run `lazarus addin install` there."""


def windows_addins_folder(appdata: str) -> Path:
    """The user's add-ins folder on Windows (%APPDATA%\\Microsoft\\AddIns): where Excel's own Add-ins dialog looks
    first. An add-in installed from there runs its macros without a prompt under Excel's default Trust Center
    settings (only "Require Application Add-ins to be signed" would stop it)."""
    return Path(appdata) / "Microsoft" / "AddIns"


def _install_windows() -> int:  # pragma: no cover - needs Windows and Excel
    import xlwings as xw

    from addin.excel.pythonpath import FOLDER

    for app in xw.apps:
        with contextlib.suppress(KeyError):
            app.books[XLAM_NAME].close()
    target = windows_addins_folder(os.environ["APPDATA"]) / XLAM_NAME
    build(target, interpreter_win=sys.executable, pythonpath=str(FOLDER))
    print(f"Wrote the add-in, with all its VBA, to {target}")
    started = not xw.apps
    app = xw.App(visible=False, add_book=False) if started else xw.apps.active
    try:
        # An earlier Lazarus copied the add-in into XLSTART; two copies would load two ribbons.
        old = Path(app.startup_path) / XLAM_NAME
        if old.is_file():
            old.unlink()
            print(f"Removed the copy an earlier install left in {old.parent}")
        # Excel's AddIns collection needs an open workbook to add to; the object model used here is Excel's own,
        # not the VBA project's, so no Trust Center setting is involved.
        scratch = app.books.add()
        try:
            app.api.AddIns.Add(str(target), False).Installed = True
        finally:
            scratch.close()
    finally:
        if started:
            app.quit()
    print("Registered it in Excel's Add-ins list. Restart Excel: the Lazarus tab is on the ribbon and the cell")
    print("functions work in every workbook. To check it once, run the macro SelfTest (README.md, 'Install in Excel').")
    return 0


def _install_macos() -> int:  # pragma: no cover - needs macOS and Excel
    from xlwings.cli import get_addin_dir, runpython_install

    from addin.excel.pythonpath import FOLDER

    # Excel for Mac loads every add-in in its startup folder, inside its sandbox, with no registration.
    target = Path(get_addin_dir()) / XLAM_NAME
    build(target, interpreter_mac=sys.executable, pythonpath=str(FOLDER))
    runpython_install(None)
    print(f"Wrote the add-in, with all its VBA, to Excel's startup folder: {target}")
    print("Enabled RunPython (xlwings' AppleScript in ~/Library/Application Scripts/com.microsoft.Excel).")
    print(
        "Quit Excel (Cmd-Q) and start it again: the Lazarus tab appears and its buttons work.\n"
        "macOS Excel cannot run classic xlwings cell functions; they work in Excel for Windows."
    )
    return 0


def install() -> int:
    """Install lazarus.xlam for the current user; returns the process exit code. Nothing is imported into the
    add-in's VBA project: the build wrote every module."""
    if sys.platform.startswith("win"):
        return _install_windows()
    if sys.platform == "darwin":
        return _install_macos()
    print(LINUX_HELP, file=sys.stderr)
    return 2
