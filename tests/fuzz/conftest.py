"""One fuzzing cloud per backend (SQLite always; MySQL and PostgreSQL when
``NUBES_TEST_MYSQL_URL`` / ``NUBES_TEST_POSTGRES_URL`` are set), shared by
the module's tests."""
from __future__ import annotations

import pytest

from tests.fixtures import databases
from tests.fuzz.cloud import FuzzCloud


@pytest.fixture(scope="module", params=databases.backends())
def fuzz_cloud(request, tmp_path_factory):
    cloud = FuzzCloud(request.param, str(tmp_path_factory.mktemp("fuzz") / "state"))
    yield cloud
    cloud.stop()
