"""The desk's shared store on a real PostgreSQL server: schema versions, a read-only analyst, a wrong password, the
server going away mid-refresh, two refreshes from two processes at once, and a refresh killed with SIGKILL.

(The store semantics both backends share are in test_store.py, which runs on SQLite and on this server.)"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import pytest

from addin import commands
from addin.pipeline.store import StoreError, StoreReadOnly
from addin.pipeline.store.postgres import SCHEMA_VERSION, PostgresStore
from addin.pipeline.workbook_data import store_data
from testkit.postgres import READER, READER_PASSWORD
from testkit.vendor_server import VendorServer, load_newsletter_data
from tests.test_refresh import run_refresh
from workbook.catalogue import CATALOGUE

ROOT = Path(__file__).resolve().parents[1]
D = dt.date
KEYLESS = [s for s in CATALOGUE if s.chain[0].vendor in ("yahoo", "fred")]


def _refresh_env(server: VendorServer, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAZARUS_", "PG"))}
    env.update({f"LAZARUS_{vendor.upper()}_BASE_URL": url for vendor, url in server.base_urls().items()})
    env.update(LAZARUS_CONFIG=str(tmp_path / "no-config.toml"), LAZARUS_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    return env


def _lazarus(*args: str, env: dict[str, str]) -> subprocess.Popen:
    code = "import sys; from addin.commands import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def _fetches(server: VendorServer) -> Counter[str]:
    """How often each series was asked for: FRED by its id, Yahoo by the symbol in the path."""
    return Counter(hit.query.get("id") or unquote(hit.path.rsplit("/", 1)[-1]) for hit in server.hits)


def _served_days(server: VendorServer, series: str) -> set[dt.date]:
    """The dates with a value that the vendor server serves for `series`."""
    if series in server.fred:
        return {day for day, value in server.fred[series] if value is not None}
    return {bar.day for bar in server.yahoo[series] if bar.close is not None}


def _old_or_new(store: PostgresStore, server: VendorServer, series: str, old: list) -> bool:
    """True for the stored rows of `series` untouched (`old`); for a complete new copy, None; anything else fails."""
    rows = store.read_series(series)
    if rows == old:
        return True
    assert {day for day, _ in rows} >= _served_days(server, series), f"{series} is half-written"
    return False


def test_store_init_creates_the_versioned_schema_once_and_a_store_without_it_says_what_to_run(pg_cluster, capsys):
    url = pg_cluster.url(pg_cluster.database(init=False))
    with pytest.raises(StoreError, match="run `lazarus store init`"):
        PostgresStore(url)
    assert commands.main(["store", "init", "--store", url]) == 0
    assert f"schema version {SCHEMA_VERSION}" in capsys.readouterr().out
    assert commands.main(["store", "init", "--store", url]) == 0
    assert "already has schema version" in capsys.readouterr().out
    store = PostgresStore(url)
    assert store.schema_version() == SCHEMA_VERSION and store.series_ids() == []
    pg_cluster.admin("INSERT INTO lazarus_schema VALUES (99)", url.rsplit("/", 1)[1])
    with pytest.raises(StoreError, match="schema version 99, newer than this Lazarus knows"):
        PostgresStore(url)


def test_a_read_only_analyst_builds_from_the_store_but_refresh_says_it_cannot_write(
    pg_cluster, newsletter_server, tmp_path, capsys
):
    database = pg_cluster.database()
    PostgresStore(pg_cluster.url(database)).write_series("IWM", "yahoo", [(D(2024, 7, 15), 222.0)])
    reader_url = pg_cluster.url(database, READER, READER_PASSWORD)
    reader = PostgresStore(reader_url)
    assert reader.read_series("IWM") == [(D(2024, 7, 15), 222.0)]
    assert store_data(reader).data["IWM"] == ([D(2024, 7, 15)], [222.0])
    with pytest.raises(StoreReadOnly):
        reader.write_series("IWM", "yahoo", [(D(2024, 7, 16), 224.6)])
    code = commands.main(["refresh", "--store", reader_url, "--no-progress", "--only", "IWM"])
    err = capsys.readouterr().err
    assert code == 1 and "read-only for this user" in err and "lazarus build" in err
    assert newsletter_server.hits == []  # told before anything was fetched
    assert READER_PASSWORD not in err


def test_a_wrong_password_is_a_message_without_the_password(pg_cluster, capsys):
    database = pg_cluster.database()
    wrong = "Wr0ng-pa55word-never-shown"
    url = pg_cluster.url(database, password=wrong)
    with pytest.raises(StoreError) as caught:
        PostgresStore(url)
    assert "password authentication failed" in str(caught.value) and wrong not in str(caught.value)
    assert commands.main(["build", "--store", url, "--out", "never.xlsx"]) == 1
    assert commands.main(["refresh", "--store", url, "--no-progress"]) == 1
    captured = capsys.readouterr()
    assert wrong not in captured.err + captured.out and "****" in captured.err


def test_the_server_stopping_mid_refresh_leaves_every_series_old_or_new_and_says_why(
    pg_cluster, newsletter_server, tmp_path
):
    store = PostgresStore(pg_cluster.url(pg_cluster.database()))
    newsletter_server.latency = 0.15

    def stop_after_the_first_series() -> None:
        watcher = PostgresStore(store.url)
        deadline = time.monotonic() + 60
        while not watcher.series_ids() and time.monotonic() < deadline:
            time.sleep(0.01)
        watcher.close()
        pg_cluster.stop(mode="immediate")

    stopper = threading.Thread(target=stop_after_the_first_series)
    stopper.start()
    try:
        report = run_refresh(newsletter_server, store, tmp_path, KEYLESS)
    finally:
        stopper.join()
        pg_cluster.start()
    failed = [s for s in report.statuses if not s.ok]
    assert failed, "the server stopped before the refresh ended, so some series cannot have been written"
    assert all("the store failed" in s.error and "store init" not in s.error for s in failed)
    # Each series holds all that was served or nothing: one transaction per series.
    after = PostgresStore(store.url)
    untouched = [_old_or_new(after, newsletter_server, source.id, []) for source in KEYLESS]
    assert any(untouched) and not all(untouched)


@pytest.mark.slow
def test_two_refreshes_from_two_processes_fetch_each_series_once_and_store_it_once(
    pg_cluster, newsletter_server, tmp_path
):
    url = pg_cluster.url(pg_cluster.database())
    newsletter_server.latency = 0.05
    env = _refresh_env(newsletter_server, tmp_path)
    only = [arg for source in KEYLESS for arg in ("--only", source.id)]
    first, second = (_lazarus("refresh", "--store", url, "--no-progress", *only, env=env) for _ in range(2))
    outputs = [process.communicate(timeout=120) for process in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    # Once per series: a symbol two series share (IWC raw and adjusted) is asked for once per series.
    assert _fetches(newsletter_server) == Counter(source.chain[0].symbol for source in KEYLESS)
    # Every series was fetched by one process and skipped, with the reason, by the other.
    assert sum(out.count("refreshed by another user a moment ago") for out, _ in outputs) == len(KEYLESS)
    store = PostgresStore(url)
    for source in KEYLESS:
        days = [day for day, _ in store.read_series(source.id)]
        assert days and len(days) == len(set(days))


@pytest.mark.slow
def test_a_refresh_killed_with_sigkill_leaves_every_series_old_or_new(pg_cluster, newsletter_server, tmp_path):
    url = pg_cluster.url(pg_cluster.database())
    store = PostgresStore(url)
    old = [(D(2000, 1, 3), 1.0)]
    for source in KEYLESS:
        store.write_series(source.id, "seed", old)
    load_newsletter_data(newsletter_server)
    newsletter_server.latency = 0.1
    only = [arg for source in KEYLESS for arg in ("--only", source.id)]
    process = _lazarus(
        "refresh", "--store", url, "--no-progress", "--full", *only, env=_refresh_env(newsletter_server, tmp_path)
    )
    deadline = time.monotonic() + 60
    while len(newsletter_server.hits) < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    untouched = [_old_or_new(store, newsletter_server, source.id, old) for source in KEYLESS]
    assert any(untouched), "the refresh finished before the kill; nothing was tested"
