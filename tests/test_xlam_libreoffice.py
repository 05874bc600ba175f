"""LibreOffice loads lazarus.xlam with its VBA (filter "Calc MS Excel 2007 VBA XML") and its Basic library lists
every module the add-in ships, each with the code the build wrote: a second reader of the VBA project, independent of
olevba, that also compiles nothing from a performance cache (there is none)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from addin.excel import xlam
from addin.excel.vba import project as vba

# Starting LibreOffice takes ~4 s; tests/test_vba_project.py checks the same modules with olevba in well under one.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
LISTER = ROOT / "testkit" / "libreoffice_basic.py"
# LibreOffice's Python bridge (Debian's python3-uno) lives in the system Python, not in the project's environment.
SYSTEM_PYTHON = "/usr/bin/python3"
HAS_UNO = Path("/usr/lib/python3/dist-packages/uno.py").is_file() and Path(SYSTEM_PYTHON).is_file()
if (shutil.which("soffice") or shutil.which("libreoffice")) is None or not HAS_UNO:
    # CI installs LibreOffice and python3-uno and sets LAZARUS_REQUIRE_LIBREOFFICE=1, so there this is a failure.
    if os.environ.get("LAZARUS_REQUIRE_LIBREOFFICE") == "1":
        raise RuntimeError("LibreOffice (soffice) and its Python bridge (python3-uno) are required here")
    pytest.skip("LibreOffice or python3-uno is not installed", allow_module_level=True)


def _libreoffice_header(line: str) -> bool:
    """What LibreOffice puts before a VBA module's code in Basic (where it drops the `Attribute` lines)."""
    return line.startswith("Rem Attribute VBA_ModuleType=") or line in ("Option VBASupport 1", "Option ClassModule")


def _code_lines(text: str, drop) -> list[str]:
    lines = [line for line in text.splitlines() if not drop(line)]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


@pytest.fixture(scope="module")
def basic(built_xlam) -> dict[str, dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    result = subprocess.run(
        [SYSTEM_PYTHON, str(LISTER), str(built_xlam)], capture_output=True, text=True, timeout=180, env=env
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def written(built_xlam) -> vba.Project:
    with zipfile.ZipFile(built_xlam) as archive:
        return vba.read(archive.read(xlam.VBA_PART))


def test_libreoffice_lists_every_module_in_the_projects_basic_library(basic, written):
    assert set(basic) == {"Standard", written.information.name}
    assert set(basic[written.information.name]) == {m.name for m in written.modules}
    assert {"LazarusRibbon", "xlwings_udfs", "xlwings", "RibbonMyAddin"} <= set(basic[written.information.name])


def test_libreoffice_reads_each_modules_code_as_the_build_wrote_it(basic, written):
    library = basic[written.information.name]
    for module in written.modules:
        theirs = _code_lines(library[module.name], _libreoffice_header)
        mine = _code_lines(module.source, lambda line: line.startswith("Attribute "))
        assert theirs == mine, module.name
    assert "dispatch('\" & control.Id & \"')" in library["LazarusRibbon"]
    assert library["xlwings_udfs"].count("End Function") == written.module("xlwings_udfs").source.count("End Function")
