"""What the tests of moves a host stopped in (or whose casts were lost,
late or repeated) share: a cloud of two hosts in one cell per backend,
its agents by host name, the providers by name, and the exception a
driver raises to stand for a host's process dying there.

    cloud = two_host_cloud("restart", live_migration_seconds=0.2)
    agents, providers = agents_fixture(), providers_fixture()
"""
from __future__ import annotations

import pytest

from tests.fixtures import databases
from tests.fixtures.backend_cloud import BackendCloud

SOURCE, DEST = "cell1-compute1", "cell1-compute2"
TINY = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}


class HostDied(BaseException):
    """Raised in a driver: nothing after it on that host runs, as if the
    process had died there (no ``except Exception`` sees it)."""


def two_host_cloud(name: str, *, live_migration_seconds: float | None = None):
    """A module-scoped ``cloud`` fixture (one per backend)."""
    overrides = {} if live_migration_seconds is None else {
        "fake_driver": {"live_migration_seconds": live_migration_seconds}}

    @pytest.fixture(scope="module", params=databases.backends())
    def cloud(request, tmp_path_factory):
        made = BackendCloud(request.param, str(tmp_path_factory.mktemp(name) / "state"),
                            hosts_per_cell=2, overrides=overrides)
        yield made.cloud
        made.stop()
    return cloud


def agents_fixture():
    """``agents``: the cloud's compute agents by host name."""
    @pytest.fixture
    def agents(cloud):
        return {a.host: a for a in cloud.embedded.agents}
    return agents


def providers_fixture():
    """``providers``: the resource providers' uuids by name."""
    @pytest.fixture
    def providers(cloud):
        listed = cloud.placement.request("GET", "/resource_providers", version="1.14").json()
        return {p["name"]: p["uuid"] for p in listed["resource_providers"]}
    return providers
