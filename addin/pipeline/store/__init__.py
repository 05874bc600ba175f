"""The history store: every observation ever fetched, per series, with its vendor, revisions and the refresh log.

`base` is what every store is (the `HistoryStore` protocol, its rows, errors and write rules); `sqlite` and `postgres`
are the two backends; `choice` opens the one the config names. psycopg is imported only with `postgres`, so nothing
here needs it.
"""

from addin.pipeline.store.base import HistoryStore, StoreBusy, StoreError, StoreReadOnly, WriteResult
from addin.pipeline.store.choice import open_store
from addin.pipeline.store.sqlite import Store

__all__ = ["HistoryStore", "Store", "StoreBusy", "StoreError", "StoreReadOnly", "WriteResult", "open_store"]
