"""Which store a command or the ribbon uses: the PostgreSQL server the config names, else the user's SQLite file.

Chosen from the config file or `LAZARUS_STORE`, never from a workbook, so opening a workbook cannot point Lazarus at
someone else's database.
"""

from __future__ import annotations

from pathlib import Path

from addin.pipeline.config import Config
from addin.pipeline.store.base import HistoryStore
from addin.pipeline.store.sqlite import Store

__all__ = ["POSTGRES_SCHEMES", "is_postgres", "open_store", "where_configured"]

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(where: str | Path | None) -> bool:
    return isinstance(where, str) and where.startswith(POSTGRES_SCHEMES)


def where_configured(config: Config, where: str | Path | None = None) -> str | Path:
    """`where` (a PostgreSQL URL or a SQLite path) when given, else the configured server, else the SQLite file."""
    return where if where is not None else config.store_url or config.store_path


def open_store(config: Config, where: str | Path | None = None, *, read_only: bool = False) -> HistoryStore:
    """The store at `where` (a PostgreSQL URL or a SQLite path), else the configured one. `read_only` opens a SQLite
    file for reading only (a read-only folder is fine; nothing is created); on a server the role decides."""
    where = where_configured(config, where)
    if is_postgres(str(where)):
        # psycopg is imported only by users of a shared store.
        from addin.pipeline.store.postgres import PostgresStore

        return PostgresStore(str(where))
    return Store(Path(where), read_only=read_only)
