"""Bring-your-own-key vendors: Tiingo, Stooq and Alpha Vantage, whose errors often come with HTTP 200."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from addin.pipeline.vendors import BadResponse, HttpClient, KeyRejected, MissingKey, NotFound, RateLimited
from addin.pipeline.vendors.alphavantage import AlphaVantageReader
from addin.pipeline.vendors.stooq import StooqReader
from addin.pipeline.vendors.tiingo import TiingoReader
from testkit.vendor_server import VendorServer, fast_settings, fixture

D = dt.date
TIINGO_KEY = "tiingo-0123456789abcdef0123456789abcdef"
STOOQ_KEY = "stooqKEY7f3a9c2e"
AV_KEY = "AVKEY9Z8Y7X6W5V4"
IBM = "alphavantage/av_TIME_SERIES_DAILY_IBM_compact_2024-06-18.json"


@pytest.fixture
def server():
    with VendorServer() as running:
        running.keys.update(tiingo=TIINGO_KEY, stooq=STOOQ_KEY)
        running.serve("tiingo:GOOGL", fixture("tiingo/tiingo_daily_prices_GOOGL_2015-01-01_05.body.json"))
        running.serve("stooq:spy.us", fixture("stooq/stooq_spy_us_d_2024-07-01_19.csv"), content_type="text/csv")
        running.serve("alphavantage:IBM", fixture(IBM), content_type="application/json")
        yield running


def client() -> HttpClient:
    return HttpClient(fast_settings())


def test_tiingo_raw_and_adjusted_close_with_the_key_in_a_header(server):
    reader = TiingoReader(client(), base_url=server.url, key=TIINGO_KEY)
    assert reader.fetch("GOOGL", D(2015, 1, 1), D(2015, 1, 5)) == [(D(2015, 1, 2), 529.55), (D(2015, 1, 5), 519.46)]
    assert reader.fetch("GOOGL", D(2015, 1, 1), field="adjclose")[1] == (D(2015, 1, 5), 519.46)
    hit = server.hits[0]
    assert hit.path == "/tiingo/daily/googl/prices"
    assert hit.headers["Authorization"] == f"Token {TIINGO_KEY}" and "token" not in hit.query
    assert hit.query["startDate"] == "2015-01-01" and hit.query["endDate"] == "2015-01-05"


def test_tiingo_refused_key_and_unknown_ticker(server):
    with pytest.raises(KeyRejected) as caught:
        TiingoReader(client(), base_url=server.url, key="wrong-key-123456").fetch("GOOGL")
    assert "wrong-key-123456" not in str(caught.value)
    with pytest.raises(NotFound, match="Tiingo, ZZZZ"):
        TiingoReader(client(), base_url=server.url, key=TIINGO_KEY).fetch("ZZZZ")


def test_stooq_csv_with_crlf_gives_its_adjusted_closes(server):
    rows = StooqReader(client(), base_url=server.url, key=STOOQ_KEY).fetch("spy.us", D(2024, 7, 1), D(2024, 7, 19))
    assert rows[0] == (D(2024, 7, 1), 540.225) and rows[-1] == (D(2024, 7, 19), 543.841) and len(rows) == 14
    assert server.hits[0].query == {"s": "spy.us", "i": "d", "apikey": STOOQ_KEY, "d1": "20240701", "d2": "20240719"}


def test_stooq_200_key_gate_and_no_data_are_errors_not_data(server):
    with pytest.raises(KeyRejected, match="API-key instructions") as caught:
        StooqReader(client(), base_url=server.url, key="notTheRightKey1").fetch("spy.us")
    assert "notTheRightKey1" not in str(caught.value)
    with pytest.raises(NotFound, match="Stooq answered 'No data'"):
        StooqReader(client(), base_url=server.url, key=STOOQ_KEY).fetch("zzzz.us")


def test_alphavantage_compact_daily_newest_first_becomes_oldest_first(server):
    rows = AlphaVantageReader(client(), base_url=server.url, key=AV_KEY).fetch("IBM")
    assert len(rows) == 100
    assert rows[-1] == (D(2024, 6, 18), 170.55) and rows[-2] == (D(2024, 6, 17), 169.5)
    assert rows == sorted(rows)
    assert server.hits[0].query["function"] == "TIME_SERIES_DAILY"


@pytest.mark.parametrize(
    ("body", "error", "words"),
    [
        ("av_rate_limit_note_legacy_5_per_min_500_per_day.json", RateLimited, "quota is used up"),
        ("av_error_invalid_api_call.json", NotFound, "rejected the call"),
    ],
)
def test_alphavantage_200_error_bodies_recorded(server, body, error, words):
    server.serve("alphavantage:IBM", fixture(f"alphavantage/{body}"))
    with pytest.raises(error, match=words):
        AlphaVantageReader(client(), base_url=server.url, key=AV_KEY).fetch("IBM")


@pytest.mark.parametrize(
    ("key", "template", "error"),
    [
        # Texts from av_message_variants.txt (the variants file lists them; only their JSON key matters).
        ("Information", "Thank you for using Alpha Vantage! Our standard API rate limit is 25 requests per day.",
         RateLimited),
        ("Information", "We have detected your API key as {KEY} and our standard API rate limit is 25 requests "
         "per day.", RateLimited),
        ("Information", "Thank you for using Alpha Vantage! This is a premium endpoint.", BadResponse),
        ("Error Message", "the parameter apikey is invalid or missing. Please claim your free API key", KeyRejected),
    ],
    ids=["daily-quota", "key-echo", "premium", "bad-key"],
)  # fmt: skip
def test_alphavantage_message_variants_match_on_the_key_and_never_echo_the_key(server, key, template, error):
    server.serve("alphavantage:IBM", json.dumps({key: template.replace("{KEY}", AV_KEY)}).encode())
    with pytest.raises(error) as caught:
        AlphaVantageReader(client(), base_url=server.url, key=AV_KEY).fetch("IBM")
    assert str(caught.value).startswith("Alpha Vantage, IBM: ")
    assert AV_KEY not in str(caught.value) and AV_KEY not in repr(caught.value)


@pytest.mark.parametrize("reader_class", [TiingoReader, StooqReader, AlphaVantageReader])
def test_keyed_readers_without_a_key_fail_before_any_request(server, reader_class):
    with pytest.raises(MissingKey, match="needs a"):
        reader_class(client(), base_url=server.url).fetch("SPY")
    assert server.hits == []


def test_every_key_variable_is_named_the_same_in_the_code_the_help_the_settings_file_and_the_readme(capsys, tmp_path):
    import re
    from pathlib import Path

    from addin.commands import main
    from addin.pipeline.config import config_template, load_config
    from addin.pipeline.vendors import READERS, key_settings

    keyed = [reader for reader in READERS.values() if reader.key_setting]
    assert {reader.key_setting.name for reader in keyed} == {"fred", "tiingo", "stooq", "alphavantage"}
    assert len({key.name for key in key_settings()}) == len(key_settings())  # one declaration per key name
    with pytest.raises(SystemExit):
        main(["refresh", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    template = config_template()
    for key in key_settings():
        lazarus, customary = key.variables
        assert (lazarus, customary) == (f"LAZARUS_{key.name.upper()}_API_KEY", f"{key.name.upper()}_API_KEY")
        # What the code reads: both names, Lazarus's own winning.
        env = {"LAZARUS_CONFIG": str(tmp_path / "none.toml"), customary: "customary-0123456789"}
        assert load_config(env).key(key.name) == "customary-0123456789"
        assert load_config({**env, lazarus: "lazarus-0123456789"}).key(key.name) == "lazarus-0123456789"
        # What the user is told: the help, the Settings file and the missing-key message.
        assert f"{lazarus} (or {customary})" in shown
        assert f'# {key.name} = "your {key.label}"   # or set {lazarus}' in template
    for reader in keyed:
        with pytest.raises(MissingKey, match=reader.key_setting.variable):
            reader(client()).fetch("X")
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\b[A-Z_]+_API_KEY\b", readme))
    assert named and named <= {variable for key in key_settings() for variable in key.variables}
    assert "LAZARUS_FRED_API_KEY" in named
