"""Each cell function is declared once (udfs.declare) and everything people read about it agrees with that one
declaration: SPEC.md's tables (names, arguments, defaults, order), README's table of groups, the Methods sheet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from udfs.declare import Param, cell, excel_literal
from udfs.functions import FUNCTIONS

ROOT = Path(__file__).resolve().parents[1]


def spec_signatures() -> list[str]:
    """Every `NAME(arguments)` that opens a row of SPEC.md's function tables, in the order written."""
    text = (ROOT / "udfs" / "SPEC.md").read_text(encoding="utf-8")
    return re.findall(r"^\| `([A-Z_]+\(.*?\))` \|", text, flags=re.M)


def test_spec_md_lists_every_declared_function_with_its_arguments_and_defaults_in_order():
    assert spec_signatures() == [function.signature for function in FUNCTIONS]


def test_readme_groups_list_every_declared_function_under_its_group():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    groups = {function.group for function in FUNCTIONS}
    listed = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0] in groups:
            listed[cells[0]] = re.findall(r"`([A-Z_]+)`", cells[1])
    declared = {group: [f.name for f in FUNCTIONS if f.group == group] for group in groups}
    assert listed == declared


def test_udfs_imports_no_xlwings():
    for path in (ROOT / "udfs").rglob("*.py"):
        assert not re.search(r"^\s*(import|from)\s+xlwings", path.read_text(encoding="utf-8"), flags=re.M), path


def test_a_default_is_written_once_and_shown_as_excel_spells_it():
    rsi = next(function for function in FUNCTIONS if function.name == "RSI")
    (prices, period) = rsi.arguments
    assert not prices.optional and period.default == 14
    assert period.doc.endswith("Default 14.")
    assert [excel_literal(v) for v in (6, 0.25, "21,63", False)] == ["6", "0.25", '"21,63"', "FALSE"]


def test_the_guard_fills_an_omitted_argument_with_its_declared_default_and_reads_it_by_its_rule():
    rsi = next(function for function in FUNCTIONS if function.name == "RSI").call
    closes = [100.0 + (k % 7) - (k % 3) for k in range(40)]
    assert rsi(closes) == rsi(closes, 14) == rsi(closes, "") == rsi(closes, None) == rsi(closes, 14.0)
    assert rsi(closes, 6.5) == "#N/A RSI: period must be a whole number ≥ 1, got 6.5"
    assert rsi(closes, 14, 3) == "#N/A RSI: takes at most 2 arguments, got 3"


def test_an_argument_without_a_param_is_refused_when_declared():
    with pytest.raises(TypeError, match="needs one Annotated"):

        @cell("Tests")
        def UNDOCUMENTED(prices) -> float:  # pragma: no cover - never called
            return 0.0


def test_a_name_is_declared_once():
    with pytest.raises(TypeError, match="declared twice"):

        @cell("Tests")
        def RSI(prices: Param) -> float:  # pragma: no cover - never called
            return 0.0
