"""The history store on both backends (the SQLite file and a real PostgreSQL server): incremental upserts with
revisions, all-or-nothing writes, concurrent writers. Tests that reach into one backend's internals say so."""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
import threading

import pytest

from addin.pipeline.store import Store, StoreBusy, StoreError

D = dt.date


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return Store(tmp_path / "lazarus.sqlite", busy_timeout=2.0)
    from addin.pipeline.store.postgres import PostgresStore

    cluster = request.getfixturevalue("pg_cluster")
    return PostgresStore(cluster.url(cluster.database()))


def reopened(store):
    """A second handle on the same store, as another process would open it."""
    return type(store)(store.url) if hasattr(store, "url") else Store(store.path)


def test_write_then_read_back_dates_and_values_oldest_first(store):
    result = store.write_series("T10Y2Y", "fred", [(D(2024, 7, 3), -0.35), (D(2024, 7, 5), -0.32)])
    assert (result.rows_received, result.rows_added, result.rows_revised) == (2, 2, 0)
    assert result.last_date == D(2024, 7, 5) == store.last_date("T10Y2Y")
    assert store.read_series("T10Y2Y") == [(D(2024, 7, 3), -0.35), (D(2024, 7, 5), -0.32)]
    assert reopened(store).read_series("T10Y2Y") == store.read_series("T10Y2Y")
    assert store.last_date("NOPE") is None and store.read_series("NOPE") == []
    assert store.series_ids() == ["T10Y2Y"]


def test_overlap_adds_only_new_dates_and_revises_changed_values_keeping_history(store):
    store.write_series("UNRATE", "fred", [(D(2024, 6, 1), 4.1), (D(2024, 7, 1), 4.3)])
    # The July 2024 print was later revised from 4.3 to 4.2 (VENDORS.md); August is new.
    result = store.write_series("UNRATE", "fred", [(D(2024, 6, 1), 4.1), (D(2024, 7, 1), 4.2), (D(2024, 8, 1), 4.2)])
    assert (result.rows_added, result.rows_revised) == (1, 1)
    assert store.read_series("UNRATE") == [(D(2024, 6, 1), 4.1), (D(2024, 7, 1), 4.2), (D(2024, 8, 1), 4.2)]
    [(day, old, new, _)] = store.revisions("UNRATE")
    assert (day, old, new) == (D(2024, 7, 1), 4.3, 4.2)


def test_dates_a_vendor_no_longer_serves_are_kept(store):
    store.write_series("BAMLH0A0HYM2", "fred", [(D(2020, 1, 2), 3.5), (D(2024, 7, 1), 3.21)])
    store.write_series("BAMLH0A0HYM2", "fred", [(D(2024, 7, 1), 3.21), (D(2024, 7, 2), 3.23)])
    assert [day for day, _ in store.read_series("BAMLH0A0HYM2")] == [D(2020, 1, 2), D(2024, 7, 1), D(2024, 7, 2)]


def test_provenance_is_kept_per_observation(store):
    stamp = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)
    store.write_series("DGS10", "fred", [(D(2024, 9, 16), 3.63)], fetched_at=stamp)
    store.write_series("DGS10", "treasury", [(D(2024, 9, 17), 3.65)], fetched_at=stamp)
    assert store.read_rows("DGS10") == [
        (D(2024, 9, 16), 3.63, "fred", "2026-11-24T08:00:00+00:00"),
        (D(2024, 9, 17), 3.65, "treasury", "2026-11-24T08:00:00+00:00"),
    ]


@pytest.mark.parametrize(
    "bad",
    [
        [(D(2024, 7, 2), 1.0), (D(2024, 7, 1), 2.0)],
        [(D(2024, 7, 2), 1.0), (D(2024, 7, 2), 2.0)],
        [(D(2024, 7, 2), 1.0), (D(2024, 7, 3), math.nan)],
    ],
    ids=["out-of-order", "duplicate", "nan"],
)
def test_a_rejected_write_leaves_every_old_row_untouched(store, bad):
    store.write_series("IWM", "yahoo", [(D(2024, 7, 1), 200.0), (D(2024, 7, 2), 201.0)])
    before = store.read_rows("IWM")
    with pytest.raises(ValueError):
        store.write_series("IWM", "yahoo", bad)
    assert store.read_rows("IWM") == before


def test_a_failure_inside_the_transaction_rolls_back_the_whole_series(tmp_path):
    store = Store(tmp_path / "lazarus.sqlite")  # SQLite internals: a trigger makes the second insert fail
    store.write_series("SPY", "yahoo", [(D(2024, 7, 1), 545.34)])
    # Make the second row's insert fail after the first row was revised and rewritten: nothing may remain of that
    # write.
    con = sqlite3.connect(store.path)
    con.execute(
        "CREATE TRIGGER boom BEFORE INSERT ON observations WHEN NEW.vendor = 'broken' AND NEW.date = '2024-07-02'"
        " BEGIN SELECT RAISE(ABORT, 'x'); END"
    )
    con.commit()
    con.close()
    with pytest.raises(StoreError):  # the driver's IntegrityError, as the store's own error
        store.write_series("SPY", "broken", [(D(2024, 7, 1), 999.0), (D(2024, 7, 2), 998.0)])
    assert store.read_series("SPY") == [(D(2024, 7, 1), 545.34)]
    assert store.revisions("SPY") == []


def test_two_refreshes_writing_at_once_both_land_completely(tmp_path):
    path = tmp_path / "shared.sqlite"
    days = [D(2000, 1, 1) + dt.timedelta(days=i) for i in range(2000)]
    errors: list[BaseException] = []

    def writer(name: str, offset: float) -> None:
        try:
            own = Store(path, busy_timeout=10.0)
            for n in range(5):
                own.write_series(f"{name}{n}", name, [(day, i + offset) for i, day in enumerate(days)])
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(name, k)) for k, name in enumerate(("a", "b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    store = Store(path)
    assert len(store.series_ids()) == 10
    assert all(len(store.read_series(series)) == 2000 for series in store.series_ids())
    assert store.read_series("b3")[5] == (days[5], 6.0)


def test_a_writer_that_cannot_get_the_lock_in_time_fails_cleanly(tmp_path):
    path = tmp_path / "busy.sqlite"
    Store(path).write_series("IWM", "yahoo", [(D(2024, 7, 1), 200.0)])
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another refresh in the middle of its write
    try:
        with pytest.raises(StoreBusy, match="busy"):
            Store(path, busy_timeout=0.2).write_series("IWM", "yahoo", [(D(2024, 7, 2), 201.0)])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert Store(path).read_series("IWM") == [(D(2024, 7, 1), 200.0)]


def test_both_backends_have_every_method_of_the_protocol_with_its_parameters():
    import inspect

    from addin.pipeline.store import HistoryStore
    from addin.pipeline.store.postgres import PostgresStore

    methods = [name for name, member in vars(HistoryStore).items() if inspect.isfunction(member) and name[0] != "_"]
    assert len(methods) >= 14, methods
    for backend in (Store, PostgresStore):
        for name in methods:
            expected = list(inspect.signature(getattr(HistoryStore, name)).parameters)
            assert list(inspect.signature(getattr(backend, name)).parameters) == expected, (backend.__name__, name)


def test_both_backends_hand_back_the_same_named_rows(store):
    from addin.pipeline.store.base import KindRow, LogRow, Observation, ProvenanceRow, Revision

    stamp = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)
    store.write_series("UNRATE", "fred", [(D(2024, 7, 1), 4.3)], fetched_at=stamp)
    store.write_series("UNRATE", "fred", [(D(2024, 7, 1), 4.2)], fetched_at=stamp)
    store.append_log([(stamp, "UNRATE", "fred", 1, D(2024, 7, 1), "ok")])
    assert store.read_series("UNRATE") == [Observation(D(2024, 7, 1), 4.2)]
    assert store.read_rows("UNRATE")[0].fetched_at == "2026-11-24T08:00:00+00:00"
    assert store.rows_since("UNRATE", D(2024, 7, 1))[0].kind == "raw"
    assert store.revisions("UNRATE")[0].old_value == 4.3
    assert store.read_log()[-1].source == "UNRATE"
    rows = (store.read_series, store.read_rows, lambda s: store.rows_since(s, D(2024, 1, 1)), store.revisions)
    kinds = [type(read("UNRATE")[0]) for read in rows] + [type(store.read_log()[-1])]
    assert kinds == [Observation, ProvenanceRow, KindRow, Revision, LogRow]


# Failure paths: a store written by the old schema ---------------------------------------------------------------------


def test_a_store_written_by_the_old_schema_is_migrated_keeping_its_rows(tmp_path):
    from addin.pipeline.store import Store

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript(
            """
            CREATE TABLE observations (series TEXT NOT NULL, date TEXT NOT NULL, value REAL NOT NULL,
                vendor TEXT NOT NULL, fetched_at TEXT NOT NULL, PRIMARY KEY (series, date)) WITHOUT ROWID;
            CREATE TABLE revisions (series TEXT NOT NULL, date TEXT NOT NULL, old_value REAL NOT NULL,
                old_vendor TEXT NOT NULL, old_fetched_at TEXT NOT NULL, new_value REAL NOT NULL, vendor TEXT NOT NULL,
                fetched_at TEXT NOT NULL);
            INSERT INTO observations VALUES ('UNRATE', '2025-09-01', 4.4, 'fred', '2026-01-01T00:00:00+00:00');
            INSERT INTO revisions VALUES ('UNRATE', '2025-09-01', 4.3, 'fred', 'x', 4.4, 'fred', 'y');
            """
        )
    con.close()
    store = Store(path)
    assert store.read_series("UNRATE") == [(D(2025, 9, 1), 4.4)]
    assert store.revisions("UNRATE") == [(D(2025, 9, 1), 4.3, 4.4, "y")]
    result = store.write_series("UNRATE", "fred", [(D(2025, 9, 1), 4.4), (D(2025, 10, 1), None), (D(2025, 11, 1), 4.5)])
    assert (result.rows_added, result.rows_revised) == (2, 0)
    assert store.read_series("UNRATE")[1] == (D(2025, 10, 1), None)
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT DISTINCT kind FROM observations").fetchall() == [("raw",)]
    con.close()


# Failure paths: a damaged, read-only or missing store -----------------------------------------------------------------


def _damaged(path, how: str) -> bytes:
    data = bytearray(path.read_bytes())
    if how == "garbage":
        data = bytearray(b"this is not a database; an editor saved over it\n" * 200)
    elif how == "truncated":
        data = data[: len(data) // 3]
    else:  # pages damaged mid-file: the header is fine, the b-tree pages in the middle are noise
        middle = len(data) // 2
        data[middle : middle + 8192] = bytes((i * 37 + 11) % 256 for i in range(8192))
    path.write_bytes(bytes(data))
    return bytes(data)


@pytest.mark.parametrize("how", ["garbage", "truncated", "pages"])
def test_a_damaged_store_is_a_message_naming_the_file_and_it_is_kept(cli_env, capsys, how):
    from addin.commands import main

    store = cli_env / "data" / "lazarus.sqlite"
    assert main(["refresh", "--only", "IWM", "--only", "UNRATE", "--no-progress"]) == 0
    damaged = _damaged(store, how)
    capsys.readouterr()

    assert main(["refresh", "--only", "IWM", "--no-progress"]) == 1
    assert main(["build", "--out", "book.xlsx"]) == 1
    out, err = capsys.readouterr()
    assert "refreshed" not in out and "Traceback" not in err
    for command in ("lazarus refresh", "lazarus build"):
        assert f"{command}: the store {store} is damaged" in err
    assert "move it away (or put back a backup) and run `lazarus refresh`" in err
    assert store.read_bytes() == damaged and not (cli_env / "book.xlsx").exists()

    store.rename(store.with_name("lazarus.damaged.sqlite"))
    assert main(["refresh", "--only", "IWM", "--no-progress"]) == 0  # a fresh store


def test_build_reads_a_store_in_a_read_only_folder_and_says_when_there_is_no_store(cli_env, capsys):
    import subprocess

    from openpyxl import load_workbook

    from addin.commands import main

    data = cli_env / "data"
    assert main(["build", "--out", "book.xlsx"]) == 1
    assert f"lazarus build: there is no store yet at {data / 'lazarus.sqlite'}: run `lazarus refresh`" in (
        capsys.readouterr().err
    )
    assert not (data / "lazarus.sqlite").exists()

    assert main(["refresh", "--only", "UNRATE", "--no-progress"]) == 0
    files = sorted(p.name for p in data.iterdir())
    if subprocess.run(["chattr", "+i", str(data)], capture_output=True).returncode != 0:
        data.chmod(0o555)
    try:
        assert main(["build", "--out", "book.xlsx"]) == 0
    finally:
        subprocess.run(["chattr", "-i", str(data)], capture_output=True)
        data.chmod(0o755)
    assert sorted(p.name for p in data.iterdir()) == files
    assert load_workbook(cli_env / "book.xlsx", read_only=True)["Macro"]["B2"].value is not None
