"""The shared store against the SQLite file: reading everything a workbook needs, building the workbook from it, and
2/4/8 analysts reading at once (separate processes, as separate machines would be).

Both stores hold every catalogue series from tests/data (the default store after a full refresh). PostgreSQL runs
in a throwaway cluster on this machine (loopback TCP, password login), so the figures are the floor of a desk's
server: a real network adds its round trips.

    python benchmarks/bench_store.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from addin.pipeline.store import Store, open_store
from addin.pipeline.store.postgres import PostgresStore
from addin.pipeline.workbook_data import store_data
from testkit.postgres import Cluster
from testkit.vendor_server import VendorServer, load_newsletter_data
from workbook.layout import build_book

RUNS = 5


def fill(store: Store | PostgresStore) -> int:
    """Every catalogue series, as a full refresh stores them; the number of rows written."""
    server = VendorServer()
    load_newsletter_data(server)
    rows = 0
    for series, observations in server.fred.items():
        kept = [(day, value) for day, value in observations if value is not None]
        rows += store.write_series(series, "fred", kept).rows_added
    for series, bars in server.yahoo.items():
        kept = [(bar.day, bar.close) for bar in bars if bar.close is not None]
        rows += store.write_series(series, "yahoo", kept).rows_added
    return rows


def read_all(where: str) -> float:
    """Seconds to read every series and the log a workbook shows (what `lazarus build` reads)."""
    from addin.pipeline.config import Config

    began = time.perf_counter()
    store_data(open_store(Config(data_dir=Path(tempfile.gettempdir())), where))
    return time.perf_counter() - began


def median_of(work, runs: int = RUNS) -> float:
    return statistics.median(work() for _ in range(runs))


def build(where: str) -> float:
    from addin.pipeline.config import Config

    began = time.perf_counter()
    data = store_data(open_store(Config(data_dir=Path(tempfile.gettempdir())), where))
    build_book(data.data, None, data.source_rows, data.log_rows, data.provenance)
    return time.perf_counter() - began


def concurrent(where: str, readers: int) -> float:
    """Wall seconds for `readers` processes each reading everything once, started together."""
    with ProcessPoolExecutor(readers) as pool:
        list(pool.map(read_all, [where] * readers))  # warm the processes (imports)
        began = time.perf_counter()
        list(pool.map(read_all, [where] * readers))
        return time.perf_counter() - began


def main() -> None:
    cluster = Cluster()
    try:
        with tempfile.TemporaryDirectory() as folder:
            sqlite_path = str(Path(folder) / "lazarus.sqlite")
            postgres_url = cluster.url(cluster.database())
            rows = fill(Store(sqlite_path))
            fill(PostgresStore(postgres_url))
            print(f"{rows:,} observations in 13 series, in both stores\n")
            print(f"{'what':<44}{'SQLite':>10}{'PostgreSQL':>12}{'ratio':>8}")
            for label, work in (
                ("read everything a workbook needs (s)", read_all),
                ("read + build the workbook (s)", build),
            ):
                lite = median_of(lambda work=work: work(sqlite_path))
                pg = median_of(lambda work=work: work(postgres_url))
                print(f"{label:<44}{lite:>10.3f}{pg:>12.3f}{pg / lite:>8.2f}")
            for readers in (2, 4, 8):
                lite = concurrent(sqlite_path, readers)
                pg = concurrent(postgres_url, readers)
                print(f"{f'{readers} analysts reading at once, wall (s)':<44}{lite:>10.3f}{pg:>12.3f}{pg / lite:>8.2f}")
    finally:
        cluster.close()


if __name__ == "__main__":
    main()
