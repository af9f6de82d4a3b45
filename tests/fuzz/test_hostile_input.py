"""Generated hostile requests to every route of the compute, placement,
image, identity and volume APIs, as an admin, as a member of another project and
with no or a bad token: every answer comes within the time limit, is never
a 5xx, every 4xx carries the API's JSON error body and writes nothing.

A small deterministic run (``derandomize``); ``tests/fuzz/run_long.py`` is
the long one (see docs/testing.md)."""
from __future__ import annotations

import os

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz import (routes_compute, routes_identity, routes_image, routes_placement,
                        routes_volume)
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
                                 routes_image.api(), routes_identity.api(),
                                 routes_volume.api()],
                         ids=lambda api: api.name)
@CI_SETTINGS
@given(data=st.data())
def test_hostile_requests(fuzz_cloud, api, data):
    _run(fuzz_cloud, api, data)


def test_the_fingerprints_see_writes(fuzz_cloud):
    """The "nothing written on a 4xx" check can fail: each API's fingerprint
    changes when a request writes."""
    cloud = fuzz_cloud.cloud
    before = fuzz_cloud.fingerprint("compute")
    code, body = cloud.admin.post("/os-keypairs", {"keypair": {"name": "fingerprint"}},
                                  version="2.1")
    assert code == 200, body
    assert fuzz_cloud.fingerprint("compute") != before
    before = fuzz_cloud.fingerprint("placement")
    cloud.placement.request("PUT", "/resource_classes/CUSTOM_FINGERPRINT", version="1.7",
                            ok=(201, 204))
    assert fuzz_cloud.fingerprint("placement") != before
    before = fuzz_cloud.fingerprint("image")
    resp = requests.post(fuzz_cloud.urls["image"] + "/v2/images", json={"name": "fp"},
                         headers={"X-Auth-Token": cloud.admin_token}, timeout=30)
    assert resp.status_code == 201, resp.text
    assert fuzz_cloud.fingerprint("image") != before
    before = fuzz_cloud.fingerprint("volume")
    resp = requests.post(fuzz_cloud.urls["volume"] + "/v3/admin-project/volumes",
                         json={"volume": {"size": 1, "name": "fp"}},
                         headers={"X-Auth-Token": cloud.admin_token}, timeout=30)
    assert resp.status_code == 202, resp.text
    assert fuzz_cloud.fingerprint("volume") != before
