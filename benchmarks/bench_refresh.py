"""Benchmark: a first and a second (incremental) refresh of every catalogue source from a local server.

The server (testkit/vendor_server.py) serves vendor-format bodies generated from the real histories in
tests/data, honouring each request's date range, and adds 100 ms of latency to every request. The client runs
with the production pacing (FRED and Yahoo at 1 request/s). Printed: wall time, requests and bytes of each
refresh, and, for the concurrency claim, each vendor's paced chain timed on its own.

    .venv/bin/python benchmarks/bench_refresh.py
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from addin.pipeline.config import Config
from addin.pipeline.refresh import RefreshReport, refresh
from addin.pipeline.store import Store
from addin.pipeline.vendors import HttpClient, HttpSettings
from testkit.vendor_server import VendorServer, load_newsletter_data
from workbook.catalogue import CATALOGUE, Source

LATENCY = 0.100


def run(server: VendorServer, store: Store, sources: list[Source]) -> tuple[RefreshReport, int]:
    config = Config(data_dir=store.path.parent, keys={}, base_urls=server.base_urls())
    sent_before = server.bytes_sent
    report = refresh(sources, store, config, client=HttpClient(HttpSettings()), today=dt.date(2026, 11, 24))
    if not report.ok:
        raise SystemExit(f"refresh failed: {[s.error for s in report.statuses if not s.ok]}")
    return report, server.bytes_sent - sent_before


def main() -> int:
    sources = list(CATALOGUE)
    with VendorServer(latency=LATENCY) as server, tempfile.TemporaryDirectory() as folder:
        load_newsletter_data(server)
        store = Store(Path(folder) / "bench.sqlite")
        first, first_bytes = run(server, store, sources)
        second, second_bytes = run(server, store, sources)
        chains = {}
        for vendor in sorted({s.chain[0].vendor for s in sources}):
            alone = [s for s in sources if s.chain[0].vendor == vendor]
            chain_report, _ = run(server, Store(Path(folder) / f"{vendor}.sqlite"), alone)
            chains[vendor] = (len(alone), chain_report.seconds)
    rows = sum(s.rows_added for s in first.statuses)
    print(f"13 sources, {LATENCY * 1000:.0f} ms latency per request, production pacing (FRED, Yahoo: 1 request/s)")
    print(f"first refresh:       {first.seconds:6.2f} s  {first.requests:3d} requests  {first_bytes:>10,} bytes"
          f"  ({rows:,} rows stored)")  # fmt: skip
    print(f"incremental refresh: {second.seconds:6.2f} s  {second.requests:3d} requests  {second_bytes:>10,} bytes"
          f"  ({second_bytes / first_bytes:.2%} of the first)")  # fmt: skip
    for vendor, (count, seconds) in chains.items():
        print(f"  {vendor} chain alone ({count} sources, full history): {seconds:.2f} s")
    slowest = max(seconds for _, seconds in chains.values())
    print(f"whole first refresh / slowest vendor chain alone: {first.seconds / slowest:.2f}")
    ok = second_bytes < 0.05 * first_bytes and first.seconds <= slowest * 1.10
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
