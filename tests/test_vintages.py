"""As it was published: a refresh against the local vendor server stores UNRATE's vintages (FRED API real-time
periods built from two real snapshots), and every as-of answer gives the value known that day, on SQLite and on
PostgreSQL alike. Expected figures come from the snapshot files and FRED's own real-time Sahm series
(SAHMREALTIME), read here independently of the code under test."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from addin.pipeline import sample
from addin.pipeline.history import StoreHistory
from addin.pipeline.store import Store
from addin.pipeline.store.base import Vintage, new_vintages
from addin.pipeline.vendors import HttpClient
from addin.pipeline.vendors.fred_api import FredApiReader
from testkit.vendor_server import fast_settings, realtime_periods, unrate_snapshots
from tests import realdata
from tests.test_refresh import config_for
from udfs import cells
from udfs.history import Stored, Vintages, as_known, history_function, vintage_functions
from udfs.inputs import date_to_serial
from udfs.macro import sahm_rule
from workbook.catalogue import CATALOGUE

D = dt.date
VINTAGES = Path(__file__).parent / "data" / "fred" / "vintages"
KEY = "abcdefghijklmnopqrstuvwxyz012345"  # FRED keys are 32 lower-case alphanumerics
JULY = D(2024, 7, 1)
UNRATE = next(source for source in CATALOGUE if source.id == "UNRATE")


def snapshot(name: str, column: str) -> dict[D, float]:
    """One snapshot file as {date: value}, read with the csv module (not the code under test)."""
    with (VINTAGES / name).open(newline="") as handle:
        return {D.fromisoformat(row[next(iter(row))]): float(row[column]) for row in csv.DictReader(handle)}


def sahm_realtime() -> dict[D, float]:
    return snapshot("SAHMREALTIME_2024-10_dberweger2017.csv", "SAHMREALTIME")


def sahm_by_hand(rates: list[float]) -> float:
    """The Sahm rule on the latest month, as SPEC.md defines it with no month missing: a naive loop."""
    means = [sum(rates[t - 2 : t + 1]) / 3 for t in range(2, len(rates))]
    return means[-1] - min(means[-13:-1])


def refresh_unrate(server, tmp_path, store):
    from addin.pipeline.refresh import refresh

    server.keys["fred"] = KEY
    server.fred_vintages.setdefault("UNRATE", list(unrate_snapshots()))
    config = config_for(server, tmp_path, fred=KEY)
    return refresh([UNRATE], store, config, client=HttpClient(fast_settings()), today=D(2026, 11, 24))


def known_on(store, as_of: str, until: D | None = None) -> list[list]:
    rows = history_function(StoreHistory(lambda: store))("UNRATE", None, until and date_to_serial(until), as_of)
    assert isinstance(rows, list), rows
    return rows[1:]


def check_the_answers(store) -> None:
    """What the issue's "done" asks, on a store filled by a refresh."""
    july = date_to_serial(JULY)
    for as_of, expected in (("2024-10-04", 4.3), ("2024-12-31", 4.3), ("2025-01-20", 4.2), ("2026-06-01", 4.2)):
        (row,) = [row for row in known_on(store, as_of) if row[0] == july]
        assert row[1] == expected, as_of
    # The day before the first stored vintage, July is out by its publication delay, with its earliest stored value.
    assert next(row for row in known_on(store, "2024-10-03") if row[0] == july) == [
        july,
        4.3,
        "publication delay (38 days)",
    ]

    realtime = sahm_realtime()
    as_of_oct = known_on(store, "2024-10-04")
    assert as_of_oct[-1][0] == date_to_serial(D(2024, 9, 1))  # September was out on 2024-10-04, from the vintage
    for month in (JULY, D(2024, 9, 1)):
        rates = [value for day, value, _ in as_of_oct if day <= date_to_serial(month)]
        assert round(sahm_rule(np.array(rates)), 2) == realtime[month]
        assert round(sahm_by_hand(rates), 2) == realtime[month]
    assert realtime[JULY] == 0.53 and realtime[D(2024, 9, 1)] == 0.5

    releases, _ = vintage_functions(StoreHistory(lambda: store))
    table = releases("UNRATE", "2024-07-01")
    assert [row[1] for row in table[1:]][-2:] == [4.3, 4.2]


def test_the_server_answers_real_time_requests_as_fred_does(newsletter_server):
    """Periods built from the snapshots: July 2024 held 4.3 from 2024-10-04 to 2025-01-19, then 4.2 with no end."""
    periods = [p for p in realtime_periods(list(unrate_snapshots())) if p[0] == JULY]
    assert periods == [(JULY, D(2024, 10, 4), D(2025, 1, 19), 4.3), (JULY, D(2025, 1, 20), D(9999, 12, 31), 4.2)]
    newsletter_server.keys["fred"] = KEY
    newsletter_server.fred_vintages["UNRATE"] = list(unrate_snapshots())
    reader = FredApiReader(HttpClient(fast_settings()), base_url=newsletter_server.url, key=KEY)
    rows = reader.fetch_vintages("UNRATE")
    assert (JULY, D(2024, 10, 4), 4.3) in rows and (JULY, D(2025, 1, 20), 4.2) in rows
    # Asked from 2025-01-01 on, FRED clips the 2024-10-04 period to the window: its start reads 2025-01-01.
    later = reader.fetch_vintages("UNRATE", D(2025, 1, 1))
    assert [row for row in later if row[0] == JULY] == [(JULY, D(2025, 1, 1), 4.3), (JULY, D(2025, 1, 20), 4.2)]
    hit = newsletter_server.hits_for("fred_api:UNRATE")[-1]
    assert hit.query["realtime_start"] == "2025-01-01" and hit.query["realtime_end"] == "9999-12-31"
    body = json.loads(newsletter_server._answer("/fred/series/observations", hit.query, {})[1][1])
    assert body["output_type"] == 1 and body["count"] == len(later)


def test_refresh_stores_each_vintage_once_and_as_of_answers_with_the_value_known_that_day(newsletter_server, tmp_path):
    store = Store(tmp_path / "lazarus.sqlite")
    report = refresh_unrate(newsletter_server, tmp_path, store)
    assert report.ok and [v.ok for v in report.vintages] == [True]
    first, second = (
        snapshot("UNRATE_vintage_2024-10-04_dberweger2017.csv", "UNRATE"),
        snapshot("UNRATE_realtime_2025-01-20_giorgi-ghviniashvili.csv", "value"),
    )
    changed = [day for day in second if first.get(day) != second[day]]
    # One row per published value: the first snapshot whole, then only what the second changed or added.
    assert report.vintages[0].added == len(first) + len(changed) == len(store.read_vintages("UNRATE"))
    assert any(
        row.source == "UNRATE vintages" and row.rows_added == len(first) + len(changed) for row in store.read_log()
    )
    check_the_answers(store)

    # Before the first stored vintage the publication delay rules: 2024-07-16 sees June, and the Sahm rule is 0.43.
    as_of_july = known_on(store, "2024-07-16")
    assert as_of_july[-1][0] == date_to_serial(D(2024, 6, 1)) and as_of_july[-1][2] == "publication delay (38 days)"
    assert round(sahm_rule(np.array([row[1] for row in as_of_july])), 2) == 0.43

    # A second refresh asks from the newest stored vintage on and adds nothing: nothing new was published.
    again = refresh_unrate(newsletter_server, tmp_path, store)
    assert again.vintages[0].added == 0
    assert newsletter_server.hits_for("fred_api:UNRATE")[-1].query["realtime_start"] == "2025-01-20"


def test_a_new_release_adds_one_vintage_not_a_copy_of_the_series(newsletter_server, tmp_path):
    store = Store(tmp_path / "lazarus.sqlite")
    refresh_unrate(newsletter_server, tmp_path, store)
    before = len(store.read_vintages("UNRATE"))
    latest = dict(unrate_snapshots()[-1][1])
    newsletter_server.fred_vintages["UNRATE"].append((D(2025, 2, 7), sorted({**latest, D(2025, 1, 1): 4.0}.items())))
    report = refresh_unrate(newsletter_server, tmp_path, store)
    newsletter_server.fred_vintages["UNRATE"].pop()
    assert report.vintages[0].added == 1 and len(store.read_vintages("UNRATE")) == before + 1
    assert store.read_vintages("UNRATE")[-1] == Vintage(D(2025, 1, 1), D(2025, 2, 7), 4.0)


def test_without_a_fred_key_there_are_no_vintages_and_as_of_says_it_used_the_publication_delay(
    newsletter_server, tmp_path
):
    from addin.pipeline.refresh import refresh

    store = Store(tmp_path / "lazarus.sqlite")
    report = refresh([UNRATE], store, config_for(newsletter_server, tmp_path), client=HttpClient(fast_settings()))
    assert report.ok and not report.vintages[0].ok and "FRED API key" in report.vintages[0].status
    assert store.read_vintages("UNRATE") == []
    rows = known_on(store, "2024-10-04")
    assert {row[2] for row in rows} == {"publication delay (38 days)"}
    assert rows[-1][0] == date_to_serial(D(2024, 8, 1))  # September 2024 + 38 days is after 2024-10-04
    assert "no stored vintages" in vintage_functions(StoreHistory(lambda: store))[0]("UNRATE", "2024-07-01")


def test_postgresql_and_sqlite_agree_on_every_vintage_and_answer(pg_cluster, newsletter_server, tmp_path):
    from addin.pipeline.store.postgres import PostgresStore

    lite = Store(tmp_path / "lazarus.sqlite")
    server = PostgresStore(pg_cluster.url(pg_cluster.database()))
    refresh_unrate(newsletter_server, tmp_path, lite)
    refresh_unrate(newsletter_server, tmp_path, server)
    assert server.read_vintages("UNRATE") == lite.read_vintages("UNRATE")
    assert server.last_vintage("UNRATE") == lite.last_vintage("UNRATE") == D(2025, 1, 20)
    check_the_answers(server)
    for as_of in ("2024-07-16", "2024-10-04", "2025-01-20"):
        assert known_on(server, as_of) == known_on(lite, as_of)


def test_the_bundled_sample_carries_the_vintages(tmp_path):
    store = Store(tmp_path / "lazarus.sqlite")
    sample.load_into(store)
    check_the_answers(store)
    # In a sheet: =SAHM_RULE(INDEX(HISTORY("UNRATE",,"2024-09-01","2024-10-04"),0,2)), the header skipped as text.
    table = history_function(StoreHistory(lambda: store))("UNRATE", None, "2024-09-01", "2024-10-04")
    assert round(cells.SAHM_RULE([[row[1]] for row in table]), 2) == sahm_realtime()[D(2024, 9, 1)]
    _, first_release = vintage_functions(StoreHistory(lambda: store))
    table = first_release("UNRATE", "2024-06-01", "2024-09-01")
    assert table == [
        ["Date", "UNRATE"],
        *[[date_to_serial(D(2024, m, 1)), v] for m, v in zip((6, 7, 8, 9), (4.1, 4.3, 4.2, 4.1), strict=True)],
    ]


def test_a_value_never_revised_is_stored_once():
    old = [Vintage(JULY, D(2024, 8, 2), 4.3)]
    rows = [(JULY, D(2024, 9, 6), 4.3), (JULY, D(2025, 1, 10), 4.2), (JULY, D(2025, 1, 10), 4.2)]
    assert new_vintages("UNRATE", rows, old) == [Vintage(JULY, D(2025, 1, 10), 4.2)]
    with pytest.raises(ValueError, match="finite"):
        new_vintages("UNRATE", [(JULY, D(2024, 8, 2), float("inf"))], [])


def test_the_earliest_vintage_answers_where_no_vintage_was_known_yet():
    """Rule 2 of SPEC.md: a date first stored in a later vintage counts once its publication delay has passed."""
    day, known = date_to_serial(JULY), date_to_serial(D(2024, 10, 4))
    vintages = Vintages(np.array([day]), np.array([known]), np.array([4.3]))
    stored = Stored(np.array([day]), np.array([4.2]), 38, vintages)
    assert as_known(stored, day + 37)[0].tolist() == []
    _, values, rules = as_known(stored, day + 38)
    assert values.tolist() == [4.3] and rules == ["publication delay (38 days)"]
    assert as_known(stored, known)[2] == ["vintage of 2024-10-04"]


@pytest.fixture(scope="module")
def offline():
    from addin.pipeline.workbook_data import offline_data

    return offline_data()


def dashboard_answers(inputs, as_of: D) -> dict[str, object]:
    from workbook import direct, engine
    from workbook.layout import build_book

    book = build_book(inputs.data, as_of, inputs.source_rows, inputs.log_rows, vintages=inputs.vintages)
    results = direct.calculate(book)
    keys = ("sahm", "sahm_known", "sahm_rule")
    return {key: engine.plain(results[book.answers[key][0]].get(_cell(book.answers[key][1]))) for key in keys}


def _cell(address: str) -> tuple[int, int]:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    letters, row = coordinate_from_string(address)
    return row, column_index_from_string(letters)


def test_the_dashboard_shows_the_sahm_rule_as_known_that_day_beside_the_revised_one(offline):
    """The offline sample: on 2024-10-04 September's Sahm rule as published that day is SAHMREALTIME's 0.50."""
    october = dashboard_answers(offline, D(2024, 10, 4))
    assert round(october["sahm_known"], 2) == sahm_realtime()[D(2024, 9, 1)] == 0.5
    assert october["sahm_rule"] == "UNRATE to 2024-09 as published 2024-10-04"
    assert round(october["sahm"], 2) != 0.5  # the revised figure, on what the publication delay lets through
    july = dashboard_answers(offline, D(2024, 7, 16))
    assert round(july["sahm"], 2) == 0.43 and july["sahm_known"] == "no vintage stored by then"
    assert july["sahm_rule"] == "revised data, publication delays"
    assert dashboard_answers(offline, D(2025, 1, 20))["sahm_known"] == "same as revised"


def claims_answers(inputs, as_of: D, key: str) -> dict[str, object]:
    """Row `key` of the Claims sheet on `as_of`, by the formulas engine: measured, verdict, data to, data used."""
    from workbook import direct, engine

    book = inputs.book(as_of)
    results = direct.calculate(book)
    columns = ("claim", "verdict", "data_to", "data_used")
    return {
        column: engine.plain(results[book.answers[f"{column}_{key}"][0]].get(_cell(book.answers[f"{column}_{key}"][1])))
        for column in columns
    }


def test_the_claims_sheet_measures_unemployment_as_known_that_day(offline):
    """The Sahm rule and the quarter's change on the Claims sheet: on UNRATE as published on 2024-10-04 that day
    (September's Sahm rule is SAHMREALTIME's 0.50), on today's revised data with publication delays before the first
    stored vintage (June 2024's 0.43) and where the newest vintage stops before the latest month published."""
    october = claims_answers(offline, D(2024, 10, 4), "sahm")
    assert round(october["claim"], 2) == sahm_realtime()[D(2024, 9, 1)] == 0.5
    assert october["verdict"] == "SIGNAL"  # 0.50 as shown: the rule is met
    assert october["data_to"] == date_to_serial(D(2024, 9, 1))  # published that day: the delay alone stops at August
    assert october["data_used"] == "UNRATE as published 2024-10-04"
    published = snapshot("UNRATE_vintage_2024-10-04_dberweger2017.csv", "UNRATE")
    quarter = claims_answers(offline, D(2024, 10, 4), "unemployment_q2")
    assert quarter["claim"] == pytest.approx(published[D(2024, 9, 1)] / published[D(2024, 6, 1)] - 1, abs=1e-12)
    assert quarter["data_used"] == "UNRATE as published 2024-10-04"

    dates, rates = realdata.unrate()  # today's vintage
    june = [rate for day, rate in zip(dates, rates, strict=True) if day <= D(2024, 6, 1)]
    july = claims_answers(offline, D(2024, 7, 16), "sahm")
    assert round(july["claim"], 2) == round(sahm_by_hand(june), 2) == 0.43
    assert july["verdict"] == "NO SIGNAL" and july["data_to"] == date_to_serial(D(2024, 6, 1))
    assert july["data_used"] == "revised data, publication delays"

    # On 2025-09-25 August 2025 is out, and the newest stored vintage (2025-01-20) stops at December 2024.
    august = [rate for day, rate in zip(dates, rates, strict=True) if day <= D(2025, 8, 1)]
    latest = claims_answers(offline, D(2025, 9, 25), "sahm")
    assert latest["claim"] == pytest.approx(sahm_by_hand(august), abs=1e-12)
    assert latest["data_to"] == date_to_serial(D(2025, 8, 1))
    assert latest["data_used"] == "revised data, publication delays"


def test_the_copy_for_colleagues_keeps_the_sahm_rule_as_known_that_day(offline, tmp_path):
    from workbook import direct, engine
    from workbook.export import book_from_file
    from workbook.layout import build_book
    from workbook.xlsx import write_book

    book = build_book(offline.data, D(2024, 10, 4), offline.source_rows, offline.log_rows, vintages=offline.vintages)
    write_book(book, tmp_path / "lazarus.xlsx", {})
    again = book_from_file(tmp_path / "lazarus.xlsx")
    sheet, address = again.answers["sahm_known"]
    assert round(engine.plain(direct.calculate(again)[sheet][_cell(address)]), 2) == 0.5


def test_store_init_brings_a_version_1_server_to_the_schema_with_vintages(pg_cluster):
    from addin.pipeline.store.postgres import SCHEMA_VERSION, PostgresStore

    url = pg_cluster.url(pg_cluster.database())
    store = PostgresStore(url)
    with store._cursor("making it version 1") as cur:  # what a store created by the previous release holds
        cur.execute("DROP TABLE vintages; UPDATE lazarus_schema SET version = 1")
    old = PostgresStore(url)
    old.write_series("UNRATE", "fred", [(JULY, 4.2)])
    # Before `store init`, every series but the revised ones still answers.
    old.write_series("IWM", "yahoo", [(D(2024, 7, 16), 224.6)])
    assert history_function(StoreHistory(lambda: old))("IWM")[1:] == [[date_to_serial(D(2024, 7, 16)), 224.6]]
    assert old.init() == f"brought the store {old.location} from schema version 1 to {SCHEMA_VERSION}"
    assert old.schema_version() == SCHEMA_VERSION == 2
    assert old.write_vintages("UNRATE", "fred_api", [(JULY, D(2024, 8, 2), 4.3)]) == 1
    assert old.read_series("UNRATE") == [(JULY, 4.2)] and old.read_vintages("UNRATE") == [(JULY, D(2024, 8, 2), 4.3)]


def test_lazarus_refresh_says_what_the_vintage_pass_added_or_why_there_is_none(
    newsletter_server, cli_env, capsys, monkeypatch
):
    from addin.commands import main

    assert main(["refresh", "--only", "UNRATE"]) == 0
    assert "Vintages: none fetched (they need a FRED API key)" in capsys.readouterr().out
    newsletter_server.keys["fred"] = KEY
    newsletter_server.fred_vintages["UNRATE"] = list(unrate_snapshots())
    monkeypatch.setenv("LAZARUS_FRED_API_KEY", KEY)
    assert main(["refresh", "--only", "UNRATE"]) == 0
    stored = Store(cli_env / "data" / "lazarus.sqlite").read_vintages("UNRATE")
    assert f"Vintages (values as first published and revised): UNRATE +{len(stored)}" in capsys.readouterr().out
