"""`lazarus series remove ID` keeps the series' stored history; `--delete-history` deletes it (observations, revisions,
vintages) from the SQLite file and from the PostgreSQL server alike, never a newsletter series' history, and a
read-only role is told it cannot, with nothing changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from addin.commands import main
from addin.pipeline.config import load_config
from addin.pipeline.history import StoreHistory
from addin.pipeline.sources import read_user_sources
from addin.pipeline.store import HistoryStore, Store, StoreReadOnly
from addin.pipeline.store.postgres import PostgresStore
from testkit.postgres import READER, READER_PASSWORD
from tests.test_added_series import AAPL_BODY, _aapl_closes
from udfs.history import history_function
from udfs.inputs import date_to_serial

D = dt.date


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request, cli_env, newsletter_server, monkeypatch) -> Callable[[], HistoryStore]:
    """The `lazarus` command on a real store of each kind (the SQLite file in the data folder, or a new database on
    the test server named by LAZARUS_STORE), with the vendor server answering for AAPL; opens that store."""
    newsletter_server.serve("yahoo:AAPL", AAPL_BODY.read_bytes(), content_type="application/json")
    if request.param == "sqlite":
        return lambda: Store(load_config().data_dir / "lazarus.sqlite")
    cluster = request.getfixturevalue("pg_cluster")
    url = cluster.url(cluster.database())
    monkeypatch.setenv("LAZARUS_STORE", url)
    return lambda: PostgresStore(url)


def _add_and_refresh(store: Callable[[], HistoryStore]) -> HistoryStore:
    """AAPL added and refreshed beside IWM, then one revised close and two vintages written the way refresh writes
    them, so every kind of stored row of AAPL is there to delete."""
    assert main(["series", "add", "aapl"]) == 0
    assert main(["refresh", "--only", "AAPL", "--only", "IWM", "--no-progress"]) == 0
    opened = store()
    last_day, last_close = max(_aapl_closes().items())
    assert opened.write_series("AAPL", "yahoo", [(last_day, last_close + 1.0)]).rows_revised == 1
    vintages = [(last_day, last_day, last_close), (last_day, last_day + dt.timedelta(days=1), last_close + 1.0)]
    assert opened.write_vintages("AAPL", "yahoo", vintages) == 2
    return opened


def test_remove_keeps_the_history_and_delete_history_deletes_every_stored_row(backend, capsys):
    store = _add_and_refresh(backend)
    aapl = _aapl_closes()
    iwm = store.read_series("IWM")
    assert len(aapl) == 49 and len(iwm) > 0
    history = history_function(StoreHistory(lambda: store))  # one Excel session across both removals
    expected = [[date_to_serial(day), close] for day, close in sorted(aapl.items())]
    expected[-1][1] += 1.0  # the revised close
    assert history("AAPL")[1:] == expected

    assert main(["series", "remove", "aapl"]) == 0
    assert "its stored history is kept" in capsys.readouterr().out
    assert read_user_sources(load_config().data_dir) == []
    assert len(store.read_series("AAPL")) == 49 and len(store.revisions("AAPL")) == 1
    assert history("aapl")[1:] == expected

    # Removed earlier with its history kept: the flag deletes that history now; 49 + 1 revision + 2 vintages.
    assert main(["series", "remove", "AAPL", "--delete-history"]) == 0
    assert f"Deleted 52 stored rows of AAPL from {store.location}." in capsys.readouterr().out
    assert store.read_series("AAPL") == [] and store.revisions("AAPL") == [] and store.read_vintages("AAPL") == []
    assert store.last_date("AAPL") is None and "AAPL" not in store.series_ids()
    assert history("AAPL").startswith('#N/A HISTORY: no series "AAPL" in the store')
    assert store.read_series("IWM") == iwm  # nothing else touched
    assert store.read_log()[-1].source == "AAPL" and store.read_log()[-1].status == "history deleted (52 rows)"

    assert main(["series", "remove", "AAPL", "--delete-history"]) == 2  # neither listed nor stored any more
    assert "AAPL is not an added series" in capsys.readouterr().err


def test_delete_history_with_the_series_still_listed_takes_it_off_the_list_too(backend, capsys):
    store = _add_and_refresh(backend)
    assert main(["series", "remove", "AAPL", "--delete-history"]) == 0
    said = capsys.readouterr().out.splitlines()[-1]
    assert said == f"Removed AAPL: refresh no longer fetches it; deleted 52 stored rows of AAPL from {store.location}."
    assert read_user_sources(load_config().data_dir) == [] and store.read_series("AAPL") == []
    # Added again, the next refresh fetches it whole (a server does not skip it as just written).
    assert main(["series", "add", "AAPL"]) == 0
    assert main(["refresh", "--only", "AAPL", "--no-progress"]) == 0
    assert dict(store.read_series("AAPL")) == pytest.approx(_aapl_closes())


def test_a_newsletter_series_history_is_never_deleted(backend, capsys):
    store = _add_and_refresh(backend)
    iwm = store.read_series("IWM")
    assert main(["series", "remove", "iwm", "--delete-history"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "lazarus series remove: IWM is one of the newsletter's series: its history is kept (the workbook needs it)\n"
    )
    assert store.read_series("IWM") == iwm


def test_a_read_only_role_is_told_it_cannot_delete_and_nothing_changes(pg_cluster, cli_env, capsys):
    database = pg_cluster.database()
    owner = PostgresStore(pg_cluster.url(database))
    closes = sorted(_aapl_closes().items())
    owner.write_series("AAPL", "yahoo", closes)
    reader_url = pg_cluster.url(database, READER, READER_PASSWORD)
    with pytest.raises(StoreReadOnly, match="deleting the history of AAPL"):
        PostgresStore(reader_url).delete_series("AAPL")
    assert main(["series", "add", "AAPL"]) == 0
    assert main(["series", "remove", "AAPL", "--delete-history", "--store", reader_url]) == 1
    err = capsys.readouterr().err
    assert "does not let this user write" in err and READER_PASSWORD not in err
    assert owner.read_series("AAPL") == closes
    assert [s.id for s in read_user_sources(load_config().data_dir)] == ["AAPL"]  # the list is as it was


def test_a_sqlite_store_opened_for_reading_only_refuses_to_delete(tmp_path):
    path = tmp_path / "lazarus.sqlite"
    Store(path).write_series("AAPL", "yahoo", [(D(2020, 11, 6), 118.69)])
    with pytest.raises(StoreReadOnly, match="opened for reading only"):
        Store(path, read_only=True).delete_series("AAPL")
    assert Store(path).read_series("AAPL") == [(D(2020, 11, 6), 118.69)]
