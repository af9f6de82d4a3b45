"""Fixtures named by the gabbi stories in ``gabbits/``."""
from __future__ import annotations

from gabbi import fixture

from tests.fixtures.placement import reset

# Set by test_gabbits before the stories run: the engine behind the server.
ENGINE = None


class CleanDatabase(fixture.GabbiFixture):
    """Each story starts from an empty placement (standard names only)."""

    def start_fixture(self):
        reset(ENGINE)

    def stop_fixture(self):
        pass
