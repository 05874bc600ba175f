"""Fixtures shared by several test modules."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from addin.pipeline.workbook_data import WorkbookData, offline_data
from testkit.vendor_server import VendorServer, load_newsletter_data
from tests import books
from workbook import direct
from workbook.export import export_book
from workbook.layout import build_book
from workbook.xlsx import write_book


@pytest.fixture(scope="session")
def running_vendor_server() -> Iterator[VendorServer]:
    """One local vendor server for the whole run; use it through ``newsletter_server``, which resets it."""
    with VendorServer() as running:
        yield running


@pytest.fixture
def newsletter_server(running_vendor_server: VendorServer) -> VendorServer:
    """The shared vendor server reset to a new server's state and serving every catalogue series (read from
    tests/data once per run). A test may change anything on it (data, bodies, keys, faults, latency): the next
    test starts from the same state again. Tests that inject stalls need a server of their own."""
    running_vendor_server.reset()
    load_newsletter_data(running_vendor_server)
    return running_vendor_server


@pytest.fixture(scope="session")
def pg_cluster():
    """A real PostgreSQL server for the whole run (initdb + pg_ctl in a temporary folder). Where PostgreSQL is not
    installed the tests that need it are skipped; CI installs it and sets LAZARUS_REQUIRE_POSTGRES=1, so there that is
    a failure."""
    from testkit.postgres import Cluster, binaries

    if binaries() is None:
        if os.environ.get("LAZARUS_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required here (LAZARUS_REQUIRE_POSTGRES=1) but initdb is not installed")
        pytest.skip("PostgreSQL is not installed")
    cluster = Cluster()
    yield cluster
    cluster.close()


# --- Lazarus workbooks (tests/books.py says which is which) -------------------------------------------------


def _moment(inputs: WorkbookData):
    book = build_book(inputs.data, books.MOMENT, inputs.source_rows, inputs.log_rows, inputs.provenance)
    return book, direct.calculate(book)  # what demo and build ship; tests/test_direct.py holds it to the engine


def _files(folder: Path, moment) -> tuple[Path, Path]:
    book, results = moment
    live = write_book(book, folder / "lazarus.xlsx", results)
    copy = export_book(book, folder / "lazarus (for colleagues).xlsx", results, live=live)
    return live, copy


@pytest.fixture(scope="session")
def sample_inputs() -> WorkbookData:
    """The full bundled sample."""
    return offline_data()


@pytest.fixture(scope="session")
def small_inputs(sample_inputs) -> WorkbookData:
    return books.small(sample_inputs)


@pytest.fixture(scope="session")
def small_moment(small_inputs):
    """The small-sample workbook as of the newsletter's day and its computed values: (book, results)."""
    return _moment(small_inputs)


@pytest.fixture(scope="session")
def small_files(tmp_path_factory, small_moment) -> tuple[Path, Path]:
    """The small-sample live workbook and its colleague copy: (live, copy)."""
    return _files(tmp_path_factory.mktemp("small"), small_moment)


@pytest.fixture(scope="session")
def full_moment(sample_inputs):
    """The workbook on the full bundled sample as of the newsletter's day: (book, results). ~5 s to compute."""
    return _moment(sample_inputs)


@pytest.fixture(scope="session")
def full_files(tmp_path_factory, full_moment) -> tuple[Path, Path]:
    return _files(tmp_path_factory.mktemp("full"), full_moment)


@pytest.fixture(scope="session")
def built_xlam(tmp_path_factory) -> Path:
    """lazarus.xlam as `lazarus addin build` writes it."""
    from addin.excel import xlam

    return xlam.build(tmp_path_factory.mktemp("xlam") / "lazarus.xlam")


@pytest.fixture
def cli_env(newsletter_server, tmp_path, monkeypatch):
    """The `lazarus` command pointed at the local vendor server, a data folder in tmp_path and no real keys."""
    from addin.pipeline.config import base_url_variable
    from addin.pipeline.vendors import key_settings

    for key in key_settings():
        for variable in key.variables:
            monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LAZARUS_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("LAZARUS_DATA_DIR", str(tmp_path / "data"))
    for vendor, url in newsletter_server.base_urls().items():
        monkeypatch.setenv(base_url_variable(vendor), url)
    monkeypatch.chdir(tmp_path)
    # The command's client with the tests' timings: no pacing, tiny timeouts.
    from addin.commands import refresh as refresh_command
    from addin.pipeline.vendors import HttpClient
    from testkit.vendor_server import fast_settings

    monkeypatch.setattr(refresh_command, "HttpClient", lambda settings=None: HttpClient(fast_settings()))
    return tmp_path
