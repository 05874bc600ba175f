"""Refresh an open Lazarus workbook: the ribbon's Refresh buttons.

The store is refreshed from the vendors (addin.pipeline.refresh), then each affected data table is rewritten from the
store and its defined names are pointed at the new last row, the Vintages sheet likewise from the store's vintages when
its series was refreshed, and the Log table gets one row per source. The
workbook is reached only through a writer (addin.excel.live_book.LiveBook in Excel; anything with the same
methods in tests), so a vendor that fails leaves its column exactly as it was: its old rows are still in the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from addin.pipeline.config import Config, load_config
from addin.pipeline.refresh import RefreshReport, refresh
from addin.pipeline.sources import sources_from_rows
from addin.pipeline.store import HistoryStore, open_store
from addin.pipeline.workbook_data import store_data
from workbook.added_sheet import SHEET as ADDED_SHEET
from workbook.added_sheet import TABLE as ADDED_TABLE
from workbook.added_sheet import added_rows
from workbook.catalogue import CATALOGUE, Source
from workbook.data_sheets import DATA_TABLES, table_rows
from workbook.names import table_names
from workbook.vintage_sheet import SERIES as VINTAGE_SERIES
from workbook.vintage_sheet import SHEET as VINTAGE_SHEET
from workbook.vintage_sheet import cells_names, vintage_cells

SOURCES_TABLE = "SourcesTable"
LOG_TABLE = "LogTable"


class BookWriter(Protocol):
    def read_table(self, name: str) -> pd.DataFrame: ...
    def write_table(self, name: str, frame: pd.DataFrame) -> None: ...
    def write_sheet(self, name: str, cells: list[list[Any]]) -> None: ...
    def append_rows(self, name: str, rows: list[list[Any]]) -> None: ...
    def set_names(self, names: dict[str, str]) -> None: ...
    def progress(self, done: int, total: int, what: str) -> None: ...
    def recalculate_calls(self, function: str) -> int: ...


@dataclass(frozen=True)
class BookRefresh:
    """What a workbook refresh did; `str()` is the message box summary."""

    report: RefreshReport
    tables: list[str]

    def __str__(self) -> str:
        failed = [s for s in self.report.statuses if not s.ok]
        added = sum(s.rows_added for s in self.report.statuses)
        lines = [
            f"Refreshed {len(self.report.statuses) - len(failed)} of {len(self.report.statuses)} sources "
            f"({added} new rows) in {self.report.seconds:.1f} s; tables rewritten: {', '.join(self.tables) or 'none'}."
        ]
        for status in failed:
            lines.append(f"• {status.source_id}: {status.error} (its old data is unchanged)")
        return "\n".join(lines)


def workbook_sources(writer: BookWriter) -> list[Source]:
    """The sources the workbook's Sources sheet lists, or the defaults if the sheet is empty."""
    frame = writer.read_table(SOURCES_TABLE)
    rows = [list(frame.columns), *frame.astype(object).where(frame.notna(), None).values.tolist()]
    return sources_from_rows(rows) or list(CATALOGUE)


def refresh_book(
    writer: BookWriter,
    sheet: str | None = None,
    store: HistoryStore | None = None,
    config: Config | None = None,
    **options: Any,
) -> BookRefresh:
    """Refresh the sources of the workbook (only those landing on `sheet` if given) and rewrite its data tables."""
    sources = workbook_sources(writer)
    if sheet is not None:
        sources = [source for source in sources if source.sheet == sheet]
        if not sources:
            raise ValueError(f"No source on the Sources sheet writes to the sheet {sheet!r}.")
    config = config or load_config()
    store = store or open_store(config)
    store.check()  # a damaged store is an error now, not "13 of 13 refreshed" and a broken workbook later
    report = refresh(
        sources,
        store=store,
        config=config,
        on_status=lambda status, done, total: writer.progress(done, total, status.source_id),
        **options,
    )
    stored = store_data(store)
    data = stored.data
    touched = {source.sheet for source in sources}
    rewritten = []
    for table in DATA_TABLES:
        if table.sheet not in touched:
            continue
        rows = table_rows(table, data)
        writer.write_table(table.table, pd.DataFrame(rows, columns=table.header))
        writer.set_names(table_names(table, max(2, len(rows) + 1)))
        rewritten.append(table.table)
    if any(source.id == VINTAGE_SERIES for source in sources):
        # The Dashboard's and the Claims sheet's figures as known that day read this sheet, not the store.
        cells = vintage_cells(stored.vintages.get(VINTAGE_SERIES, ()))
        writer.write_sheet(VINTAGE_SHEET, cells)
        writer.set_names(cells_names(cells))
        rewritten.append(VINTAGE_SHEET)
    added = [source for source in sources if source.sheet == ADDED_SHEET]
    if added:  # the user's own series (`lazarus series add`), on the sheet `lazarus build` gave them
        rows = added_rows(added, store_data(store, added).data)
        writer.write_table(ADDED_TABLE, pd.DataFrame(rows, columns=["Date", *(source.column for source in added)]))
        rewritten.append(ADDED_TABLE)
    writer.append_rows(
        LOG_TABLE,
        [
            [
                s.started_at.replace(tzinfo=None),
                s.source_id,
                s.vendor or "",
                s.rows_added,
                s.last_date,
                s.outcome,
            ]
            for s in report.statuses
        ],
    )
    writer.recalculate_calls("HISTORY")  # its cells read the store, which has just changed
    return BookRefresh(report, rewritten)
