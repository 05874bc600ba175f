"""Which store a command or the ribbon uses: the PostgreSQL server the config names, else the user's SQLite file.

Chosen from the config file or `LAZARUS_STORE`, never from a workbook, so opening a workbook cannot point Lazarus at
someone else's database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from addin.pipeline.config import Config
from addin.pipeline.store import Store

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class HistoryStore(Protocol):
    """What refresh, the workbook builders and the ribbon use; `Store` (SQLite) and `PostgresStore` both are one."""

    location: str

    def check(self) -> None: ...
    def check_writable(self) -> None: ...
    def kind(self, series: str) -> str | None: ...
    def rows_since(self, series: str, start): ...
    def last_refresh(self) -> int: ...
    def series_ids(self) -> list[str]: ...
    def last_date(self, series: str): ...
    def read_series(self, series: str): ...
    def read_log(self, limit: int = 1000): ...
    def write_series(self, series: str, vendor: str, observations, fetched_at=None, kind: str = "raw"): ...
    def append_log(self, rows) -> None: ...
    def claim(self, series: str, fresh_seconds: float = 0.0): ...


def is_postgres(where: str | Path | None) -> bool:
    return isinstance(where, str) and where.startswith(POSTGRES_SCHEMES)


def open_store(config: Config, where: str | Path | None = None, *, read_only: bool = False) -> HistoryStore:
    """The store at `where` (a PostgreSQL URL or a SQLite path), else the configured one. `read_only` opens a SQLite
    file for reading only (a read-only folder is fine; nothing is created); on a server the role decides."""
    where = where if where is not None else config.store_url or config.store_path
    if is_postgres(str(where)):
        # psycopg is imported only by users of a shared store.
        from addin.pipeline.store_postgres import PostgresStore

        return PostgresStore(str(where))
    return Store(Path(where), read_only=read_only)
