"""Run xlwings' real Windows UDF code (`xlwings/udfs.py`) on Linux, for tests and benchmarks.

On Linux `import xlwings` takes the branch where `@xw.func` returns the function unchanged, so nothing about our
registration could be checked. Inside `with windows_xlwings() as xl:` a fresh copy of xlwings is imported as if on
Windows: stubs stand in for pywin32 (WINDOWS_MODULES), the real `xlwings._xlwindows` engine is registered
as "excel" and `xlwings.com_server` is replaced by an object with a `loop`. Then the UDF module is imported, so its
decorators are xlwings' real `xlfunc`/`xlarg`, and `xl.call(...)` goes through xlwings' own `call_udf`.

On exit every module, `sys.platform` and every `ctypes` attribute the block touched is put back, so the rest of the
suite (and anything imported before) keeps the ordinary Linux xlwings.
"""

from __future__ import annotations

import asyncio
import atexit
import ctypes
import datetime as dt
import importlib
import io
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

from udfs.excel_facts import SHEET_ROWS

UDF_MODULE = "addin.excel.cell_functions"

# What Excel passes for an omitted Optional Variant (DISP_E_PARAMNOTFOUND); call_udf swaps in the default.
MISSING = -2147352572

# COM error codes of Excel's error cells, as pywin32 delivers them inside a range's values.
ERROR_CODES = {
    "#DIV/0!": -2146826281,
    "#N/A": -2146826246,
    "#NAME?": -2146826259,
    "#NULL!": -2146826288,
    "#NUM!": -2146826252,
    "#REF!": -2146826265,
    "#VALUE!": -2146826273,
}

WINDOWS_MODULES = (
    "pythoncom",
    "pywintypes",
    "win32api",
    "win32con",
    "win32gui",
    "win32process",
    "win32event",
    "win32timezone",
    "win32com",
    "win32com.client",
    "win32com.server",
    "win32com.server.dispatcher",
    "win32com.server.policy",
    "win32com.server.util",
)


class ComTime(dt.datetime):
    """Stand-in for `pywintypes.TimeType`: pywin32 hands date cells over as a timezone-aware datetime subclass."""


class ComError(Exception):
    """Stand-in for `pywintypes.com_error` (xlwings catches it by type)."""


class _Dispatch:
    """Stand-in for pywin32's dispatch base classes, which xlwings only uses in `isinstance` checks."""


def _stub(name: str, **attrs: Any) -> types.ModuleType:
    """A module with `attrs`; any other public attribute is a MagicMock, so unused pywin32 calls import cleanly."""
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    module.__file__ = f"<stub {name}>"

    def __getattr__(attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        value = mock.MagicMock(name=f"{name}.{attr}")
        setattr(module, attr, value)
        return value

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    return module


def _windows_stubs() -> dict[str, types.ModuleType]:
    utc = dt.UTC
    stubs = {
        "pythoncom": _stub("pythoncom", CoInitialize=lambda: None),
        "pywintypes": _stub("pywintypes", TimeType=ComTime, com_error=ComError, error=ComError, IID=lambda text: text),
        "win32timezone": _stub("win32timezone", TimeZoneInfo=types.SimpleNamespace(utc=lambda: utc)),
        "win32com.client": _stub(
            "win32com.client",
            CDispatch=_Dispatch,
            CoClassBaseClass=_Dispatch,
            DispatchBaseClass=_Dispatch,
            Dispatch=mock.MagicMock(name="Dispatch"),
            DispatchEx=mock.MagicMock(name="DispatchEx"),
        ),
    }
    for name in WINDOWS_MODULES:
        stubs.setdefault(name, _stub(name))
    # `import win32com.client` binds the package and reads its attribute.
    stubs["win32com"].client = stubs["win32com.client"]
    stubs["win32com"].server = stubs["win32com.server"]
    for child in ("dispatcher", "policy", "util"):
        setattr(stubs["win32com.server"], child, stubs[f"win32com.server.{child}"])
    return stubs


def _ctypes_patches() -> dict[str, Any]:
    """`_xlwindows` imports windll/oledll and opens pythoncom's DLL at import time; none of that exists on Linux."""
    dll = mock.MagicMock(name="dll")
    return {"windll": dll, "oledll": dll, "PyDLL": mock.MagicMock(name="PyDLL")}


# The interface id pywin32 reports for an Excel Range; xlwings' `is_range_instance` compares with it.
RANGE_IID = "{00020846-0000-0000-C000-000000000046}"


class ComSheet:
    """A worksheet as Excel's COM objects show it to a UDF: `columns` (column number -> its cells from row 1), a
    `UsedRange`, and a log of every block whose values were requested (`reads`: first row, first column, rows,
    columns), to prove what a function reads over COM."""

    def __init__(self, columns: dict[int, list[Any]]):
        self.columns = columns
        self.reads: list[tuple[int, int, int, int]] = []
        # xlwings asks a range for its sheet's workbook's application (for the conversion engine), nothing more.
        self.Parent = types.SimpleNamespace(Application=types.SimpleNamespace(Hwnd=0))

    @property
    def UsedRange(self) -> ComRange:
        first, last = min(self.columns), max(self.columns)
        return ComRange(self, 1, first, max(map(len, self.columns.values())), last - first + 1)

    def column(self, column: int, first_row: int = 1, rows: int = SHEET_ROWS) -> ComRange:
        """`B1:B25001` is column(2, 1, 25001); the whole column `B:B` is column(2)."""
        return ComRange(self, first_row, column, rows, 1)

    def cells_read(self) -> int:
        return sum(rows * columns for _, _, rows, columns in self.reads)


class _TypeInfo:
    def GetTypeInfo(self) -> _TypeInfo:
        return self

    def GetTypeAttr(self) -> Any:
        return types.SimpleNamespace(iid=RANGE_IID)


class ComRange:
    """A Range as pywin32 hands it to `call_udf`: Row, Column, Rows.Count, Columns.Count, Worksheet, Resize and
    Value (which logs the block read on the sheet and builds the tuples of tuples, blanks as None, as COM does)."""

    _oleobj_ = _TypeInfo()

    def __init__(self, sheet: ComSheet, row: int, column: int, rows: int, columns: int):
        self.Worksheet, self.Row, self.Column = sheet, row, column
        self.Rows, self.Columns = types.SimpleNamespace(Count=rows), types.SimpleNamespace(Count=columns)

    def Resize(self, rows: int, columns: int) -> ComRange:
        return ComRange(self.Worksheet, self.Row, self.Column, rows, columns)

    @property
    def Value(self) -> Any:
        rows, columns = self.Rows.Count, self.Columns.Count
        self.Worksheet.reads.append((self.Row, self.Column, rows, columns))
        grid = []
        for c in range(self.Column, self.Column + columns):
            cells = self.Worksheet.columns.get(c, [])[self.Row - 1 : self.Row - 1 + rows]
            grid.append([*cells, *([None] * (rows - len(cells)))])
        value = tuple(zip(*grid, strict=True))
        return value[0][0] if rows == columns == 1 else value


@dataclass
class Harness:
    """xlwings as on Windows, plus the UDF module imported under it."""

    xlwings: types.ModuleType
    xlwings_udfs: types.ModuleType
    module: types.ModuleType
    module_name: str

    def call(self, func_name: str, *args: Any) -> Any:
        """What Excel gets back from `=FUNC_NAME(args…)`: xlwings' `call_udf` result, unwrapped as its COM server
        does (a 1×1 result is a scalar, one row is a flat list)."""
        result = self.xlwings_udfs.call_udf(self.module_name, func_name, tuple(args))
        if len(result) == 1 and len(result[0]) == 1:
            return result[0][0]
        return result

    def raw_call(self, func_name: str, *args: Any) -> Any:
        """`call_udf`'s own return value (always 2-D)."""
        return self.xlwings_udfs.call_udf(self.module_name, func_name, tuple(args))

    def vba(self, workbook_name: str = "Lazarus.xlam") -> str:
        """The VBA module xlwings' `generate_vba_wrapper` writes for the UDF module into `workbook_name`."""
        out = io.StringIO()
        workbook = types.SimpleNamespace(Name=workbook_name)
        self.xlwings_udfs.generate_vba_wrapper(self.module_name, self.module, out, workbook)
        return out.getvalue()


def _owned(name: str, module_name: str) -> bool:
    return (
        name == "xlwings"
        or name.startswith("xlwings.")
        or name == module_name
        or name in WINDOWS_MODULES
        or name.startswith("win32com.")
    )


@contextmanager
def windows_xlwings(module_name: str = UDF_MODULE) -> Iterator[Harness]:
    """Import xlwings as on Windows and `module_name` under it; restore everything on exit."""
    saved_modules = {name: mod for name, mod in sys.modules.items() if _owned(name, module_name)}
    parent_name, _, child = module_name.rpartition(".")
    parent = sys.modules.get(parent_name) if parent_name else None
    saved_child = getattr(parent, child, None) if parent is not None else None
    saved_ctypes = {name: getattr(ctypes, name) for name in _ctypes_patches() if hasattr(ctypes, name)}
    saved_platform = sys.platform
    loop = asyncio.new_event_loop()
    cleanup = None
    try:
        for name in saved_modules:
            del sys.modules[name]
        sys.modules.update(_windows_stubs())
        sys.modules["xlwings.com_server"] = _stub("xlwings.com_server", loop=loop, serve=lambda *a, **k: None)
        for name, value in _ctypes_patches().items():
            setattr(ctypes, name, value)
        sys.platform = "win32"
        try:
            xlwings = importlib.import_module("xlwings")
        finally:
            sys.platform = saved_platform
            for name in _ctypes_patches():
                if name in saved_ctypes:
                    setattr(ctypes, name, saved_ctypes[name])
                elif hasattr(ctypes, name):
                    delattr(ctypes, name)
        windows = sys.modules["xlwings._xlwindows"]
        cleanup = getattr(windows, "cleanup", None)
        if xlwings.engines.active is None or xlwings.engines.active.name != "excel":
            raise RuntimeError("xlwings did not register its Windows engine as 'excel'")
        xlwings_udfs = sys.modules["xlwings.udfs"]
        if xlwings.func is not xlwings_udfs.xlfunc:
            raise RuntimeError("xlwings.func is not the real xlwings.udfs.xlfunc")
        module = importlib.import_module(module_name)
        yield Harness(xlwings, xlwings_udfs, module, module_name)
    finally:
        if cleanup is not None:
            # Its atexit hook would shell out to `tasklist` at interpreter exit.
            atexit.unregister(cleanup)
        for name in [name for name in sys.modules if _owned(name, module_name)]:
            del sys.modules[name]
        sys.modules.update(saved_modules)
        # The parent package may have been first imported inside (with the Windows module as its attribute).
        parent = sys.modules.get(parent_name) if parent_name else None
        if parent is not None:
            if saved_child is not None:
                setattr(parent, child, saved_child)
            elif hasattr(parent, child):
                delattr(parent, child)
        loop.close()
