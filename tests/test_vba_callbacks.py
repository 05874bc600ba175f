"""The ribbon's VBA, kept as text (addin/excel/ribbon/LazarusRibbon.bas): one dispatcher with Excel's ribbon
signature, whose RunPython line, as VBA builds it for each button, is Python that reaches an entry point."""

from __future__ import annotations

import ast
import importlib
import re
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from addin.excel import ribbon_actions

ROOT = Path(__file__).resolve().parent.parent
BAS = ROOT / "addin" / "excel" / "ribbon" / "LazarusRibbon.bas"
RIBBON = ROOT / "addin" / "excel" / "ribbon" / "customUI.xml"
TEXT = BAS.read_text(encoding="utf-8")
SUBS = re.findall(r"^Sub (\w+)\((.*?)\)\n(.*?)^End Sub", TEXT, re.M | re.S)
# RunPython "<python>'" & control.Id & "'<python>": VBA joins three pieces around the button's id.
RUNPYTHON = re.compile(r'^\s*RunPython "([^"]*)" & control\.Id & "([^"]*)"\s*$')
BUTTON_IDS = [b.get("id") for b in ET.parse(RIBBON).getroot().iter() if b.get("onAction")]


def test_module_is_named_as_the_ribbon_calls_it():
    assert TEXT.startswith('Attribute VB_Name = "LazarusRibbon"\n')
    assert "Option Explicit" in TEXT


def test_the_module_has_one_sub_the_dispatcher_with_the_ribbon_signature():
    assert len(SUBS) == len(re.findall(r"^\s*(?:Public |Private )?(?:Sub|Function) ", TEXT, re.M)) == 1
    name, params, _ = SUBS[0]
    assert (name, params) == ("OnAction", "control As IRibbonControl")


def _python_for(control_id: str) -> str:
    """The Python that RunPython runs when the button `control_id` is pressed."""
    lines = [ln for ln in SUBS[0][2].splitlines() if ln.strip() and not ln.strip().startswith("'")]
    assert len(lines) == 1, "the dispatcher hands over to Python and does nothing else"
    match = RUNPYTHON.match(lines[0])
    assert match, lines[0]
    return match.group(1) + control_id + match.group(2)


@pytest.mark.parametrize("control_id", BUTTON_IDS)
def test_each_buttons_python_imports_the_dispatcher_and_passes_its_id(control_id):
    code = _python_for(control_id)
    tree = ast.parse(code)
    imported, call = tree.body
    assert isinstance(imported, ast.Import) and imported.names[0].name == "addin.excel.ribbon_actions"
    assert ast.unparse(call.value.func) == "addin.excel.ribbon_actions.dispatch"
    assert [ast.literal_eval(a) for a in call.value.args] == [control_id]
    module = importlib.import_module(imported.names[0].name)
    assert module.dispatch is ribbon_actions.dispatch
    action = ribbon_actions.ACTIONS[control_id].__name__
    assert ribbon_actions.dispatch(control_id, dry_run=True) == f"{control_id} -> {action}"


def test_an_id_with_a_quote_would_break_the_python_so_no_button_has_one():
    assert all(re.fullmatch(r"[A-Za-z_]\w*", i) for i in BUTTON_IDS)
    with pytest.raises(SyntaxError):
        ast.parse(_python_for("it's"))


def test_templates_run_main_import_resolves_to_a_callable_main():
    # RibbonMyAddin.RunMain (the template's, still shipped) runs `import lazarus; lazarus.main()` (lazarus.xlam's file
    # name); `lazarus addin install` puts addin/pythonpath on the add-in's PYTHONPATH for it.
    from addin.excel.pythonpath import FOLDER

    sys.path.insert(0, str(FOLDER))
    try:
        lazarus = importlib.import_module("lazarus")
        assert lazarus.main is ribbon_actions.main
    finally:
        sys.path.remove(str(FOLDER))
        sys.modules.pop("lazarus", None)
