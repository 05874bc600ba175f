"""The store's password and the store's errors: a PostgreSQL password never shows, in whatever form the URL gives it
(userinfo, a ``password=`` parameter, percent-encoded, with a stray ``%``), in a store message, a HISTORY cell or the
Methods sheet's provenance; every driver error (psycopg and sqlite3) becomes the store's own `StoreError`, so one odd
source id fails that source alone. On a real PostgreSQL server and a real SQLite file."""

from __future__ import annotations

import datetime as dt
import sqlite3
from urllib.parse import quote

import pytest

from addin.pipeline.history import StoreHistory
from addin.pipeline.refresh import refresh
from addin.pipeline.store import Store, StoreError
from addin.pipeline.store.postgres import PostgresStore
from addin.pipeline.vendors import HttpClient
from addin.pipeline.workbook_data import store_data
from testkit.postgres import OWNER, OWNER_PASSWORD
from testkit.vendor_server import fast_settings
from tests.test_refresh import TODAY, config_for
from udfs.history import history_function
from workbook.catalogue import Source, VendorSymbol

D = dt.date
ODD = "Pa%ss@w:rd/9-Zq"  # every character a URL must encode, and a stray %


def shown_nowhere(password: str, *texts: str) -> None:
    """No form of `password` (as typed, URL-encoded, in any letter case) in any of `texts`."""
    forms = {password, quote(password, safe=""), quote(password)}
    for text in texts:
        for form in forms:
            assert form.lower() not in text.lower(), (form, text)


@pytest.fixture(scope="module")
def odd_role(pg_cluster):
    pg_cluster.admin(f"CREATE ROLE odd LOGIN PASSWORD '{ODD}'")
    return "odd"


def url(pg_cluster, database: str, *, user: str = OWNER, password: str = OWNER_PASSWORD, form: str) -> str:
    where = f"127.0.0.1:{pg_cluster.port}/{database}"
    if form == "query":
        return f"postgresql://{user}@{where}?connect_timeout=5&password={quote(password, safe='')}"
    return f"postgresql://{user}:{quote(password, safe='')}@{where}"


@pytest.mark.parametrize("form", ["userinfo", "query"])
def test_a_url_password_shows_in_no_message_cell_or_methods_sheet(pg_cluster, odd_role, form):
    ready = pg_cluster.database()
    pg_cluster.admin(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {odd_role}", ready)
    empty = pg_cluster.database(init=False)
    store = PostgresStore(url(pg_cluster, ready, user=odd_role, password=ODD, form=form))
    with pytest.raises(StoreError) as no_tables:
        PostgresStore(url(pg_cluster, empty, user=odd_role, password=ODD, form=form))
    cell = history_function(StoreHistory(lambda: PostgresStore(url(pg_cluster, empty, password=ODD, form=form))))
    provenance = "\n".join(store_data(store).provenance)
    shown_nowhere(ODD, store.location, str(no_tables.value), cell("IWM"), provenance)
    assert "****" in store.location and "no Lazarus tables" in str(no_tables.value)
    assert cell("IWM").startswith("#N/A HISTORY:")


def test_a_password_with_a_stray_percent_is_a_store_error_that_does_not_show_it(pg_cluster):
    bad = f"postgresql://{OWNER}:owner%zz-pw-123@127.0.0.1:{pg_cluster.port}/postgres"
    with pytest.raises(StoreError) as caught:
        PostgresStore(bad)
    cell = history_function(StoreHistory(lambda: PostgresStore(bad)))("IWM")
    shown_nowhere("owner%zz-pw-123", str(caught.value), cell)
    assert cell.startswith("#N/A HISTORY:")


def test_a_pgpassword_value_echoed_back_is_masked(pg_cluster, monkeypatch):
    secret = "env-only-Secret-77"
    monkeypatch.setenv("PGPASSWORD", secret)
    with pytest.raises(StoreError):
        PostgresStore(f"postgresql://{OWNER}@127.0.0.1:{pg_cluster.port}/no_such_database")
    cell = history_function(lambda series: (_ for _ in ()).throw(StoreError(f"server said: {secret.upper()}")))
    shown_nowhere(secret, cell("IWM"))


def test_on_postgresql_an_id_holding_a_nul_fails_that_source_alone(pg_cluster, newsletter_server, tmp_path):
    store = PostgresStore(pg_cluster.url(pg_cluster.database()))
    odd = Source("IW\x00M", (VendorSymbol("yahoo", "IWM"),), "Prices", "odd")
    sources = [odd, *(Source(s, (VendorSymbol("yahoo", s),), "Prices", s) for s in ("IWM", "SPY"))]
    report = refresh(
        sources, store, config_for(newsletter_server, tmp_path), client=HttpClient(fast_settings()), today=TODAY
    )
    statuses = {status.source_id: status for status in report.statuses}
    assert not statuses["IW\x00M"].ok and "the store" in statuses["IW\x00M"].error
    assert statuses["IWM"].ok and statuses["SPY"].ok and statuses["SPY"].rows_added > 5000
    assert report.log_error == "" and [row.source for row in store.read_log()][-2:] == ["IWM", "SPY"]


def test_every_sqlite_driver_error_is_a_store_error(tmp_path):
    store = Store(tmp_path / "lazarus.sqlite")
    store.write_series("IWM", "yahoo", [(D(2024, 1, 2), 190.0)])
    with sqlite3.connect(tmp_path / "lazarus.sqlite") as con:  # a store damaged under a running add-in
        con.execute("DROP TABLE refresh_log")
        con.execute("ALTER TABLE observations RENAME TO gone")
    calls = {
        "last_date": lambda: store.last_date("IWM"),
        "kind": lambda: store.kind("IWM"),
        "rows_since": lambda: store.rows_since("IWM", D(2024, 1, 1)),
        "write_series": lambda: store.write_series("IWM", "yahoo", [(D(2024, 1, 3), 191.0)]),
        "append_log": lambda: store.append_log([(dt.datetime.now(dt.UTC), "IWM", "yahoo", 1, None, "ok")]),
        "read_series": lambda: store.read_series("IWM"),
    }
    for call in calls.values():
        with pytest.raises(StoreError, match=str(tmp_path / "lazarus.sqlite")):
            call()


@pytest.mark.slow
def test_build_names_the_store_it_read_without_its_password(pg_cluster, odd_role, tmp_path, capsys, monkeypatch):
    from addin import commands
    from addin.pipeline import sample

    ready = pg_cluster.database()
    sample.load_into(PostgresStore(url(pg_cluster, ready, form="userinfo")))  # the owner fills it
    pg_cluster.admin(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {odd_role}", ready)
    secret_url = url(pg_cluster, ready, user=odd_role, password=ODD, form="userinfo")
    monkeypatch.setenv("LAZARUS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LAZARUS_CONFIG", str(tmp_path / "none.toml"))
    assert commands.main(["build", "--store", secret_url, "--out", str(tmp_path / "book.xlsx")]) == 0
    out, err = capsys.readouterr()
    assert "from the store postgresql://odd:****@" in out
    shown_nowhere(ODD, out, err)
