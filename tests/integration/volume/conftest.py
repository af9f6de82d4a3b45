"""The per-test distributed deployment (the cells tests' harness), torn
down whatever happens."""
from __future__ import annotations

import pytest

from tests.integration.cells.harness import Distributed


@pytest.fixture
def deployment(backend, tmp_path):
    deployment = Distributed(backend, tmp_path)
    yield deployment
    problems = deployment.close()
    assert not problems, problems
