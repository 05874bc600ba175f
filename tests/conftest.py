"""Fixtures shared by several test modules."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from testkit.vendor_server import VendorServer, load_newsletter_data


@pytest.fixture(scope="session")
def running_vendor_server() -> Iterator[VendorServer]:
    """One local vendor server for the whole run; use it through ``newsletter_server``, which resets it."""
    with VendorServer() as running:
        yield running


@pytest.fixture
def newsletter_server(running_vendor_server: VendorServer) -> VendorServer:
    """The shared vendor server reset to a new server's state and serving the 13 newsletter series (read from
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
