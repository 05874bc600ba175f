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

DISPATCHER = "LazarusRibbon.OnAction"


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
def test_every_button_calls_the_one_dispatcher_which_has_an_action_for_its_id(button):
    from addin.excel import ribbon_actions

    assert button.get("onAction") == DISPATCHER
    assert DISPATCHER in _bas_callbacks()
    assert callable(ribbon_actions.ACTIONS[button.get("id")])


def test_every_dispatcher_action_has_a_button_and_the_bas_file_only_the_dispatcher():
    from addin.excel import ribbon_actions

    assert set(ribbon_actions.ACTIONS) == {b.get("id") for b in _buttons()}
    assert _bas_callbacks() == {DISPATCHER}


def test_refresh_data_runs_what_the_templates_run_main_runs():
    # RibbonMyAddin.RunMain (`import lazarus; lazarus.main()`) stays in the template's project; both refresh everything.
    from addin.excel import ribbon_actions

    refresh = next(b for b in _buttons() if b.get("label") == "Refresh data")
    assert ribbon_actions.ACTIONS[refresh.get("id")] is ribbon_actions.refresh_all
    assert ribbon_actions.dispatch(refresh.get("id"), dry_run=True) == "lazarusRefreshAll -> refresh_all"


def test_dispatch_runs_the_buttons_entry_point_on_the_calling_book():
    from addin.excel import ribbon_actions
    from tests.test_entry import FakeBook, FakeSheet

    book = FakeBook([FakeSheet("Prices"), FakeSheet("Log")])
    assert ribbon_actions.dispatch("lazarusOpenLog", book) == ""
    assert book.sheets["Log"].activated and book.app.alerts == []


def test_dispatch_of_an_unknown_button_says_what_to_do_in_a_message_box():
    from addin.excel import ribbon_actions
    from tests.test_entry import FakeBook, FakeSheet

    book = FakeBook([FakeSheet("Prices")])
    message = ribbon_actions.dispatch("lazarusNewButton", book)
    assert "'lazarusNewButton' has no action" in message and "lazarus addin install" in message
    assert [title for _, title in book.app.alerts] == ["Lazarus: Ribbon failed"]
    assert ribbon_actions.dispatch("lazarusNewButton", dry_run=True) == "lazarusNewButton -> (no action)"
