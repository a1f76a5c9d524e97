"""One logged-in client per role for every contract module (each module has its own server)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.contract import Client


@pytest.fixture(scope="session")
def server_in_process() -> bool:
    """The contract is checked against a real server process, as any client meets it."""
    return False


@pytest.fixture(scope="module")
def c(live_server: Any) -> Iterator[dict[str, Client]]:
    clients = {
        "a": Client(live_server, "officer", "dev-a"),
        "b": Client(live_server, "officer", "dev-b"),
        "o2": Client(live_server, "officer2", "dev-o2"),
        "commune": Client(live_server, "commune", "dev-commune"),
        "district": Client(live_server, "district", "dev-district"),
        "admin": Client(live_server, "admin", "dev-admin"),
    }
    yield clients
    for cl in clients.values():
        cl.close()
