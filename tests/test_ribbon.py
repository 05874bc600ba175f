"""The ribbon definition: what Excel needs to load it, and that every button leads somewhere."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

ROOT = Path(__file__).resolve().parent.parent
RIBBON = ROOT / "addin" / "excel" / "ribbon" / "customUI.xml"
BAS = ROOT / "addin" / "excel" / "ribbon" / "LazarusRibbon.bas"
NS = "http://schemas.microsoft.com/office/2009/07/customui"
Q = f"{{{NS}}}"

# The one callback that is not ours: xlwings' ribbon add-in template ships it in its VBA project (module
# RibbonMyAddin), which test_xlam checks is in the built file.
TEMPLATE_CALLBACKS = {"RibbonMyAddin.RunMain"}


def _root() -> ET.Element:
    return ET.parse(RIBBON).getroot()


def _buttons() -> list[ET.Element]:
    return list(_root().iter(f"{Q}button"))


def _bas_callbacks() -> set[str]:
    text = BAS.read_text(encoding="utf-8")
    module = re.search(r'^Attribute VB_Name = "(\w+)"', text, re.M).group(1)
    return {f"{module}.{name}" for name in re.findall(r"^Sub (\w+)\(", text, re.M)}


def test_ribbon_is_well_formed_customui_in_the_office_2010_namespace():
    root = _root()
    assert root.tag == f"{Q}customUI"


def test_ribbon_has_a_lazarus_tab_with_the_buttons_the_issue_asks_for():
    tabs = list(_root().iter(f"{Q}tab"))
    assert [t.get("label") for t in tabs] == ["Lazarus"]
    labels = {b.get("label") for b in _buttons()}
    assert labels == {
        "Refresh data",
        "Refresh this sheet",
        "Export for colleagues",
        "Open log",
        "Settings",
        "Help",
    }


def test_every_control_id_is_unique():
    ids = [el.get("id") for el in _root().iter() if el.get("id") is not None]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[A-Za-z_]\w*", i) for i in ids)


@pytest.mark.parametrize("button", _buttons(), ids=lambda b: b.get("id"))
def test_every_button_has_a_screentip_a_supertip_and_an_office_icon(button):
    assert button.get("screentip")
    assert button.get("supertip")
    assert re.fullmatch(r"[A-Za-z]\w*", button.get("imageMso") or "")
    assert button.get("image") is None  # built-in icons only, no image parts in the package


@pytest.mark.parametrize("button", _buttons(), ids=lambda b: b.get("id"))
def test_every_on_action_names_a_callback_that_exists(button):
    assert button.get("onAction") in _bas_callbacks() | TEMPLATE_CALLBACKS


def test_refresh_data_uses_the_templates_run_main_so_it_works_without_imported_vba():
    refresh = next(b for b in _buttons() if b.get("label") == "Refresh data")
    assert refresh.get("onAction") == "RibbonMyAddin.RunMain"


def test_every_callback_in_the_bas_file_has_a_button():
    used = {b.get("onAction") for b in _buttons()}
    assert _bas_callbacks() <= used
