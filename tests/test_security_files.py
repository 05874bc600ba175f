"""Files a user did not ask to replace: the ribbon's Export for colleagues keeps an earlier copy, and
`lazarus addin build --out` never writes the add-in over a workbook, a folder or a file it was not told to replace,
and leaves nothing half-written behind. Real files, the real exporter and the real add-in builder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from addin import commands
from addin.excel import ribbon_actions as entry
from tests.test_entry import _book


def test_the_ribbons_export_keeps_an_earlier_copy(small_files, tmp_path):
    live = shutil.copy(small_files[0], tmp_path / "Lazarus.xlsx")
    first = entry.export_for_colleagues(_book(fullname=str(live)))
    earlier = tmp_path / "Lazarus (for colleagues).xlsx"
    assert str(earlier) in first
    sent = earlier.read_bytes()
    earlier_time = earlier.stat().st_mtime_ns
    second = entry.export_for_colleagues(_book(fullname=str(live)))
    assert earlier.read_bytes() == sent and earlier.stat().st_mtime_ns == earlier_time
    beside = tmp_path / "Lazarus (for colleagues) (2).xlsx"
    assert beside.is_file() and str(beside) in second and "earlier copy was kept" in second


@pytest.mark.parametrize("name", ["lazarus.xlsx", "lazarus.xlsm", "lazarus"])
def test_addin_build_never_writes_over_a_workbook(name, tmp_path, capsys):
    workbook = tmp_path / name
    workbook.write_bytes(b"the live workbook")
    assert commands.main(["addin", "build", "--out", str(workbook)]) == 2
    assert workbook.read_bytes() == b"the live workbook"
    assert ".xlam" in capsys.readouterr().err


def test_addin_build_writes_beside_an_existing_add_in_unless_forced(tmp_path, capsys):
    existing = tmp_path / "lazarus.xlam"
    existing.write_bytes(b"an add-in the user keeps")
    assert commands.main(["addin", "build", "--out", str(existing)]) == 0
    assert existing.read_bytes() == b"an add-in the user keeps"
    assert (tmp_path / "lazarus (2).xlam").stat().st_size > 10_000
    assert "--force" in capsys.readouterr().out
    assert commands.main(["addin", "build", "--out", str(existing), "--force"]) == 0
    assert existing.stat().st_size > 10_000
    assert sorted(path.name for path in tmp_path.iterdir()) == ["lazarus (2).xlam", "lazarus.xlam"]


@pytest.mark.parametrize("where", ["folder", "read-only file system"])
def test_addin_build_to_a_folder_or_a_read_only_place_is_one_line_and_leaves_nothing(where, tmp_path, capsys):
    out = tmp_path / "folder.xlam" if where == "folder" else Path("/proc/lazarus.xlam")
    if where == "folder":
        out.mkdir()
    code = commands.main(["addin", "build", "--out", str(out)])
    err = capsys.readouterr().err
    assert code in (1, 2) and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not list(tmp_path.rglob("*.partial")) and not Path("/proc/lazarus.xlam.partial").exists()
