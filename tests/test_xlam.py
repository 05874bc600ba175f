"""`lazarus addin build`: the .xlam is xlwings' ribbon template with our ribbon and activated config sheet,
and stays a valid package member by member."""

from __future__ import annotations

import io
import posixpath
import re
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest
import xlwings

from addin import commands as cli
from addin.excel import xlam

ROOT = Path(__file__).resolve().parent.parent
CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
TEMPLATE = Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"

EXPECTED_MEMBERS = {
    "[Content_Types].xml",
    "_rels/.rels",
    "customUI/customUI14.xml",
    "docProps/app.xml",
    "docProps/core.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/sharedStrings.xml",
    "xl/styles.xml",
    "xl/theme/theme1.xml",
    "xl/vbaProject.bin",
    "xl/workbook.xml",
    "xl/worksheets/sheet1.xml",
}


@pytest.fixture(scope="module")
def built(built_xlam) -> Path:
    return built_xlam  # tests/conftest.py: one build for the whole run


@pytest.fixture(scope="module")
def members(built) -> dict[str, bytes]:
    with zipfile.ZipFile(built) as z:
        assert z.testzip() is None
        return {name: z.read(name) for name in z.namelist()}


def _rels_parts(members: dict[str, bytes]):
    """(source part's folder, Relationship element) for every relationship in the package."""
    for name, data in members.items():
        if name.endswith(".rels"):
            folder = posixpath.dirname(posixpath.dirname(name))  # xl/_rels/workbook.xml.rels -> xl
            for rel in ET.fromstring(data):
                yield folder, rel


def test_the_package_has_exactly_the_templates_parts_with_our_ribbon(members):
    assert set(members) == EXPECTED_MEMBERS
    assert len(members) == len(EXPECTED_MEMBERS)  # no duplicate zip entries


def test_every_xml_part_is_well_formed(members):
    for name, data in members.items():
        if name.endswith((".xml", ".rels")):
            ET.fromstring(data)


def test_content_types_cover_every_part_and_name_no_missing_part(members):
    types = ET.fromstring(members["[Content_Types].xml"])
    defaults = {d.get("Extension").lower() for d in types.iter(f"{CT_NS}Default")}
    overrides = {o.get("PartName").lstrip("/"): o.get("ContentType") for o in types.iter(f"{CT_NS}Override")}
    for name in members:
        if name != "[Content_Types].xml":
            assert name in overrides or name.rsplit(".", 1)[-1].lower() in defaults, name
    assert set(overrides) <= set(members)
    assert overrides["xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
    assert overrides["xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"


def test_every_relationship_target_exists(members):
    for folder, rel in _rels_parts(members):
        target = rel.get("Target")
        assert rel.get("TargetMode") != "External", target
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        assert path in members, (folder, target)


def test_relationship_ids_are_unique_per_rels_part(members):
    for name, data in members.items():
        if name.endswith(".rels"):
            ids = [rel.get("Id") for rel in ET.fromstring(data)]
            assert len(ids) == len(set(ids)), name


def test_ribbon_is_ours_and_referenced_as_office_2010_ribbon_extensibility(members):
    assert members["customUI/customUI14.xml"] == (ROOT / "addin" / "excel" / "ribbon" / "customUI.xml").read_bytes()
    root_rels = ET.fromstring(members["_rels/.rels"])
    ribbon = [r for r in root_rels if r.get("Type") == xlam.CUSTOMUI_REL]
    assert [r.get("Target") for r in ribbon] == ["customUI/customUI14.xml"]
    assert ET.fromstring(members["customUI/customUI14.xml"]).tag == f"{{{xlam.CUSTOMUI_NS}}}customUI"
    assert "customUI/customUI.xml" not in members


def test_workbook_lists_only_the_activated_config_sheet_and_its_part_exists(members):
    workbook = ET.fromstring(members["xl/workbook.xml"])
    sheets = list(workbook.iter(f"{MAIN_NS}sheet"))
    assert [s.get("name") for s in sheets] == ["myaddin.conf"]
    wb_rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(members["xl/_rels/workbook.xml.rels"])}
    assert "xl/" + wb_rels[sheets[0].get(R_ID)] == "xl/worksheets/sheet1.xml"


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/worksheets/sheet1.xml"])
def test_prefixes_named_by_mc_ignorable_stay_declared(members, part):
    # A text edit must keep them: Excel offers to repair a file whose mc:Ignorable names an undeclared prefix.
    text = members[part].decode("utf-8")
    ignorable = re.search(r'mc:Ignorable="([^"]*)"', text).group(1).split()
    for prefix in ignorable:
        if prefix in ("xr", "xr6", "xr10", "x15", "x14ac"):
            assert f"xmlns:{prefix}=" in text, (part, prefix)


def test_vba_project_is_the_templates_with_the_ribbon_dispatcher_and_the_udf_wrappers_added(members):
    from addin.excel.vba import project as vba

    with zipfile.ZipFile(TEMPLATE) as template:
        before = vba.read(template.read("xl/vbaProject.bin"))
    after = vba.read(members["xl/vbaProject.bin"])
    assert after.modules[: len(before.modules)] == before.modules  # RibbonMyAddin.RunMain among them
    added = [m.name for m in after.modules[len(before.modules) :]]
    assert added == ["LazarusRibbon", "xlwings_udfs", "LazarusSelfTest", "LazarusFunctionHelp"]
    assert (after.information, after.references, after.project_id) == (
        before.information,
        before.references,
        before.project_id,
    )
    # Its VBA reads the sheet PROJECT_NAME & ".conf"; PROJECT_NAME is "myaddin" in xlwings 0.37.8.
    custom = (Path(xlwings.__file__).parent / "xlwings_custom_addin.bas").read_text()
    assert 'Public Const PROJECT_NAME As String = "myaddin"' in custom
    assert 'Public Const PROJECT_NAME As String = "myaddin"' in after.module("xlwings").source


def test_a_udf_module_that_does_not_import_fails_the_build_with_its_error():
    with pytest.raises(xlam.BuildError, match=r"No module named 'udfs\.no_such_module'"):
        xlam.udf_source("addin.excel.cell_functions;udfs.no_such_module")


def test_the_installer_imports_nothing_into_the_vba_project():
    # The build writes every module; `addin install` only copies and registers the file (Excel's AddIns list).
    import ast

    tree = ast.parse(Path(xlam.__file__).read_text(encoding="utf-8"))
    used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    used |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    used |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    assert {"AddIns", "Installed"} <= used  # the registration is there, so the walk sees the install code
    assert not used & {"VBProject", "VBComponents", "import_udfs", "Import"}


def test_the_windows_add_in_folder_is_the_users_add_ins_folder():
    folder = xlam.windows_addins_folder(r"C:\Users\ana\AppData\Roaming")
    assert folder.parts[-2:] == ("Microsoft", "AddIns")
    assert str(folder).startswith(r"C:\Users\ana\AppData\Roaming")


XLAM_TYPE = b"application/vnd.ms-excel.addin.macroEnabled.main+xml"
XLSM_TYPE = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def _open(path: Path) -> openpyxl.Workbook:
    """openpyxl 3.1 knows no add-in workbook type (by extension or content type), so it reads the package
    with that one content type swapped for .xlsm's; every other byte is the built file's."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buffer, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                assert data.count(XLAM_TYPE) == 1
                data = data.replace(XLAM_TYPE, XLSM_TYPE)
            dst.writestr(info, data)
    buffer.seek(0)
    book = openpyxl.load_workbook(buffer, keep_vba=True)
    # openpyxl keeps the VBA parts in a zip over a buffer it later closes; closed now, the zip's finaliser has nothing
    # left to write (else it fails, "I/O operation on closed file", in whichever test the collector runs in).
    book.vba_archive.close()
    return book


def test_openpyxl_opens_the_add_in_and_reads_our_settings(built):
    book = _open(built)
    assert book.sheetnames == ["myaddin.conf"]
    settings = {row[0]: row[1] for row in book["myaddin.conf"].iter_rows(values_only=True)}
    assert settings == {
        "UDF Modules": "addin.excel.cell_functions",
        "Debug UDFs": False,
        "Use UDF Server": False,
        "Show Console": False,
    }
    assert book.vba_archive is not None


def test_a_plain_build_leaves_machine_settings_out_so_xlwings_defaults_apply(members):
    shared = members["xl/sharedStrings.xml"].decode("utf-8")
    for key in ("Interpreter_Win", "Interpreter_Mac", "PYTHONPATH", "Conda"):
        assert key not in shared


def test_install_time_build_carries_interpreter_and_pythonpath(tmp_path):
    from addin.excel.pythonpath import FOLDER

    path = xlam.build(tmp_path / "lazarus.xlam", interpreter_win=r"C:\py\python.exe", pythonpath=str(FOLDER))
    rows = list(_open(path)["myaddin.conf"].iter_rows(values_only=True))
    settings = dict(rows)
    assert settings["Interpreter_Win"] == r"C:\py\python.exe"
    assert settings["PYTHONPATH"] == str(FOLDER)
    assert "Interpreter_Mac" not in settings
    # xlwings reads the sheet from A1 down to the first blank cell.
    assert all(key for key, _ in rows)


def test_nothing_secret_lands_in_the_add_in(members):
    text = b"".join(v for k, v in members.items() if not k.endswith(".bin")).decode("utf-8").lower()
    for word in ("api_key", "apikey", "license_key", "token", "password"):
        assert word not in text


def test_cli_builds_the_add_in(tmp_path, capsys):
    out = tmp_path / "dist" / "lazarus.xlam"
    assert cli.main(["addin", "build", "--out", str(out)]) == 0
    assert zipfile.is_zipfile(out)
    assert str(out) in capsys.readouterr().out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux behaviour")
def test_install_on_linux_says_what_it_cannot_do_and_fails(capsys):
    assert cli.main(["addin", "install"]) != 0
    err = capsys.readouterr().err
    assert "needs Microsoft Excel" in err
    assert "lazarus addin build" in err


def test_the_add_in_carries_no_template_authors_name_or_folder(built):
    with zipfile.ZipFile(built) as archive:
        text = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".xml"))
    assert b"felix" not in text.lower() and b"Users\\" not in text
    assert b"<dc:creator>Lazarus</dc:creator>" in text
