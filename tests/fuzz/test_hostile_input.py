"""Generated hostile requests to every route of the compute, placement,
image and identity APIs, as an admin, as a member of another project and
with no or a bad token: every answer comes within the time limit, is never
a 5xx, every 4xx carries the API's JSON error body and writes nothing.

A small deterministic run (``derandomize``); ``tests/fuzz/run_long.py`` is
the long one (see docs/testing.md)."""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz import routes_compute, routes_identity, routes_image, routes_placement
from tests.fuzz.generate import request_for
from tests.fuzz.runner import check

pytestmark = [
    pytest.mark.slow,
    # The cloud's own threads use `random` while hypothesis draws.
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]

EXAMPLES = int(os.environ.get("NUBES_FUZZ_EXAMPLES", "100"))
CI_SETTINGS = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                       suppress_health_check=list(HealthCheck), print_blob=False)


def _run(fuzz_cloud, api, data):
    request = data.draw(request_for(api, fuzz_cloud.seeds[api.name]), label="request")
    outcome = check(fuzz_cloud, request, api.not_implemented)
    assert not outcome.problems, outcome


@pytest.mark.parametrize("api", [routes_compute.api(), routes_placement.api(),
                                 routes_image.api(), routes_identity.api()],
                         ids=lambda api: api.name)
@CI_SETTINGS
@given(data=st.data())
def test_hostile_requests(fuzz_cloud, api, data):
    _run(fuzz_cloud, api, data)
