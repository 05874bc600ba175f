"""Write data sheets into an open workbook through xlwings: the shell the ribbon's refresh uses.

The refresh logic decides *what* goes into a table; this module only puts it there. It talks to an
`xw.Book` (or anything shaped like one, which is how the tests drive it without Excel) and never decides
anything itself. Importing it needs no Excel: xlwings only reaches for COM or AppleScript when a book is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd


class TableNotFoundError(LookupError):
    """The workbook has no Excel table (ListObject) of that name, so there is nowhere to write."""


class LiveBook:
    """Reads and rewrites the Excel tables of one open workbook, and reports progress in the status bar."""

    def __init__(self, book: Any) -> None:
        self.book = book

    def _table(self, name: str) -> Any:
        wanted = name.casefold()
        for sheet in self.book.sheets:
            for table in sheet.tables:
                if table.name.casefold() == wanted:
                    return table
        raise TableNotFoundError(
            f"This workbook has no table named {name!r}. Rebuild it with `lazarus build`, or rename the table "
            f"back (Table Design > Table Name)."
        )

    def table_names(self) -> list[str]:
        """Names of every Excel table in the workbook, sheet by sheet."""
        return [table.name for sheet in self.book.sheets for table in sheet.tables]

    def sheet_table_names(self, sheet: str) -> list[str]:
        """Names of the Excel tables on one sheet (what "Refresh this sheet" refreshes)."""
        return [table.name for table in self.book.sheets[sheet].tables]

    def read_table(self, name: str) -> pd.DataFrame:
        """The table's header and body as a DataFrame (no index); an empty table gives an empty frame."""
        table = self._table(name)
        header = [str(h) for h in (table.header_row_range.value or [])]
        body = table.data_body_range
        if body is None:
            return pd.DataFrame(columns=header)
        rows = body.options(ndim=2).value
        frame = pd.DataFrame(rows, columns=header)
        # A freshly created table has one blank body row; it is not data.
        return frame.dropna(how="all").reset_index(drop=True)

    def write_table(self, name: str, frame: pd.DataFrame) -> None:
        """Replace the table's body with `frame`; xlwings' `Table.update` resizes the table to the new rows."""
        self._table(name).update(frame, index=False)

    def write_sheet(self, name: str, cells: Sequence[Sequence[Any]]) -> None:
        """Replace everything on the sheet `name` (added at the end if missing) with `cells`, from A1; None is a
        blank. For a sheet that is a grid, not a table (Vintages: one column per vintage day)."""
        names = [sheet.name for sheet in self.book.sheets]
        if name in names:
            sheet = self.book.sheets[name]
            sheet.clear_contents()  # a grid that shrank leaves nothing of the old one behind; formats stay
        else:
            sheet = self.book.sheets.add(name, after=self.book.sheets[len(names) - 1])
        sheet.range("A1").value = [list(row) for row in cells]

    def append_rows(self, name: str, rows: Sequence[Sequence[Any]]) -> None:
        """Add rows under the existing ones (the Log table grows, it is never rewritten from scratch)."""
        old = self.read_table(name)
        new = pd.DataFrame([list(r) for r in rows], columns=list(old.columns))
        frame = new if old.empty else pd.concat([old, new], ignore_index=True)
        self.write_table(name, frame)

    def set_names(self, names: dict[str, str]) -> None:
        """Point workbook-level defined names at new ranges or formulas (text without '='); added if missing."""
        for name, refers_to in names.items():
            self.book.names.add(name, f"={refers_to}")

    def recalculate_calls(self, function: str = "HISTORY") -> int:
        """Recalculate every cell whose formula calls `function`; the number of cells.

        A refresh changes the store that HISTORY reads, but no cell a HISTORY formula depends on, so Excel would not
        recompute it. Each sheet's formulas are read in one transfer and only the matching cells are marked dirty
        (Range.Dirty), so the recalculation is those cells and what depends on them, not the whole workbook.
        """
        marker = f"{function.upper()}("
        count = 0
        for sheet in self.book.sheets:
            used = sheet.used_range
            grid = used.formula
            if isinstance(grid, str):
                grid = ((grid,),)
            top, left = used.row, used.column
            for r, row in enumerate(grid):
                for c, text in enumerate(row):
                    if isinstance(text, str) and text.startswith("=") and marker in text.upper():
                        sheet.range((top + r, left + c)).api.Dirty()
                        count += 1
        if count:
            self.book.app.calculate()
        return count

    def status(self, text: str) -> None:
        """Show `text` in Excel's status bar (the only progress Excel shows while Python runs)."""
        self.book.app.status_bar = text

    def progress(self, done: int, total: int, what: str) -> None:
        """Status bar line such as `Lazarus: 3/7 IWM`."""
        self.status(f"Lazarus: {done}/{total} {what}")
