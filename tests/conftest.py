"""Fixtures shared by several test modules."""

from __future__ import annotations

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
