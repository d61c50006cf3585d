"""Servers shared by the topology tests: one throwaway PostgreSQL cluster per session."""

import pytest

from tests.servers.postgres import Postgres


@pytest.fixture(scope="session")
def postgres():
    """Debian's PostgreSQL on loopback in a temporary folder, stopped and removed at the end."""
    cluster = Postgres()
    yield cluster
    cluster.stop()
