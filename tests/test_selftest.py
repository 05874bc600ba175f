"""The SelfTest macro shipped in lazarus.xlam (addin/excel/vba/selftest.py): it covers every ribbon button and every
cell function, its Python calls work as VBA builds them, and it is VBA that Microsoft's grammar parses."""

from __future__ import annotations

import re
import types
from typing import Any

import pytest

from addin.excel import ribbon_actions, xlam
from addin.excel.vba import function_help, selftest, wrappers
from testkit import office_checks as checks


@pytest.fixture(scope="module")
def declared() -> dict[str, list[dict[str, Any]]]:
    return wrappers.declarations(xlam.UDF_MODULES.split(";"))


@pytest.fixture(scope="module")
def module(built_xlam) -> str:
    return checks.shipped_vba_modules(built_xlam)[selftest.MODULE_NAME]


def _assigned(module: str, array: str) -> list[str]:
    """The VBA string literals assigned to `array(i)`, unquoted."""
    return [v.replace('""', '"') for v in re.findall(rf'^    {array}\(\d+\) = "(.*)"\r?$', module, re.M)]


def test_the_add_in_ships_the_self_test_as_generated(module, declared):
    expected = selftest.selftest_module(declared, xlam.button_ids())
    assert module == expected.replace("\n", "\r\n")
    assert re.search(r"^Sub SelfTest\(\)\r$", module, re.M)


def test_it_dry_runs_every_ribbon_button_and_enters_every_cell_function_once(module, declared):
    assert _assigned(module, "ids") == xlam.button_ids() == list(ribbon_actions.ACTIONS)
    called = [re.match(r"=INDEX\((\w+)\(", f).group(1) for f in _assigned(module, "formulas")]
    assert called == [f["name"] for functions in declared.values() for f in functions]


def test_each_formula_passes_exactly_the_required_arguments_from_the_sample(declared):
    functions = {f["name"]: f for fs in declared.values() for f in fs}
    assert selftest.formula(functions["RALLY_SIGMA"]) == "=INDEX(RALLY_SIGMA($B$2:$B$61),1,1)"
    assert selftest.formula(functions["CURVE_STATE"]) == "=INDEX(CURVE_STATE($B$2:$B$61, $A$2:$A$61),1,1)"
    assert selftest.formula(functions["LAST_ROWS"]) == "=INDEX(LAST_ROWS($B$2:$B$61, 5),1,1)"
    assert selftest.formula(functions["HISTORY"]) == '=INDEX(HISTORY("IWM"),1,1)'
    for name, function in functions.items():
        required = sum(not a["optional"] for a in function["args"])
        inner = selftest.formula(function)[len(f"=INDEX({name}(") : -len("),1,1)")]
        assert len(inner.split(", ")) == required, name


class _Cell:
    value: Any = None


class _Sheet:
    def __init__(self) -> None:
        self.cells: dict[str, _Cell] = {}

    def range(self, address: str) -> _Cell:
        return self.cells.setdefault(address, _Cell())


def test_the_dry_run_python_vba_builds_writes_each_buttons_entry_point_into_its_cell(module, monkeypatch):
    line = next(ln for ln in module.splitlines() if ln.strip().startswith("RunPython"))
    pieces = re.fullmatch(r'\s*RunPython "(.*)" & ids\(i\) & "(.*)" & row & "(.*)"', line).groups()
    sheet = _Sheet()
    book = types.SimpleNamespace(sheets=types.SimpleNamespace(active=sheet))
    monkeypatch.setattr(ribbon_actions, "_caller", lambda b: book)
    for row, control_id in enumerate(xlam.button_ids(), start=2):
        exec(pieces[0] + control_id + pieces[1] + str(row) + pieces[2], {})  # what RunPython runs
        said = sheet.cells[f"F{row}"].value
        assert said == f"{control_id} -> {ribbon_actions.ACTIONS[control_id].__name__}"
        assert re.fullmatch(rf"{control_id} -> .*", said) and "(no action)" not in said  # the macro's Like test


@pytest.mark.slow
def test_the_self_test_parses_with_microsofts_vba_grammar(module):
    # ~6 s: the grammar's full-context prediction over one long procedure.
    assert checks.vba_syntax_errors(module) == []


def test_no_line_the_build_writes_is_too_long_for_vba(built_xlam):
    for name in ("LazarusRibbon", "xlwings_udfs", selftest.MODULE_NAME, function_help.MODULE_NAME):
        source = checks.shipped_vba_modules(built_xlam)[name]
        assert max(map(len, source.split("\r\n"))) <= 1023, name


def test_the_line_length_check_would_catch_one_array_of_all_formulas(declared):
    formulas = ", ".join(f'"{selftest.formula(f)}"' for fs in declared.values() for f in fs)
    assert len(f"    formulas = Array({formulas})") > 1023
