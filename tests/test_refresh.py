"""Refresh end to end against the local vendor server: every catalogue source from real data, incremental
requests, fallbacks, failures that keep old data, concurrency, config and the `lazarus refresh` command."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sqlite3
from pathlib import Path

import pytest

from addin.commands import main
from addin.commands.refresh import epilog
from addin.pipeline.config import Config, config_template, load_config
from addin.pipeline.refresh import refresh, summary_rows
from addin.pipeline.secrets import redact
from addin.pipeline.sources import load_sources
from addin.pipeline.store import Store, StoreBusy
from addin.pipeline.vendors import READERS, HttpClient, KeySetting, MissingKey
from addin.pipeline.vendors.fred_csv import FredCsvReader
from testkit.vendor_server import (
    DATA,
    YAHOO_OUTAGE_HTML,
    Fault,
    VendorServer,
    fast_settings,
    fixture,
    load_fred_csv,
    load_newsletter_data,
    load_price_csv,
)
from workbook.catalogue import CATALOGUE, Source, VendorSymbol, source_rows

D = dt.date
TODAY = D(2026, 11, 24)
STOOQ_KEY = "stooqKEY7f3a9c2e"


@pytest.fixture
def server(newsletter_server):
    return newsletter_server


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "lazarus.sqlite")


def config_for(server: VendorServer, tmp_path: Path, **keys: str) -> Config:
    return Config(data_dir=tmp_path, keys=keys, base_urls=server.base_urls())


def run_refresh(server, store, tmp_path, sources=None, settings=None, **keys):
    return refresh(
        sources,
        store,
        config_for(server, tmp_path, **keys),
        client=HttpClient(settings or fast_settings()),
        today=TODAY,
    )


def by_id(report):
    return {status.source_id: status for status in report.statuses}


@pytest.fixture(scope="module")
def first_refresh(running_vendor_server, tmp_path_factory):
    """One first refresh of the 13 sources, made once per module: (its store file, its report)."""
    running_vendor_server.reset()
    load_newsletter_data(running_vendor_server)
    folder = tmp_path_factory.mktemp("first-refresh")
    report = run_refresh(running_vendor_server, Store(folder / "lazarus.sqlite"), folder)
    assert report.ok, summary_rows(report)
    return folder / "lazarus.sqlite", report


@pytest.fixture
def refreshed(first_refresh, server, store):
    """``store`` as the first refresh left it (a copy of `first_refresh`'s); returns that refresh's report. The
    server is reset, so its hits are this test's only."""
    path, report = first_refresh
    copy_store(path, store.path)
    return report


def copy_store(source: Path, target: Path) -> None:
    """Copy a SQLite store with SQLite's backup (whole, whatever its journal holds)."""
    from_db, to_db = sqlite3.connect(source), sqlite3.connect(target)
    try:
        from_db.backup(to_db)
    finally:
        from_db.close()
        to_db.close()


def test_first_refresh_fills_the_store_with_every_newsletter_series(store, refreshed):
    report = refreshed
    assert report.ok, summary_rows(report)
    status = by_id(report)
    assert [s.source_id for s in report.statuses] == [s.id for s in CATALOGUE]
    assert {s.vendor for s in report.statuses if s.sheet == "Prices"} == {"yahoo"}
    assert {s.vendor for s in report.statuses if s.sheet != "Prices"} == {"fred"}
    # Stored values are the real files' values, independently read here.
    iwm = dict(store.read_series("IWM"))
    assert iwm[D(2024, 7, 8)] == 202.279999 and iwm[D(2024, 7, 16)] == 224.600006
    assert len(iwm) == len(load_price_csv(DATA / "prices" / "IWM_chenc319-Silverlight.csv")) == status["IWM"].rows_added
    t10y2y = dict(store.read_series("T10Y2Y"))
    assert t10y2y[D(2024, 7, 4)] is None and t10y2y[D(2024, 8, 27)] == 0.0 and t10y2y[D(2024, 9, 5)] == -0.02
    real = load_fred_csv(DATA / "fred" / "T10Y2Y_qie2003.csv")
    assert len(t10y2y) == len(real) and sum(v is not None for v in t10y2y.values()) == sum(
        v is not None for _, v in real
    )
    unrate = dict(store.read_series("UNRATE"))
    assert unrate[D(2025, 10, 1)] is None and unrate[D(2024, 7, 1)] == 4.2  # shutdown month missing, not 0
    assert status["IWM"].last_date == D(2025, 9, 26) and status["T10Y2Y"].last_date == D(2026, 7, 31)
    assert status["ICSA"].rows_added == 3043 and status["BAMLH0A0HYM2"].last_date == D(2024, 7, 10)


def test_second_refresh_asks_only_for_the_last_month_and_moves_under_5_percent_of_the_bytes(
    server, store, tmp_path, refreshed
):
    first = refreshed
    second = run_refresh(server, store, tmp_path)
    assert second.ok and all(s.rows_added == 0 and s.rows_revised == 0 for s in second.statuses)
    assert second.bytes_received < 0.05 * first.bytes_received
    later = server.hits
    fred = next(h for h in later if h.route == "fred:T10Y2Y")
    assert fred.query == {"id": "T10Y2Y", "cosd": "2026-06-30", "coed": "2026-11-24"}  # 2026-07-31 minus 31 days
    yahoo = next(h for h in later if h.route == "yahoo:IWM")
    assert yahoo.query["period1"] == str(int(dt.datetime(2025, 8, 26, tzinfo=dt.UTC).timestamp()))


def test_overlap_picks_up_a_revised_value_and_a_new_day(server, store, tmp_path, refreshed):
    server.fred["UNRATE"] = [*server.fred["UNRATE"][:-1], (D(2026, 3, 1), 4.4), (D(2026, 4, 1), 4.5)]
    report = run_refresh(server, store, tmp_path)
    status = by_id(report)["UNRATE"]
    assert (status.rows_added, status.rows_revised, status.last_date) == (1, 1, D(2026, 4, 1))
    revision = store.revisions("UNRATE")[0]
    assert (revision.date, revision.old_value, revision.new_value) == (D(2026, 3, 1), 4.3, 4.4)


def test_a_failed_series_keeps_all_its_old_rows_and_says_why(server, store, tmp_path, refreshed):
    before = store.read_rows("UNRATE")
    server.serve("fred:UNRATE", b"observation_date,UNRATE_NSA\n2026-04-01,4.5\n")  # a renamed column
    report = run_refresh(server, store, tmp_path)
    status = by_id(report)["UNRATE"]
    assert not status.ok and not report.ok and status.vendor is None and status.rows_added == 0
    assert status.error == (
        "FRED, UNRATE: the CSV header changed: expected 'observation_date,UNRATE' (or 'DATE,UNRATE'), got "
        "'observation_date,UNRATE_NSA'. The data was not used; the stored copy is unchanged. | "
        "FRED API: skipped (no API key configured)"
    )
    assert status.last_date == D(2026, 3, 1)
    assert store.read_rows("UNRATE") == before
    assert all(s.ok for s in report.statuses if s.source_id != "UNRATE")


def test_fred_outage_falls_back_to_treasury_with_identical_numbers(server, store, tmp_path):
    server.treasury[2024] = fixture("treasury/treasury_par_yield_2024-09_10_readme_sample.csv")
    sources = [s for s in CATALOGUE if s.id in ("T10Y2Y", "DGS10")]
    for series in ("T10Y2Y", "DGS10"):
        # FRED has history up to mid-September 2024, then shows an outage page.
        server.fred[series] = [(d, v) for d, v in server.fred[series] if d <= D(2024, 9, 13)]
    assert run_refresh(server, store, tmp_path, sources).ok
    server.fault("fred:T10Y2Y", Fault(200, b"<html><body>Service Unavailable</body></html>", content_type="text/html"))
    server.fault("fred:DGS10", *[Fault(500, b"Internal Server Error")] * 3)
    report = run_refresh(server, store, tmp_path, sources)
    status = by_id(report)
    assert report.ok and status["T10Y2Y"].vendor == status["DGS10"].vendor == "treasury"
    assert "FRED, T10Y2Y: returned a web page" in status["T10Y2Y"].attempts[0]
    assert status["T10Y2Y"].rows_added == status["DGS10"].rows_added == 16
    real = dict(load_fred_csv(DATA / "fred" / "T10Y2Y_qie2003.csv"))
    stored = dict(store.read_series("T10Y2Y"))
    assert all(stored[day] == real[day] for day in stored if day >= D(2024, 9, 16))
    assert store.read_rows("T10Y2Y")[-1].vendor == "treasury"


def test_yahoo_failure_skips_keyless_fallbacks_and_uses_stooq_when_its_key_exists(server, store, tmp_path):
    server.keys["stooq"] = STOOQ_KEY
    server.serve("stooq:spy.us", fixture("stooq/stooq_spy_us_d_2024-07-01_19.csv"))
    server.fault("yahoo:SPY", *[Fault(503, b"down")] * 3)
    spy = next(s for s in CATALOGUE if s.id == "SPY")
    status = run_refresh(server, store, tmp_path, [spy], stooq=STOOQ_KEY).statuses[0]
    assert status.ok and status.vendor == "stooq" and status.rows_added == 14
    assert status.attempts == (
        "Yahoo, SPY: answered HTTP 503 (server error) (tried 3 times). The vendor seems to be down or slow; try "
        "again later.",
        "Tiingo: skipped (no API key configured)",
    )
    assert store.read_series("SPY")[0] == (D(2024, 7, 1), 540.225)


def test_yahoo_429_with_retry_after_is_retried_inside_the_refresh(server, store, tmp_path):
    server.fault(
        "yahoo:IWC", Fault(429, fixture("yahoo/yahoo_429_too_many_requests.txt"), headers={"Retry-After": "0"})
    )
    iwc = next(s for s in CATALOGUE if s.id == "IWC")
    status = run_refresh(server, store, tmp_path, [iwc]).statuses[0]
    assert status.ok and status.rows_added == 251
    assert [h.status for h in server.hits] == [429, 200]


def test_html_outage_then_good_answer_does_not_blank_anything(server, store, tmp_path):
    iwm = next(s for s in CATALOGUE if s.id == "IWM")
    run_refresh(server, store, tmp_path, [iwm])
    before = store.read_rows("IWM")
    server.fault("yahoo:IWM", Fault(200, YAHOO_OUTAGE_HTML, content_type="text/html"))
    status = run_refresh(server, store, tmp_path, [iwm]).statuses[0]
    assert not status.ok and "outage page" in status.error and store.read_rows("IWM") == before


def test_vendors_run_concurrently_while_each_vendor_keeps_its_pace(server, store, tmp_path):
    server.latency = 0.05
    settings = fast_settings(pacing_scale=0.1, read_timeout=2.0)  # FRED and Yahoo paced at 0.1 s
    report = run_refresh(server, store, tmp_path, settings=settings)
    assert report.ok
    fred = sorted(h.at for h in server.hits if h.route.startswith("fred:"))
    yahoo = [h.at for h in server.hits if h.route.startswith("yahoo:")]
    assert min(fred) < max(yahoo) and min(yahoo) < max(fred)  # the two chains overlap in time
    # Paced 0.1 s apart when sent; arrival times may jitter by a few ms on a loaded machine.
    assert all(b - a >= 0.08 for a, b in itertools.pairwise(fred))


def test_sources_load_from_csv_and_json_in_the_sources_sheet_shape(tmp_path):
    rows = source_rows(CATALOGUE)
    assert rows[0] == ["id", "sheet", "column", "field", "vendors"]
    assert rows[1] == ["IWM", "Prices", "IWM", "close", "yahoo:IWM|tiingo:IWM|stooq:iwm.us|alphavantage:IWM"]
    csv_file = tmp_path / "sources.csv"
    csv_file.write_text("\n".join(",".join(row) for row in rows) + "\n")
    assert load_sources(csv_file) == list(CATALOGUE)
    json_file = tmp_path / "sources.json"
    json_file.write_text(
        json.dumps([{"id": "DGS2", "sheet": "Rates", "chain": [{"vendor": "fred", "symbol": "DGS2"}]}])
    )
    # A catalogue series at its usual place keeps its place in the layout, with the chain the list gives.
    (dgs2,) = load_sources(json_file)
    assert dgs2.chain == (VendorSymbol("fred", "DGS2"),)
    assert (dgs2.sheet, dgs2.column, dgs2.table, dgs2.defined_name) == ("Rates", "DGS2", "RatesTable", "DGS2_")
    json_file.write_text(json.dumps([{"id": "XLK", "vendors": "yahoo:XLK"}]))
    assert load_sources(json_file) == [Source("XLK", (VendorSymbol("yahoo", "XLK"),), "Prices", "XLK")]
    bad = tmp_path / "bad.csv"
    bad.write_text("id,sheet,column,field,vendors\nIWM,Prices,IWM,close,yahoo\n")
    with pytest.raises(ValueError, match="should look like 'yahoo:IWM'"):
        load_sources(bad)


def test_config_reads_keys_from_env_before_the_config_file_and_never_shows_them(tmp_path):
    file = tmp_path / "config.toml"
    file.write_text('[keys]\nfred = "filekey-0123456789abcdef0123456789"\ntiingo = "tiingo-file-key-123456"\n'
                    '[base_urls]\nyahoo = "https://query2.finance.yahoo.com"\n')  # fmt: skip
    env = {"LAZARUS_CONFIG": str(file), "FRED_API_KEY": "envkey-0123456789abcdef012345678", "LAZARUS_DATA_DIR": "/x"}
    config = load_config(env)
    assert config.key("fred") == "envkey-0123456789abcdef012345678"
    assert config.key("tiingo") == "tiingo-file-key-123456" and config.key("stooq") is None
    assert config.base_url("yahoo") == "https://query2.finance.yahoo.com" and config.base_url("fred") is None
    assert config.store_path == Path("/x/lazarus.sqlite")
    assert "envkey" not in repr(config) and "tiingo-file" not in repr(config)
    assert redact(config.key("fred")) == "****5678 (32 characters)"
    env["LAZARUS_FRED_BASE_URL"] = "http://127.0.0.1:9"
    assert load_config(env).base_url("fred") == "http://127.0.0.1:9"


def test_lazarus_refresh_command_shows_progress_and_a_summary_and_exits_0(server, cli_env, capsys):
    code = main(["refresh", "--only", "IWM", "--only", "T10Y2Y"])
    out, err = capsys.readouterr()
    assert code == 0
    assert "[########################] 2/2" in err
    assert out.splitlines()[0].split() == ["source", "status", "added", "revised", "last", "date", "vendor", "error"]
    table = {line.split()[0]: line.split() for line in out.splitlines()[2:4]}
    t10y2y = len(load_fred_csv(DATA / "fred" / "T10Y2Y_qie2003.csv"))  # missing days are stored as missing
    assert table["IWM"] == ["IWM", "ok", "6372", "0", "2025-09-26", "yahoo"]
    assert table["T10Y2Y"] == ["T10Y2Y", "ok", str(t10y2y), "0", "2026-07-31", "fred"]
    assert "2 of 2 sources refreshed" in out
    assert Store(cli_env / "data" / "lazarus.sqlite").last_date("T10Y2Y") == D(2026, 7, 31)


def test_lazarus_refresh_exits_1_when_a_source_fails(server, cli_env, capsys):
    sources = cli_env / "sources.csv"
    sources.write_text("id,sheet,column,field,vendors\nZZZZ,Prices,ZZZZ,close,yahoo:ZZZZ|tiingo:ZZZZ\n")
    code = main(["refresh", "--sources", str(sources), "--store", str(cli_env / "s.sqlite"), "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out.splitlines()[2].split()[:2] == ["ZZZZ", "FAILED"] and "0 of 1 sources refreshed" in out
    assert "ZZZZ: Yahoo, ZZZZ: Yahoo says: No data found, symbol may be delisted." in err


def test_every_vendors_recorded_format_lands_in_the_store(server, store, tmp_path):
    keys = {"fred": "0123456789abcdef0123456789abcdef", "tiingo": "tiingo-key-0123456789", "stooq": STOOQ_KEY}
    keys["alphavantage"] = "AVKEY9Z8Y7X6W5V4"
    server.keys.update(keys)
    server.serve("fred:T10Y2Y", fixture("fred/fredgraph_T10Y2Y_legacy_DATE_dot_2022-06-28_2022-07-08.csv"))
    server.serve("fred_api:T10Y3M", fixture("fred/fred_api_series_observations_T10Y3M_2023-01-01_2023-06-06.json"))
    server.treasury[2023] = fixture("treasury/treasury_par_yield_2023_download_head.csv")
    server.serve("yahoo:AAPL", fixture("yahoo/yahoo_chart_v8_AAPL_2020-08-31_to_2020-11-07_split_dividend.body.json"))
    server.serve("tiingo:GOOGL", fixture("tiingo/tiingo_daily_prices_GOOGL_2015-01-01_05.body.json"))
    server.serve("stooq:spy.us", fixture("stooq/stooq_spy_us_d_2024-07-01_19.csv"))
    server.serve("alphavantage:IBM", fixture("alphavantage/av_TIME_SERIES_DAILY_IBM_compact_2024-06-18.json"))
    sources = [
        Source("T10Y2Y", (VendorSymbol("fred", "T10Y2Y"),), "Rates", "T10Y2Y"),
        Source("T10Y3M", (VendorSymbol("fred_api", "T10Y3M"),), "Rates", "T10Y3M"),
        Source("DGS10", (VendorSymbol("treasury", "DGS10"),), "Rates", "DGS10"),
        Source("AAPL", (VendorSymbol("yahoo", "AAPL"),), "Prices", "AAPL"),
        Source("GOOGL", (VendorSymbol("tiingo", "GOOGL"),), "Prices", "GOOGL"),
        Source("SPY", (VendorSymbol("stooq", "spy.us"),), "Prices", "SPY"),
        Source("IBM", (VendorSymbol("alphavantage", "IBM"),), "Prices", "IBM"),
    ]
    report = refresh(
        sources,
        store,
        config_for(server, tmp_path, **keys),
        client=HttpClient(fast_settings()),
        today=D(2024, 12, 31),
    )
    assert report.ok, summary_rows(report)
    added = {s.source_id: (s.vendor, s.rows_added, s.last_date) for s in report.statuses}
    assert added == {
        "T10Y2Y": ("fred", 9, D(2022, 7, 8)),  # 8 values and July 4
        "T10Y3M": ("fred_api", 112, D(2023, 6, 6)),  # 108 values and 4 missing days
        "DGS10": ("treasury", 10, D(2023, 9, 1)),
        "AAPL": ("yahoo", 49, D(2020, 11, 6)),
        "GOOGL": ("tiingo", 2, D(2015, 1, 5)),
        "SPY": ("stooq", 14, D(2024, 7, 19)),
        "IBM": ("alphavantage", 100, D(2024, 6, 18)),
    }
    assert dict(store.read_series("DGS10"))[D(2023, 9, 1)] == 4.18
    assert all(keys["fred"] not in str(s) for s in report.statuses)


def test_a_source_listed_twice_is_refused_before_any_request(server, store, tmp_path):
    iwm = CATALOGUE[0]
    with pytest.raises(ValueError, match="repeated: IWM"):
        run_refresh(server, store, tmp_path, [iwm, iwm])
    assert server.hits == []


def test_vendor_readers_import_nothing_from_the_workbook_or_the_cell_functions():
    import ast

    modules = sorted(Path(__file__).parents[1].joinpath("addin", "pipeline", "vendors").glob("*.py"))
    assert len(modules) >= 8, "the vendor readers moved: point this test at their folder"
    for module in modules:
        tree = ast.parse(module.read_text())
        names = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        names += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [
            n
            for n in names
            if n.split(".")[0] in ("udfs", "workbook")
            or n.startswith(("addin.pipeline.refresh", "addin.pipeline.store"))
        ]


# Each vendor's facts live in its reader -------------------------------------------------------------------------


class AcmeReader(FredCsvReader):
    """A vendor Lazarus has never heard of, declared the way every reader is (it speaks FRED's CSV so that the
    local vendor server can answer it)."""

    id = "acme"
    display_name = "Acme"
    pace_key = "data.acme.example"
    pacing = 0.2
    key_setting = KeySetting("acme", "Acme key")
    missing_key = "Acme needs a key ({variable})."


def test_a_new_reader_is_known_everywhere_from_its_own_declaration(server, store, tmp_path, monkeypatch):
    monkeypatch.setitem(READERS, "acme", AcmeReader)
    server.serve("fred:T10Y2Y", fixture("fred/fredgraph_T10Y2Y_modern_2024-06-27_2024-07-19.csv"))
    env = {"LAZARUS_CONFIG": str(tmp_path / "none.toml"), "ACME_API_KEY": "acme-customary-0123456789"}
    env["LAZARUS_ACME_BASE_URL"] = server.url
    # Config reads its key (the vendor's customary name, then Lazarus's own, which wins) and its base URL.
    assert load_config(env).key("acme") == "acme-customary-0123456789"
    config = load_config({**env, "LAZARUS_ACME_API_KEY": "acme-lazarus-0123456789"})
    assert config.key("acme") == "acme-lazarus-0123456789" and config.base_url("acme") == server.url
    # The Settings template offers it, and the file it writes is read back.
    template = config_template()
    assert '# acme = "your Acme key"   # or set LAZARUS_ACME_API_KEY' in template
    settings = tmp_path / "config.toml"
    settings.write_text(template.replace("# acme = ", "acme = "))
    assert load_config({}, settings).keys == {"acme": "your Acme key"}
    # `lazarus refresh --help` names its variables; the test server answers for it.
    assert "LAZARUS_ACME_API_KEY (or ACME_API_KEY)" in epilog() and "acme" in server.base_urls()
    # The refresh skips it without a key, saying which variable would hold one, and uses it with one.
    source = Source("T10Y2Y", (VendorSymbol("acme", "T10Y2Y"),), "Rates", "T10Y2Y")
    keyless = refresh([source], store, load_config(env | {"ACME_API_KEY": ""}), client=HttpClient(fast_settings()))
    assert keyless.statuses[0].error == "Acme: skipped (no API key configured)" and server.hits == []
    with pytest.raises(MissingKey, match=r"Acme needs a key \(LAZARUS_ACME_API_KEY\)"):
        AcmeReader(HttpClient(fast_settings()), base_url=server.url).fetch("T10Y2Y")
    report = refresh([source], store, config, client=HttpClient(fast_settings()), today=D(2024, 7, 19))
    assert (report.statuses[0].vendor, report.statuses[0].rows_added) == ("acme", 17)
    # Its pacing holds for its real host, wherever its base URL points.
    server.reset()
    server.serve("fred:T10Y2Y", fixture("fred/fredgraph_T10Y2Y_modern_2024-06-27_2024-07-19.csv"))
    reader = AcmeReader(HttpClient(fast_settings(pacing_scale=1.0)), base_url=server.url, key="k")
    for _ in range(3):
        reader.fetch("T10Y2Y")
    times = sorted(hit.at for hit in server.hits)
    assert len(times) == 3 and all(b - a >= 0.18 for a, b in itertools.pairwise(times))


def test_the_config_loads_without_the_http_client():
    # The cell functions load config (for HISTORY's store); the readers' declarations must not bring `requests`.
    import subprocess
    import sys

    code = "import sys, addin.pipeline.config; assert 'requests' not in sys.modules, 'requests was imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


class FailingStore:
    """A real store whose writes fail the way a store says it failed."""

    def __init__(self, store: Store, error: Exception) -> None:
        self._store, self._error = store, error

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    def write_series(self, *args, **kwargs):
        raise self._error


@pytest.mark.parametrize(
    "error", [StoreBusy("the store is busy (another refresh is writing)"), sqlite3.OperationalError("disk I/O error")]
)
def test_a_store_that_fails_a_write_ends_the_source_without_asking_the_next_vendor(server, store, tmp_path, error):
    # The same store would fail for every vendor of the chain, whether it said so itself or its driver did.
    t10y2y = next(source for source in CATALOGUE if source.id == "T10Y2Y")
    report = run_refresh(server, FailingStore(store, error), tmp_path, [t10y2y])
    status = report.statuses[0]
    assert not status.ok and status.error == f"the store failed: {error}" and status.last_date is None
    assert {hit.route.split(":")[0] for hit in server.hits} == {t10y2y.chain[0].vendor}
    assert not report.timed_out


# Failure paths: leaked key fragments ----------------------------------------------------------------------------------


# A made-up key of letters and digits in mixed case, so any 6-character fragment is unmistakable.
KEY = "Zq7XvR2mKp9LwT4nBc6YhJ8sDf3GtN5a"


def _fragments(key: str, size: int = 6) -> set[str]:
    return {key[i : i + size].lower() for i in range(len(key) - size + 1)}


def _leaks(text: str, key: str = KEY) -> list[str]:
    lowered = text.lower()
    return sorted(fragment for fragment in _fragments(key) if fragment in lowered)


def _all_cells(path: Path) -> str:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return "\n".join(
            str(value) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for value in row if value
        )
    finally:
        book.close()


def _echo_sites(text: str):
    """Every place a reader quotes a vendor's text, fed ``text``; yields the error message each raises."""
    from addin.pipeline.vendors import VendorError, fred_api, fred_csv, stooq, tiingo, treasury, yahoo
    from addin.pipeline.vendors.base import iso_date

    calls = [
        lambda: fred_api.raise_for_error("S", 400, json.dumps({"error_message": text})),
        lambda: tiingo.parse("S", json.dumps({"detail": text})),
        lambda: yahoo.parse("S", json.dumps({"chart": {"error": {"description": text}}})),
        lambda: yahoo.parse(
            "S", json.dumps({"chart": {"result": [{"timestamp": [1], "indicators": {"quote": [{"close": [text]}]}}]}})
        ),
        lambda: stooq.parse("S", text.replace("apikey", "") + "\n"),
        lambda: fred_csv.parse("S", f"observation_date,{text}\n"),
        lambda: fred_csv.parse("S", f"observation_date,S\n2024-01-02,{text}\n"),
        lambda: treasury.parse_year("DGS10", f"Date,{text}\n"),
        lambda: iso_date("Yahoo", "S", text),
    ]
    for call in calls:
        with pytest.raises(VendorError) as caught:
            call()
        yield str(caught.value)


def test_readers_mask_an_echoed_key_before_cutting_it_at_every_position_and_in_every_case():
    """Every reader that quotes a vendor's text cuts it (20 to 120 characters); the key sits at every offset
    across each cut, as configured, upper-, lower- and swap-cased: no 6-character fragment may survive."""
    from addin.pipeline.secrets import register_secret

    register_secret(KEY)
    for position in range(0, 125):
        for case in (str, str.upper, str.lower, str.swapcase):
            text = "z" * position + case(KEY) + " trailing words"
            for message in _echo_sites(text):
                assert _leaks(message) == [], (position, case.__name__, message)


@pytest.mark.slow
def test_an_echoed_key_reaches_no_output_of_refresh_build_or_export(newsletter_server, cli_env, monkeypatch, capsys):
    """FRED's error text is cut at 120 characters; the key sits across that cut, in every case, and at the start.
    No 6-character fragment may reach stderr, the store's refresh log, the Log sheet or the export."""
    monkeypatch.setenv("LAZARUS_FRED_API_KEY", KEY)
    newsletter_server.keys["fred"] = KEY
    cases = (str, str.upper, str.lower, str.swapcase)
    lines = ["id,sheet,column,field,vendors", "IWM,Prices,IWM,close,yahoo:IWM"]
    prefix = "Bad Request. "
    # The cut at 120 falls inside the key for these offsets; 0 and 125 are the plain cases.
    positions = [0, *range(120 - len(prefix) - len(KEY) + 1, 120 - len(prefix), 5), 125]
    for position in positions:
        for case in cases:
            symbol = f"LEAK{position}{case.__name__}"
            body = json.dumps({"error_code": 400, "error_message": prefix + "x" * position + case(KEY)}).encode()
            newsletter_server.serve(f"fred_api:{symbol}", body, status=400, content_type="application/json")
            lines.append(f"{symbol},Macro,{symbol},value,fred_api:{symbol}")
    sources = cli_env / "sources.csv"
    sources.write_text("\n".join(lines) + "\n")

    assert main(["refresh", "--sources", str(sources), "--no-progress"]) == 1
    out, err = capsys.readouterr()
    assert "LEAK0upper: FRED API, LEAK0upper: answered HTTP 400: Bad Request. ****" in err
    assert _leaks(out + err) == []
    with sqlite3.connect(cli_env / "data" / "lazarus.sqlite") as con:
        log = "\n".join(status for (status,) in con.execute("SELECT status FROM refresh_log"))
    assert "****" in log and _leaks(log) == []

    assert main(["build", "--out", "book.xlsx"]) == 0
    assert "answered HTTP 400" in _all_cells(cli_env / "book.xlsx")
    assert _leaks(_all_cells(cli_env / "book.xlsx")) == []
    assert main(["export", "book.xlsx", "--out", "copy.xlsx"]) == 0
    assert _leaks(_all_cells(cli_env / "copy.xlsx")) == []


# Failure paths: unknown --only ids, negative overlap ------------------------------------------------------------------


def test_refresh_only_an_unknown_id_is_an_error_naming_the_known_ids(newsletter_server, cli_env, capsys):
    assert main(["refresh", "--only", "IMW", "--only", "IWM", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "no source with the id IMW" in err and "the known ids are: IWM, SPY, IWC" in err
    assert newsletter_server.hits == [] and not (cli_env / "data" / "lazarus.sqlite").exists()
    assert main(["refresh", "--overlap-days", "-5", "--no-progress"]) == 2
    assert "--overlap-days must be 0 or more, not -5" in capsys.readouterr().err
    assert newsletter_server.hits == []


# Failure paths: a missing value stays a missing value at its calendar slot --------------------------------------------


def _refresh(server, store, tmp_path, sources=None, **options):
    from addin.pipeline.config import Config
    from addin.pipeline.refresh import refresh

    config = Config(data_dir=tmp_path, keys=options.pop("keys", {}), base_urls=server.base_urls())
    options.setdefault("client", HttpClient(fast_settings()))
    return refresh(sources, store, config, today=D(2026, 11, 24), **options)


def _source(source_id: str):
    from workbook.catalogue import CATALOGUE

    return next(source for source in CATALOGUE if source.id == source_id)


def test_a_missing_month_served_by_the_vendor_stays_a_blank_row_in_the_built_workbook(newsletter_server, tmp_path):
    from addin.pipeline import sample
    from addin.pipeline.store import Store
    from udfs.cells import SAHM_RULE
    from workbook.data_sheets import read_tables
    from workbook.xlsx import read_grids

    served = dict(newsletter_server.fred["UNRATE"])
    assert D(2025, 10, 1) in served and served[D(2025, 10, 1)] is None  # FRED's shutdown month, an empty field
    store = Store(tmp_path / "lazarus.sqlite")
    assert _refresh(newsletter_server, store, tmp_path, [_source("UNRATE")]).ok
    assert dict(store.read_series("UNRATE"))[D(2025, 10, 1)] is None

    assert main(["build", "--store", str(store.path), "--out", str(tmp_path / "book.xlsx")]) == 0
    grid = read_grids(tmp_path / "book.xlsx")["Macro"]
    rows = {row[0].date(): row[1] for row in grid[1:] if row[0] is not None}
    assert D(2025, 10, 1) in rows and rows[D(2025, 10, 1)] is None
    assert [day for day in rows if D(2025, 9, 1) <= day <= D(2025, 11, 1)] == [
        D(2025, 9, 1),
        D(2025, 10, 1),
        D(2025, 11, 1),
    ]

    # The Sahm rule as of March 2026 reads the same from the refreshed workbook as from the offline sample.
    def sahm(dates, values):
        return SAHM_RULE([[v] for d, v in zip(dates, values, strict=True) if d <= D(2026, 3, 1)])

    built = sahm(*read_tables(read_grids(tmp_path / "book.xlsx"))["UNRATE"])
    offline = sahm(*sample.load("UNRATE"))
    assert built == pytest.approx(offline) and built == pytest.approx(0.2)


# Failure paths: raw and adjusted prices never mix; a disagreeing fallback is not written ------------------------------


def _stooq_body(bars) -> bytes:
    lines = ["Date,Open,High,Low,Close,Volume"]
    lines += [f"{b.day.isoformat()},{b.open},{b.high},{b.low},{b.adjclose},{b.volume}" for b in bars]
    return ("\r\n".join(lines) + "\r\n").encode()


def _tiingo_body(bars, scale_from: dt.date, scale: float) -> bytes:
    return json.dumps(
        [
            {
                "date": f"{b.day.isoformat()}T00:00:00.000Z",
                "close": b.close * (scale if b.day >= scale_from else 1.0),
                "adjClose": b.adjclose,
            }
            for b in bars
        ]
    ).encode()


def test_a_fallback_of_another_kind_or_disagreeing_on_the_overlap_is_not_written(newsletter_server, tmp_path):
    import dataclasses

    from addin.pipeline.store import Store
    from testkit.vendor_server import fixture

    server = newsletter_server
    store = Store(tmp_path / "lazarus.sqlite")
    iwm = _source("IWM")
    assert _refresh(server, store, tmp_path, [iwm]).ok
    before = store.read_rows("IWM")
    assert store.kind("IWM") == "raw" and before[-1][0] == D(2025, 9, 26)

    # Yahoo is down: Tiingo's raw closes run 2% above the stored ones from 2025-09-15, Stooq has adjusted closes only.
    keys = {"tiingo": "tiingo-key-0123456789", "stooq": "stooqKEY7f3a9c2e"}
    server.keys.update(keys)
    server.serve("yahoo:IWM", fixture("yahoo/yahoo_chart_error_404_not_found.json"), status=404)
    recent = [bar for bar in server.yahoo["IWM"] if bar.day >= D(2025, 8, 20)]
    server.serve("tiingo:IWM", _tiingo_body(recent, D(2025, 9, 15), 1.02), content_type="application/json")
    server.serve("stooq:iwm.us", _stooq_body(recent))
    status = _refresh(server, store, tmp_path, [iwm], keys=keys).statuses[0]
    assert not status.ok and status.vendor is None
    assert "Tiingo and Yahoo disagree on IWM from 2025-09-15" in status.error
    assert "Stooq, iwm.us: serves adjusted prices but the stored IWM holds raw values" in status.error
    assert store.read_rows("IWM") == before and store.kind("IWM") == "raw"

    # Tiingo agreeing with the stored closes is a fine fallback; its new day is stored as raw.
    newer = [*recent, dataclasses.replace(recent[-1], day=D(2025, 9, 29))]
    server.serve("tiingo:IWM", _tiingo_body(newer, D(2099, 1, 1), 1.0), content_type="application/json")
    status = _refresh(server, store, tmp_path, [iwm], keys=keys).statuses[0]
    assert status.ok and status.vendor == "tiingo" and (status.rows_added, status.rows_revised) == (1, 0)
    assert store.rows_since("IWM", D(2025, 9, 29)) == [(D(2025, 9, 29), recent[-1].close, "tiingo", "raw")]

    # A source that asks for adjusted closes records them as adjusted.
    adjusted = dataclasses.replace(iwm, id="IWM_ADJ", field="adjclose")
    server.static.pop("yahoo:IWM")
    assert _refresh(server, store, tmp_path, [adjusted]).ok and store.kind("IWM_ADJ") == "adjusted"


# Failure paths: no network; a vendor that never answers ---------------------------------------------------------------


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_refresh_without_network_says_so_once_and_quickly(cli_env, monkeypatch, capsys):
    import time

    from addin.commands import refresh as refresh_command
    from addin.pipeline.store import Store

    assert main(["refresh", "--only", "UNRATE", "--no-progress"]) == 0
    store = Store(cli_env / "data" / "lazarus.sqlite")
    before = store.read_series("UNRATE")
    nowhere = f"http://127.0.0.1:{_closed_port()}"
    for vendor in ("fred", "fred_api", "treasury", "yahoo", "tiingo", "stooq", "alphavantage"):
        monkeypatch.setenv(f"LAZARUS_{vendor.upper()}_BASE_URL", nowhere)
    monkeypatch.setattr(refresh_command, "HttpClient", HttpClient)  # the real client: retries, backoff, pacing
    capsys.readouterr()
    began = time.monotonic()
    assert main(["refresh", "--no-progress"]) == 1
    seconds = time.monotonic() - began
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        "lazarus refresh: no network: no vendor could be reached (connections refused or names not resolved); "
        "nothing was refreshed and the stored data is unchanged. Check the connection and refresh again."
    ]
    assert f"0 of {len(CATALOGUE)} sources refreshed" in out and seconds < 5, seconds
    assert store.read_series("UNRATE") == before


def test_the_refresh_deadline_comes_from_the_config_file_and_is_60_s_by_default(tmp_path):
    from addin.pipeline.config import load_config

    settings = tmp_path / "config.toml"
    assert load_config({}, settings).deadline == 60.0
    settings.write_text("[refresh]\ndeadline = 12.5\n")
    assert load_config({}, settings).deadline == 12.5


def test_two_blocked_vendors_do_not_stop_a_vendor_that_answers(newsletter_server, tmp_path):
    from addin.pipeline.config import Config
    from addin.pipeline.refresh import refresh
    from addin.pipeline.store import Store
    from workbook.catalogue import Source, VendorSymbol

    nowhere = f"http://127.0.0.1:{_closed_port()}"
    newsletter_server.keys["fred"] = KEY
    urls = {**newsletter_server.base_urls(), "fred": nowhere, "yahoo": nowhere}
    config = Config(data_dir=tmp_path, keys={"fred": KEY}, base_urls=urls)
    sources = [
        _source("IWM"),
        Source("UNRATE", (VendorSymbol("fred", "UNRATE"), VendorSymbol("fred_api", "UNRATE")), "Macro", "UNRATE"),
    ]
    store = Store(tmp_path / "lazarus.sqlite")
    report = refresh(sources, store, config, client=HttpClient(fast_settings()), today=D(2026, 11, 24))
    status = {s.source_id: s for s in report.statuses}
    assert status["UNRATE"].ok and status["UNRATE"].vendor == "fred_api" and not report.offline
    assert not status["IWM"].ok


def test_a_vendor_that_never_answers_stops_the_refresh_at_the_deadline_keeping_its_data(tmp_path):
    import time

    from addin.pipeline.store import Store
    from testkit.vendor_server import Fault, VendorServer, load_newsletter_data

    with VendorServer() as server:  # its own server: a stalled request outlives the test
        load_newsletter_data(server)
        store = Store(tmp_path / "lazarus.sqlite")
        iwm, t10y2y = _source("IWM"), _source("T10Y2Y")
        assert _refresh(server, store, tmp_path, [iwm]).ok
        before = store.read_rows("IWM")
        server.fault("yahoo:IWM", Fault(stall=30.0))  # accepts the request and says nothing for 30 s
        client = HttpClient(fast_settings(read_timeout=30.0, connect_timeout=5.0))
        began = time.monotonic()
        report = _refresh(server, store, tmp_path, [iwm, t10y2y], client=client, deadline=1.0)
        seconds = time.monotonic() - began
    status = {s.source_id: s for s in report.statuses}
    assert report.timed_out and 1.0 <= seconds < 2.0, seconds
    assert status["T10Y2Y"].ok
    assert not status["IWM"].ok and "not refreshed: the refresh stopped after 1 s while Yahoo had not answered" in (
        status["IWM"].error
    )
    assert store.read_rows("IWM") == before
    assert [row.source for row in store.read_log()[-2:]] == ["IWM", "T10Y2Y"]


# End to end, property-based: what the vendor serves is what the workbook's data tables hold ---------------------------


@pytest.mark.slow
def test_served_gaps_missing_values_and_revisions_reach_the_built_workbook_cell_for_cell():
    import tempfile

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from addin.pipeline.store import Store
    from addin.pipeline.workbook_data import store_data
    from testkit.vendor_server import VendorServer
    from workbook.data_sheets import read_tables
    from workbook.layout import build_book
    from workbook.xlsx import read_grids, write_book

    real = st.integers(-400, 1500).map(lambda n: n / 100)
    value = st.one_of(st.none(), real)

    @st.composite
    def history(draw, dates):
        kept = [day for day in dates[:-1] if draw(st.integers(0, 9)) > 0]  # about one date in ten is a gap
        rows = [(day, draw(value)) for day in kept]
        # The newest value is real: a refresh window holding only missing values is refused as "no observations".
        return [*rows, (dates[-1], draw(real))]

    months = [D(2019 + m // 12, m % 12 + 1, 1) for m in range(40)]
    days = [D(2024, 1, 1) + dt.timedelta(days=k) for k in range(120)]
    days = [day for day in days if day.weekday() < 5]

    @st.composite
    def revised(draw, rows, window_days):
        """Values re-served within the refresh's overlap window changed (to other values or to missing)."""
        last = rows[-1][0]
        out = []
        for day, old in rows[:-1]:
            if day >= last - dt.timedelta(days=window_days) and draw(st.booleans()):
                out.append((day, draw(value)))
            else:
                out.append((day, old))
        return [*out, (last, draw(real))]

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def check(data):
        unrate = data.draw(history(months))
        t10y2y = data.draw(history(days))
        with VendorServer() as server, tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            server.fred.update(UNRATE=unrate, T10Y2Y=t10y2y)
            store = Store(folder / "lazarus.sqlite")
            sources = [_source("UNRATE"), _source("T10Y2Y")]
            assert _refresh(server, store, folder, sources).ok
            # Second refresh: revisions inside the 31-day overlap, to other values and to missing.
            server.fred["UNRATE"] = unrate = data.draw(revised(unrate, 31))
            server.fred["T10Y2Y"] = t10y2y = data.draw(revised(t10y2y, 31))
            assert _refresh(server, store, folder, sources).ok
            book_data = store_data(store)
            book = build_book(book_data.data, None, book_data.source_rows, book_data.log_rows, book_data.provenance)
            write_book(book, folder / "book.xlsx")
            tables = read_tables(read_grids(folder / "book.xlsx"))
        for series, served in (("UNRATE", unrate), ("T10Y2Y", t10y2y)):
            dates, values = tables[series]
            assert list(zip(dates, values, strict=True)) == served, series

    check()
