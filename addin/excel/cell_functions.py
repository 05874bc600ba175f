"""The cell functions as Excel sees them: every declaration in udfs.functions registered with xlwings, the module
named in the add-in's `UDF Modules` setting. Nothing here is written per function: the name, the `Lazarus` category,
the wizard's description and argument texts, the defaults and whether a table goes back `raw` all come from the
declaration (udfs.declare), and so do the VBA wrappers xlwings writes from this registration. HISTORY's store is
bound here (and RELEASES' and FIRST_RELEASE's), because udfs knows
nothing of stores.

Series arguments arrive as the xlwings Range when they are a reference (`Reference`), and only the part of it inside
the sheet's used range is read, in one COM call (`used_values`): a whole-column reference is not read cell by cell over
COM. A computed array arrives as xlwings' raw value. udfs.inputs, the one place with the cell rules, trims trailing
blanks, blanks out Excel's error cells (COM error codes) and reads what is left as numbers or dates. Single-cell
arguments use xlwings' standard conversion with `err_to_str`, so an error cell reads as the text `#N/A` and is
reported rather than taken for "omitted". (A registered xlwings Converter that reads values would run inside
xlwings' `call_udf`, before and outside the function, so a failure there would reach the cell as a COM error instead
of `#N/A …` text; `Reference` only keeps the Range, which cannot fail.) Tables go back `raw`, already in the cell form
COM needs, so xlwings does not clean them cell by cell.

On Linux and macOS `@xw.func` returns the function unchanged: the module still imports and the functions still work.
"""

from __future__ import annotations

import gc
import inspect
from collections.abc import Callable
from typing import Any

import xlwings as xw
from xlwings.conversion import Accessor, Pipeline

from addin.pipeline.config import load_config
from addin.pipeline.history import StoreHistory
from addin.pipeline.store import open_store
from udfs.declare import CellFunction
from udfs.functions import FUNCTIONS
from udfs.history import HistoryTables

CATEGORY = "Lazarus"

# One store reader per Excel session: its cache lives as long as the add-in's Python process.
store_rows = StoreHistory(lambda: open_store(load_config()))
# What the add-in hands a declaration's context (udfs.declare `context=`): the store's tables, one cache shared by
# every function that reads the store (HISTORY, RELEASES, FIRST_RELEASE).
HOST: dict[str, Any] = {"tables": HistoryTables(store_rows)}


class Reference(Accessor):
    """How a series argument is read: a reference (`Prices!B:B`, `IWM`) arrives as the xlwings Range itself, not its
    values, so that only its used part is read (`used_values`); anything else (an array a formula computed, a
    constant) arrives as xlwings' raw value. It never fails, so it cannot turn into a COM error in the cell."""

    @classmethod
    def reader(cls, options: Any) -> Any:
        def keep_the_range(context: Any) -> None:
            if context.range is not None:
                context.value = context.range

        return Pipeline().append_stage(keep_the_range)


def used_values(reference: Any) -> Any:
    """The values of a Range argument, read over COM once and only up to the end of its sheet's used range: a
    whole column such as `Prices!B:B` is 1,048,576 cells, of which the data fill the first few thousand.

    Rows and columns before the used range are kept (they are blanks, and a series keeps its cell positions).
    """
    com = reference.api
    used = com.Worksheet.UsedRange
    first_row, first_column = com.Row, com.Column
    height, width = com.Rows.Count, com.Columns.Count
    rows = min(height, used.Row + used.Rows.Count - first_row)
    columns = min(width, used.Column + used.Columns.Count - first_column)
    if rows <= 0 or columns <= 0:
        return None  # the reference lies wholly outside the used range: nothing but blank cells
    return (com if (rows, columns) == (height, width) else com.Resize(rows, columns)).Value


def register(declaration: CellFunction, call: Callable[..., Any]) -> Callable[..., Any]:
    """The xlwings UDF of one declaration: `call` (the guarded cell function) behind xlwings' registration, with the
    declaration's name, signature, description and argument texts."""
    spills = declaration.spills

    def excel_call(*args: Any) -> Any:
        # The collector is paused for the call: a column is tens of thousands of tuples, and a collection that
        # happens to fall inside a call walks all of them (it doubled the time of a two-column function).
        paused = gc.isenabled()
        gc.disable()
        try:
            result = call(*(used_values(arg) if isinstance(arg, xw.Range) else arg for arg in args))
        finally:
            if paused:
                gc.enable()
        # A table goes back `raw`, so xlwings does not walk every cell; anything else (a `#N/A …` text) as one cell.
        return result if not spills or isinstance(result, list) else [[result]]

    excel_call.__name__ = excel_call.__qualname__ = declaration.name
    excel_call.__doc__ = declaration.description
    excel_call.__module__ = __name__
    excel_call.__annotations__ = {}  # xlwings reads conversions from hints; these come from the declaration
    excel_call.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(argument.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=argument.default)
            for argument in declaration.arguments
        ]
    )
    function: Any = excel_call
    for argument in declaration.arguments:
        if argument.param.reads_range:
            function = xw.arg(argument.name, Reference, doc=argument.doc)(function)
        else:
            function = xw.arg(argument.name, err_to_str=True, doc=argument.doc)(function)
    if spills:
        function = xw.ret("raw")(function)
    # Last: every xlwings decorator sets the category again, to its default unless given.
    return xw.func(category=CATEGORY)(function)


# Every registered function, in SPEC.md order; each is also a module attribute under its own name, where xlwings'
# call_udf and the VBA wrappers look it up.
ALL = tuple(
    register(declaration, declaration.bound(**{name: HOST[name] for name in declaration.context}))
    for declaration in FUNCTIONS
)
globals().update({function.__name__: function for function in ALL})
