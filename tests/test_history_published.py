"""HISTORY's as_of through the real provider: the bundled sample loaded into a real SQLite store, the publication
delay taken from the catalogue (Source.published_days), never assumed. The sample keeps UNRATE's vintages from
2024-10-04 on, so a month published before then reads its earliest stored vintage once its delay has passed (SPEC.md,
"As known on a day", rule 2): the values below are read from that snapshot file, not from today's revised series."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from addin.pipeline import sample
from addin.pipeline.history import StoreHistory
from addin.pipeline.store import Store
from tests import realdata
from udfs.history import history_function
from udfs.inputs import date_to_serial

D = dt.date


VINTAGE = Path(__file__).parent / "data" / "fred" / "vintages" / "UNRATE_vintage_2024-10-04_dberweger2017.csv"


def first_published() -> dict[dt.date, float]:
    with VINTAGE.open(newline="") as handle:
        return {dt.date.fromisoformat(row["DATE"]): float(row["UNRATE"]) for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("published") / "lazarus.sqlite")
    sample.load_into(store)
    return history_function(StoreHistory(lambda: store))


def test_unrate_as_of_2024_07_16_stops_at_june_because_july_came_out_on_2024_08_02(history):
    # BLS released June 2024 on 2024-07-05 and July 2024 on 2024-08-02: on 2024-07-16 only May and June were out.
    table = history("UNRATE", "2024-05-01", None, "2024-07-16")
    known = first_published()
    rule = "publication delay (38 days)"
    assert table == [
        ["Date", "UNRATE", "Rule"],
        [date_to_serial(D(2024, 5, 1)), known[D(2024, 5, 1)], rule],
        [date_to_serial(D(2024, 6, 1)), known[D(2024, 6, 1)], rule],
    ]
    # May 2024 was published as 4.0 and revised to 3.9 in January 2025: the replay reads what was out then.
    assert [row[1] for row in table[1:]] == [4.0, 4.1]


def test_july_appears_once_the_catalogues_delay_has_passed(history):
    # The catalogue's 38 days after 2024-07-01 is 2024-08-08 (conservative: the release was 2024-08-02).
    assert D(2024, 7, 1) + dt.timedelta(days=38) == D(2024, 8, 8)
    rule = "publication delay (38 days)"
    june, july = [date_to_serial(D(2024, 6, 1)), 4.1, rule], [date_to_serial(D(2024, 7, 1)), 4.3, rule]
    assert history("UNRATE", "2024-06-01", None, "2024-08-07")[1:] == [june]
    assert history("UNRATE", "2024-06-01", "2024-07-31", "2024-08-08")[1:] == [june, july]


def test_market_closes_are_known_on_their_own_day(history):
    table = history("IWM", "2024-07-16", None, "2024-07-16")
    closes = dict(zip(*realdata.iwm(), strict=True))
    assert closes[D(2024, 7, 16)] == 224.600006  # the file keeps Yahoo's float text
    assert table[1:] == [[date_to_serial(D(2024, 7, 16)), 224.600006, "publication delay (0 days)"]]
