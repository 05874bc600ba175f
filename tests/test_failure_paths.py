"""Issue 10: every failure path gives a message and keeps the data. Real components throughout: the local
vendor server from testkit, real SQLite files, real xlsx files written and read back."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook

from addin.commands import main
from addin.commands import refresh as refresh_command
from addin.pipeline.vendors import HttpClient
from testkit.vendor_server import fast_settings
from workbook.catalogue import CATALOGUE

D = dt.date
# A made-up key of letters and digits in mixed case, so any 6-character fragment is unmistakable.
KEY = "Zq7XvR2mKp9LwT4nBc6YhJ8sDf3GtN5a"


def _fragments(key: str, size: int = 6) -> set[str]:
    return {key[i : i + size].lower() for i in range(len(key) - size + 1)}


def _leaks(text: str, key: str = KEY) -> list[str]:
    lowered = text.lower()
    return sorted(fragment for fragment in _fragments(key) if fragment in lowered)


def _all_cells(path: Path) -> str:
    book = load_workbook(path, read_only=True)
    try:
        return "\n".join(
            str(value) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for value in row if value
        )
    finally:
        book.close()


# 1. Leaked key fragments ----------------------------------------------------------------------------------


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


# 2. Unknown --only ids, negative overlap ---------------------------------------------------------------------


def test_refresh_only_an_unknown_id_is_an_error_naming_the_known_ids(newsletter_server, cli_env, capsys):
    assert main(["refresh", "--only", "IMW", "--only", "IWM", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "no source with the id IMW" in err and "the known ids are: IWM, SPY, IWC" in err
    assert newsletter_server.hits == [] and not (cli_env / "data" / "lazarus.sqlite").exists()
    assert main(["refresh", "--overlap-days", "-5", "--no-progress"]) == 2
    assert "--overlap-days must be 0 or more, not -5" in capsys.readouterr().err
    assert newsletter_server.hits == []


# 3. Lost work ------------------------------------------------------------------------------------------------


@pytest.fixture
def read_only_folder(tmp_path):
    """A real folder nobody can write in: chmod for a normal user; for root (who ignores modes) the immutable
    attribute. Skipped where neither is possible."""
    import os
    import subprocess

    folder = tmp_path / "read-only"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a read-only folder here")
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def _user_workbook(path: Path) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "My notes"
    book.active["A1"] = "a sheet the user made"
    book.save(path)
    return path.read_bytes()


def test_build_and_export_never_replace_a_file_the_user_has(cli_env, capsys, monkeypatch, small_inputs):
    # What is in the files does not matter here, only which files are written: the small sample builds faster.
    from addin.commands import build as build_command

    monkeypatch.setattr(build_command, "offline_data", lambda: small_inputs)
    mine = _user_workbook(cli_env / "lazarus.xlsx")
    assert main(["build", "--offline"]) == 0
    out = capsys.readouterr().out
    assert "lazarus.xlsx already exists and was kept; the new file is lazarus (2).xlsx (--force replaces it)" in out
    assert "Wrote lazarus (2).xlsx" in out
    assert (cli_env / "lazarus.xlsx").read_bytes() == mine
    built = (cli_env / "lazarus (2).xlsx").read_bytes()

    # The export never writes over the workbook it exports, not even with --force, and only writes .xlsx files.
    for argv in (["--out", "lazarus (2).xlsx"], ["--out", "./lazarus (2).xlsx", "--force"], ["--out", "copy.csv"]):
        assert main(["export", "lazarus (2).xlsx", *argv]) == 2
    err = capsys.readouterr().err
    assert "--out is the workbook being exported (lazarus (2).xlsx)" in err and "would lose every formula" in err
    assert "--out must name an .xlsx file, not copy.csv" in err
    assert (cli_env / "lazarus (2).xlsx").read_bytes() == built and not (cli_env / "copy.csv").exists()
    assert main(["build", "--offline", "--out", "book.csv"]) == 2

    assert main(["build", "--offline", "--force"]) == 0
    assert "already exists" not in capsys.readouterr().out
    assert load_workbook(cli_env / "lazarus.xlsx").sheetnames[0] == "Dashboard"
    assert sorted(p.name for p in cli_env.iterdir() if p.suffix == ".xlsx") == ["lazarus (2).xlsx", "lazarus.xlsx"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    from workbook.files import atomic_target

    target = tmp_path / "lazarus.xlsx"
    mine = _user_workbook(target)
    with pytest.raises(RuntimeError), atomic_target(target) as temp:
        assert temp.parent == tmp_path and temp != target
        temp.write_bytes(b"half a workb")
        raise RuntimeError("crash while writing")
    assert target.read_bytes() == mine and [p.name for p in tmp_path.iterdir()] == ["lazarus.xlsx"]
    with atomic_target(target) as temp:
        temp.write_bytes(b"new")
    assert target.read_bytes() == b"new" and [p.name for p in tmp_path.iterdir()] == ["lazarus.xlsx"]


def test_writing_into_a_read_only_folder_is_a_message_not_a_traceback(cli_env, read_only_folder, capsys):
    assert main(["build", "--offline", "--out", str(read_only_folder / "lazarus.xlsx")]) == 1
    assert main(["demo", "--out", str(read_only_folder)]) == 1
    _user_workbook(cli_env / "book.xlsx")
    assert main(["export", "book.xlsx", "--out", str(read_only_folder / "copy.xlsx")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert [line.split(":")[0] for line in err] == ["lazarus build", "lazarus demo", "lazarus export"]
    assert all(f"cannot write {read_only_folder}/" in line and "permission denied" in line for line in err), err
    assert list(read_only_folder.iterdir()) == []


# 4. A missing value stays a missing value at its calendar slot ---------------------------------------------------


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


# 5. Raw and adjusted prices never mix; a disagreeing fallback is not written ------------------------------------


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


# 6. A damaged, read-only or missing store -----------------------------------------------------------------------


def _damaged(path: Path, how: str) -> bytes:
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


# 7. Export of damaged or oversized files --------------------------------------------------------------------------


def _rezip(source: Path, target: Path, change) -> None:
    """Copy the zip `source` to `target`, passing each member's (name, bytes) through `change`."""
    import zipfile

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, change(info.filename, old.read(info.filename)))


def _big_sheet_workbook(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Prices"
    for number in range(rows):
        sheet.append([number, number * 2])
    book.save(path)


def test_export_of_a_damaged_or_oversized_workbook_names_the_file_and_the_reason(cli_env, capsys, monkeypatch):
    import zipfile

    from workbook import xlsx

    original = cli_env / "original.xlsx"
    _big_sheet_workbook(original, 2000)
    sheet = "xl/worksheets/sheet1.xml"
    _rezip(original, cli_env / "cut.xlsx", lambda name, data: data[: len(data) // 2] if name == sheet else data)

    # Corrupt deflate data: flip bytes inside the sheet's compressed stream, headers and sizes left as they were.
    corrupt = bytearray(original.read_bytes())
    with zipfile.ZipFile(original) as archive:
        info = archive.getinfo(sheet)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size * 2 // 3  # past the header openpyxl reads when it opens the file
    corrupt[middle : middle + 40] = b"\xff" * 40
    (cli_env / "deflate.xlsx").write_bytes(bytes(corrupt))

    for name in ("cut.xlsx", "deflate.xlsx"):
        assert main(["export", name, "--out", f"copy-{name}"]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"lazarus export: {name}: a sheet cannot be read, the file is damaged ("), err
        assert not (cli_env / f"copy-{name}").exists()

    # The caps, shrunk so that a small real file exceeds them.
    monkeypatch.setattr(xlsx, "MAX_ROWS", 1500)
    assert main(["export", "original.xlsx", "--out", "copy.xlsx"]) == 1
    assert "original.xlsx: the sheet 'Prices' holds more than 1,500 rows" in capsys.readouterr().err
    monkeypatch.setattr(xlsx, "MAX_CELLS", 3000)
    monkeypatch.setattr(xlsx, "MAX_ROWS", 10**6)
    assert main(["export", "original.xlsx", "--out", "copy.xlsx"]) == 1
    assert "holds more than 3,000 cells" in capsys.readouterr().err
    monkeypatch.setattr(xlsx, "MAX_EXPANDED_BYTES", 20_000)
    assert main(["export", "original.xlsx", "--out", "copy.xlsx"]) == 1
    err = capsys.readouterr().err
    assert "original.xlsx: its parts expand to 0 MB, over the 0 MB" in err and "not read" in err


# 8. No network; a vendor that never answers -------------------------------------------------------------------


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_refresh_without_network_says_so_once_and_quickly(cli_env, monkeypatch, capsys):
    import time

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
    assert [row[1] for row in store.read_log()[-2:]] == ["IWM", "T10Y2Y"]


# 9. An as-of outside the data ------------------------------------------------------------------------------------


def _answer(book, key: str):
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    from workbook.engine import BookEngine, plain

    sheet, ref = book.answers[key]
    column, row = coordinate_from_string(ref)
    return plain(BookEngine(book).cell(sheet.upper(), row, column_index_from_string(column)))


def test_an_as_of_outside_a_series_data_says_so_per_series_and_never_reads_1899(sample_inputs):
    from addin.commands.demo import coverage_notes
    from udfs.inputs import date_to_serial
    from workbook.dashboard import AS_OF_CELL
    from workbook.engine import BookEngine, plain
    from workbook.layout import build_book

    data = sample_inputs

    def book(as_of):
        return build_book(data.data, as_of, data.source_rows, data.log_rows, data.provenance)

    def as_of_note(as_of):
        return plain(BookEngine(book(as_of)).cell("DASHBOARD", AS_OF_CELL[0], AS_OF_CELL[1] + 1))

    march_2020 = book(D(2020, 3, 26))
    assert _answer(march_2020, "iwc_data_to") == "no data by then"  # IWC's sample starts in 2024; not 1899-12-30
    assert _answer(march_2020, "iwm_data_to") == date_to_serial(D(2020, 3, 26))
    assert as_of_note(D(2099, 1, 1)) == "after the latest price data"
    assert as_of_note(D(1990, 1, 1)) == "before the first price data"
    assert as_of_note(D(2020, 3, 26)) in ("", None)
    assert "IWC: no data on or before 2020-03-26 (its data start 2024-01-03)" in coverage_notes(
        data.data, D(2020, 3, 26)
    )
    after = coverage_notes(data.data, D(2099, 1, 1))
    assert "IWM: the as-of 2099-01-01 is after its latest data (2025-09-25); that is shown" in after
    assert len(after) == len(data.data)


def test_demo_as_of_before_the_first_price_computes_nothing_and_says_so(tmp_path, capsys):
    """How long it takes is benchmarks/bench_workbook.py's (it took 348 s when the engine spread #N/A over every
    range)."""
    assert main(["demo", "--as-of", "1990-01-01", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Nothing to compute: 1990-01-01 is before the first price (the prices start 1993-01-29)." in out
    assert "  IWM: no data on or before 1990-01-01 (its data start 2000-05-26)" in out
    assert "=== Dashboard as of 2025" not in out  # nothing else is computed either


# End to end, property-based: what the vendor serves is what the workbook's data tables hold -----------------------


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
