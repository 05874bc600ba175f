"""The VBA callbacks kept as text: Excel's ribbon signature, and Python entry points that exist."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BAS = ROOT / "addin" / "excel" / "ribbon" / "LazarusRibbon.bas"
TEXT = BAS.read_text(encoding="utf-8")
SUBS = re.findall(r"^Sub (\w+)\((.*?)\)\n(.*?)^End Sub", TEXT, re.M | re.S)
RUNPYTHON = re.compile(r'^\s*RunPython "import ([\w.]+); ([\w.]+)\.(\w+)\(\)"\s*$')


def test_module_is_named_as_the_ribbon_calls_it():
    assert TEXT.startswith('Attribute VB_Name = "LazarusRibbon"\n')
    assert "Option Explicit" in TEXT


def test_file_has_callbacks_and_every_sub_is_parsed():
    assert len(SUBS) == len(re.findall(r"^\s*(?:Public |Private )?Sub ", TEXT, re.M)) >= 5


@pytest.mark.parametrize(("name", "params", "body"), SUBS, ids=[s[0] for s in SUBS])
def test_callback_has_the_ribbon_signature(name, params, body):
    assert params == "control As IRibbonControl"


@pytest.mark.parametrize(("name", "params", "body"), SUBS, ids=[s[0] for s in SUBS])
def test_callback_only_runs_one_python_entry_point_that_imports_and_is_callable(name, params, body):
    lines = [ln for ln in body.splitlines() if ln.strip() and not ln.strip().startswith("'")]
    assert len(lines) == 1, "a callback hands over to Python and does nothing else"
    match = RUNPYTHON.match(lines[0])
    assert match, lines[0]
    imported, module_name, function = match.groups()
    assert imported == module_name
    module = importlib.import_module(module_name)
    assert callable(getattr(module, function))


def test_templates_run_main_import_resolves_to_a_callable_main():
    # RibbonMyAddin.RunMain runs `import lazarus; lazarus.main()` (lazarus.xlam's file name);
    # `lazarus addin install` puts addin/pythonpath on the add-in's PYTHONPATH for it.
    from addin.excel.pythonpath import FOLDER

    sys.path.insert(0, str(FOLDER))
    try:
        lazarus = importlib.import_module("lazarus")
        from addin.excel import ribbon_actions as entry

        assert lazarus.main is entry.main
    finally:
        sys.path.remove(str(FOLDER))
        sys.modules.pop("lazarus", None)
