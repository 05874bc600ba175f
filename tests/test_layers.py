"""The folders follow the data flow and no module imports upward: udfs (the cells) <- workbook <- addin; the
statistics know NumPy and their own error type only, never the cell-cleaning edge."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STATISTICS = ("rally", "overbought", "market", "curve", "macro", "reports", "policy")


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    names |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return names


@pytest.mark.parametrize("module", STATISTICS)
def test_a_statistics_module_imports_numpy_and_the_core_only(module):
    ours = {name for name in imported(ROOT / "udfs" / f"{module}.py") if name.startswith("udfs")}
    assert ours <= {"udfs.errors", *(f"udfs.{other}" for other in STATISTICS)}, ours


@pytest.mark.parametrize(("folder", "forbidden"), [("udfs", ("workbook", "addin")), ("workbook", ("addin",))])
def test_no_module_imports_upward(folder, forbidden):
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files
    upward = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in files
        for name in imported(path)
        if name.split(".")[0] in forbidden
    }
    assert upward == set()
