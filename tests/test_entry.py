"""The ribbon's Python entry points and the xlwings writer, driven by a fake calling workbook (no Excel).

The refresh and export logic they call is tested where it lives; here: the status bar is handed back, the
user gets one message box, and a failure reads as a sentence, never a traceback."""

from __future__ import annotations

import importlib
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from addin.excel import ribbon_actions as entry
from addin.excel.live_book import LiveBook, TableNotFoundError
from addin.pipeline.config import load_config
from udfs.functions import FUNCTIONS


@dataclass
class FakeApp:
    status_bar: Any = False
    alerts: list[tuple[str, str]] = field(default_factory=list)
    status_history: list[Any] = field(default_factory=list)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "status_bar" and "status_history" in self.__dict__:
            self.status_history.append(value)
        super().__setattr__(name, value)

    def alert(self, prompt: str, title: str | None = None, **_: Any) -> None:
        self.alerts.append((prompt, title or ""))


class FakeRange:
    def __init__(self, value: Any) -> None:
        self.value = value

    def options(self, **_: Any) -> FakeRange:
        return self


class FakeTable:
    def __init__(self, name: str, header: list[str], rows: list[list[Any]]) -> None:
        self.name = name
        self.header_row_range = FakeRange(header)
        self.data_body_range = FakeRange(rows) if rows else None
        self.updates: list[pd.DataFrame] = []

    def update(self, frame: pd.DataFrame, index: bool = True) -> FakeTable:
        assert index is False
        self.updates.append(frame)
        return self


@dataclass
class FakeSheet:
    name: str
    tables: list[FakeTable] = field(default_factory=list)
    activated: bool = False

    def activate(self) -> None:
        self.activated = True


class FakeSheets(list):
    active: FakeSheet

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return next(s for s in self if s.name == key)
        return super().__getitem__(key)


class FakeBook:
    def __init__(self, sheets: list[FakeSheet], fullname: str = "Book1") -> None:
        self.app = FakeApp()
        self.sheets = FakeSheets(sheets)
        self.sheets.active = sheets[0]
        self.fullname = fullname


def _book(**kwargs: Any) -> FakeBook:
    prices = FakeSheet("Prices", [FakeTable("Prices", ["Date", "IWM"], [["2024-01-02", 190.0]])])
    return FakeBook([prices, FakeSheet("Log", [FakeTable("Log", ["When", "Series", "Result"], [])])], **kwargs)


@pytest.fixture
def fake_module(monkeypatch):
    """Stand in for a Lazarus module the entry points import lazily (addin.excel.book_refresh, workbook.export, ...)."""

    def install(name: str, **attrs: Any) -> types.ModuleType:
        module = types.ModuleType(name)
        module.__dict__.update(attrs)
        monkeypatch.setitem(sys.modules, name, module)
        package, _, child = name.rpartition(".")
        monkeypatch.setattr(importlib.import_module(package), child, module, raising=False)
        return module

    return install


def test_refresh_all_hands_the_writer_to_refresh_and_shows_its_summary(fake_module):
    seen = {}

    def refresh_book(writer, sheet=None):
        seen.update(writer=writer, sheet=sheet)
        writer.progress(1, 2, "IWM")
        return "2 series refreshed, 0 failed"

    fake_module("addin.excel.book_refresh", refresh_book=refresh_book)
    book = _book()
    entry.refresh_all(book)
    assert isinstance(seen["writer"], LiveBook) and seen["writer"].book is book
    assert seen["sheet"] is None
    assert book.app.alerts == [("2 series refreshed, 0 failed", "Lazarus")]
    assert "Lazarus: 1/2 IWM" in book.app.status_history
    assert book.app.status_bar is False  # Excel gets its status bar back


def test_main_is_refresh_all_and_refresh_sheet_names_the_active_sheet(fake_module):
    calls = []
    fake_module("addin.excel.book_refresh", refresh_book=lambda writer, sheet=None: calls.append(sheet) or "ok")
    entry.main(_book())
    entry.refresh_sheet(_book())
    assert calls == [None, "Prices"]


def test_a_failing_refresh_is_a_readable_message_not_a_traceback(fake_module):
    def refresh_book(writer, sheet=None):
        raise ValueError("FRED answered 429 for DGS10; try again in a minute")

    fake_module("addin.excel.book_refresh", refresh_book=refresh_book)
    book = _book()
    message = entry.refresh_all(book)
    assert book.app.alerts == [(message, "Lazarus: Refresh failed")]
    assert "FRED answered 429 for DGS10" in message
    assert "Traceback" not in message and 'File "' not in message
    assert book.app.status_bar is False


def test_a_missing_piece_of_lazarus_says_how_to_reinstall(monkeypatch):
    monkeypatch.setitem(sys.modules, "workbook.export", None)  # import fails as if the module were absent
    book = _book(fullname=__file__)
    message = entry.export_for_colleagues(book)
    assert "installation is incomplete" in message and "lazarus addin install" in message


def test_export_needs_a_saved_workbook(fake_module):
    fake_module("workbook.export", export_for_colleagues=lambda source, target=None: source)
    book = _book(fullname="Book1")
    message = entry.export_for_colleagues(book)
    assert "Save the workbook first" in message


def test_export_writes_next_to_the_saved_file(fake_module, tmp_path):
    saved = tmp_path / "Lazarus.xlsx"
    saved.write_bytes(b"")
    calls = []
    copy = tmp_path / "Lazarus (for colleagues).xlsx"
    fake_module(
        "workbook.export",
        export_for_colleagues=lambda source, target=None: calls.append(source) or target,
        colleague_copy_path=lambda source: copy,
    )
    message = entry.export_for_colleagues(_book(fullname=str(saved)))
    assert calls == [saved]
    assert str(copy) in message


def test_the_colleague_copy_goes_beside_the_workbook():
    from workbook.export import colleague_copy_path

    assert colleague_copy_path(Path("/x/Lazarus.xlsx")) == Path("/x/Lazarus (for colleagues).xlsx")


def test_open_log_activates_the_log_sheet_without_a_message_box():
    book = _book()
    assert entry.open_log(book) == ""
    assert book.sheets["Log"].activated
    assert book.app.alerts == []


def test_open_log_without_a_log_sheet_says_so():
    book = FakeBook([FakeSheet("Sheet1")])
    assert "no Log sheet" in entry.open_log(book)


def test_settings_opens_the_users_config_file_not_a_sheet(monkeypatch, tmp_path):
    config = tmp_path / "lazarus" / "config.toml"
    opened = []
    monkeypatch.setenv("LAZARUS_CONFIG", str(config))  # addin.pipeline.config's own override of the file's place
    monkeypatch.setattr(entry, "_open_with_system", opened.append)
    book = _book()
    message = entry.settings(book)
    assert opened == [config]
    assert str(config) in message and "never written into a workbook" in message
    # A first visit creates a file the real config loader reads, with no key in it.
    assert load_config(env={}, config_file=config).keys == {}
    config.write_text(config.read_text().replace("# fred = ", "fred = "))
    assert entry.settings(book) == message  # an existing file is opened, never overwritten
    assert 'fred = "your FRED API key"' in config.read_text()


def test_help_lists_every_declared_cell_function():
    message = entry.show_help(_book())
    listed = [line.strip()[1:-3] for line in message.splitlines() if line.strip().endswith("(…)")]
    assert listed == [function.name for function in FUNCTIONS]
    assert "HISTORY" in listed and "RALLY_SIGMA" in listed


def test_writer_finds_tables_by_name_across_sheets_and_appends_to_the_log():
    book = _book()
    writer = LiveBook(book)
    assert writer.table_names() == ["Prices", "Log"]
    assert writer.sheet_table_names("Prices") == ["Prices"]
    assert writer.read_table("prices").to_dict("records") == [{"Date": "2024-01-02", "IWM": 190.0}]
    writer.append_rows("Log", [["2024-06-01 10:00", "IWM", "ok"]])
    (frame,) = book.sheets["Log"].tables[0].updates
    assert frame.values.tolist() == [["2024-06-01 10:00", "IWM", "ok"]]
    with pytest.raises(TableNotFoundError, match="no table named 'Rates'"):
        writer.read_table("Rates")


def test_help_points_at_the_projects_readme():
    """Help names the README at the checkout's root (a path that exists), not a fallback text."""
    message = entry.show_help(_book())
    assert entry.README.is_file() and entry.README.read_text(encoding="utf-8").startswith("# ")
    assert f"README: {entry.README}" in message
