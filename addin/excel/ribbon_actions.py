"""The Python entry points the Lazarus ribbon calls through `RunPython`.

Each entry point takes the calling workbook (`xw.Book.caller()` unless a test hands one in), calls logic
that lives and is tested elsewhere, and ends with a message box. Any exception becomes a short message in
that box, never a traceback: the person clicking the button cannot act on a traceback.

The work behind each button is imported when the button is pressed, not when Excel loads the add-in: the vendor
clients and the workbook writer cost a second of import that a user who only reads the workbook should not pay, and
a broken piece then fails one button with a message instead of every button.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from addin.excel.live_book import LiveBook
from addin.pipeline.config import ConfigError
from udfs.functions import FUNCTIONS

TITLE = "Lazarus"
# The project README at the checkout's root (addin/excel/ -> root); an installed wheel has none, so Help says where.
README = Path(__file__).resolve().parents[2] / "README.md"


class EntryError(Exception):
    """A failure whose message already says what the user can do; shown as is."""


def _caller(book: Any) -> Any:
    if book is not None:
        return book
    import xlwings as xw

    return xw.Book.caller()


def _readable(exc: BaseException) -> str:
    """One paragraph a user can act on, whatever was raised."""
    if isinstance(exc, EntryError | ConfigError):
        return str(exc)
    if isinstance(exc, ImportError | AttributeError):
        return (
            f"This Lazarus installation is incomplete ({exc}). Reinstall it (`pip install .` in the Lazarus folder) "
            "in the Python that Excel uses, then `lazarus addin install`."
        )
    text = str(exc).strip() or "no details were given"
    return f"{type(exc).__name__}: {text}"


def _run(action: str, book: Any, work: Callable[[Any], str]) -> str:
    """Run `work(book)`, keep Excel's status bar honest, and end with one message box either way."""
    book = _caller(book)
    app = book.app
    try:
        app.status_bar = f"Lazarus: {action}…"
        message = work(book)
        title = TITLE
    except Exception as exc:  # the ribbon must never show a Python traceback
        message = f"{action} did not finish.\n\n{_readable(exc)}"
        title = f"{TITLE}: {action} failed"
    finally:
        app.status_bar = False
    if message:
        app.alert(message, title=title)
    return message


def _saved_path(book: Any) -> Path:
    path = Path(book.fullname)
    if not path.parent.name or not path.is_file():
        raise EntryError("Save the workbook first: Lazarus works from the saved file next to it.")
    return path


def _open_with_system(path: Path) -> None:
    """Open a file in the user's default application (a text editor for the config file)."""
    if sys.platform.startswith("win"):
        os.startfile(path)  # type: ignore[attr-defined]  # Windows only, by design
    elif sys.platform == "darwin":
        subprocess.run(["open", "-t", str(path)], check=True)
    else:
        subprocess.run(["xdg-open", str(path)], check=True)


# --- the refresh, the export and the settings: thin calls into tested logic -----------------------------


def _refresh(book: Any, sheet: str | None) -> str:
    import addin.excel.book_refresh as book_refresh

    return str(book_refresh.refresh_book(LiveBook(book), sheet=sheet))


def refresh_all(book: Any = None) -> str:
    """Ribbon "Refresh data": every series on the Sources sheet."""
    return _run("Refresh", book, lambda b: _refresh(b, sheet=None))


def refresh_sheet(book: Any = None) -> str:
    """Ribbon "Refresh this sheet": only the series that land on the active sheet."""
    return _run("Refresh this sheet", book, lambda b: _refresh(b, sheet=b.sheets.active.name))


def main(book: Any = None) -> str:
    """The xlwings template's RunMain (`import lazarus; lazarus.main()`) refreshes everything."""
    return refresh_all(book)


def _export(book: Any) -> str:
    import workbook.export as export
    from workbook.files import pick_target

    source = _saved_path(book)
    # An earlier copy (perhaps already sent, or edited) is kept: the new one goes beside it, as on the command line.
    target, note = pick_target(export.colleague_copy_path(source), force=False)
    written = export.export_for_colleagues(source, target)
    message = f"Exported the last saved version for colleagues:\n{written}"
    return f"{message}\n\nAn earlier copy was kept: {export.colleague_copy_path(source)}" if note else message


def export_for_colleagues(book: Any = None) -> str:
    """Ribbon "Export for colleagues": a copy of the saved workbook without VBA, keys or config."""
    return _run("Export", book, _export)


# --- the log, the settings and help ---------------------------------------------------------------------


def _open_log(book: Any) -> str:
    names = [sheet.name for sheet in book.sheets]
    if "Log" not in names:
        raise EntryError("This workbook has no Log sheet. Workbooks built with `lazarus build` have one.")
    book.sheets["Log"].activate()
    return ""


def open_log(book: Any = None) -> str:
    """Ribbon "Open log": show the workbook's Log sheet."""
    return _run("Open log", book, _open_log)


def _settings(book: Any) -> str:
    from addin.pipeline import config

    path = Path(config.user_config_file())
    config.write_config_template(path)  # readable by this user only: it will hold keys
    try:
        warning = config.exposed_keys_warning(path, bool(config.load_config(config_file=path).keys))
    except config.ConfigError as exc:  # the file is opened all the same: that is where the typo gets fixed
        warning = str(exc)
    _open_with_system(path)
    message = (
        f"Your Lazarus settings are in\n{path}\n\nAPI keys and the data folder go there. "
        "They stay on this computer and are never written into a workbook."
    )
    return f"{message}\n\nWarning: {warning}" if warning else message


def settings(book: Any = None) -> str:
    """Ribbon "Settings": open (and create if missing) the user's config file, never a sheet."""
    return _run("Settings", book, _settings)


def function_names() -> list[str]:
    """The cell functions Lazarus declares, in SPEC.md's order (the names Excel shows)."""
    return [function.name for function in FUNCTIONS]


def _help(book: Any) -> str:
    names = function_names()
    listing = "\n".join(f"  ={n}(…)" for n in names) or "  (the cell functions are not installed)"
    readme = str(README) if README.is_file() else "README.md in the Lazarus project"
    return f"Lazarus cell functions:\n{listing}\n\nInsert Function (fx) shows each one's arguments.\nREADME: {readme}"


def show_help(book: Any = None) -> str:
    """Ribbon "Help": the function list and where the README is."""
    return _run("Help", book, _help)


# --- the ribbon's one callback ----------------------------------------------------------------------------------

# Button id (customUI.xml) -> the entry point it runs. LazarusRibbon.OnAction, the only VBA the ribbon calls, passes
# the id of the button pressed to `dispatch`.
ACTIONS: dict[str, Callable[..., str]] = {
    "lazarusRefreshAll": refresh_all,
    "lazarusRefreshSheet": refresh_sheet,
    "lazarusExport": export_for_colleagues,
    "lazarusOpenLog": open_log,
    "lazarusSettings": settings,
    "lazarusHelp": show_help,
}


def dispatch(control_id: str, book: Any = None, dry_run: bool = False, report_to: str | None = None) -> str:
    """Run the entry point of the ribbon button `control_id`. With `dry_run`, only say which one it would run, and
    write that into the cell `report_to` of the calling book's active sheet if given: the add-in's SelfTest macro
    checks every button this way without refreshing or exporting anything."""
    action = ACTIONS.get(control_id)
    if dry_run:
        said = f"{control_id} -> {action.__name__}" if action else f"{control_id} -> (no action)"
        if report_to:
            _caller(book).sheets.active.range(report_to).value = said
        return said
    if action is None:
        known = ", ".join(sorted(ACTIONS))

        def unknown(_: Any) -> str:
            raise EntryError(
                f"The ribbon button {control_id!r} has no action in this Lazarus version (it knows {known}). "
                "Run `lazarus addin install` again so that the add-in and the Python package match."
            )

        return _run("Ribbon", book, unknown)
    return action(book)
