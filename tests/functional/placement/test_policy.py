"""Operator policy files and the legacy/new default switch."""
from __future__ import annotations

import os
import time

import pytest

from nubes.common import policy as common_policy
from nubes.placement import app as placement_app
from nubes.placement import policies
from tests.conftest import placement_conf
from tests.fixtures.placement import PlacementClient, reset
from tests.fixtures.servers import ThreadedServer


@pytest.fixture
def serve(placement_database):
    servers = []

    def start(**overrides) -> PlacementClient:
        reset(placement_database.engine)
        conf = placement_conf(placement_database.url, **overrides)
        server = ThreadedServer(placement_app.build(conf, placement_database)).__enter__()
        servers.append(server)
        return PlacementClient(server.url)

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def test_every_rule_has_openstacks_name():
    names = {rule.name for rule in policies.list_rules()}
    assert "placement:resource_providers:list" in names
    assert "placement:reshaper:reshape" in names
    assert "placement:usages" in names
    assert len([n for n in names if n.startswith("placement:")]) == 33


def test_policy_file_overrides_a_default(serve, tmp_path):
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text('"placement:resource_providers:list": "role:reader"\n')
    client = serve(oslo_policy={"policy_file": str(policy_file)})
    reader = client.as_user(roles="reader")
    assert reader.get("/resource_providers").status == 200
    # Rules the file does not name keep their defaults.
    assert reader.post("/resource_providers", json={"name": "x"}).status == 403


def test_reshaper_is_for_services_only(serve):
    client = serve(oslo_policy={"enforce_new_defaults": True})
    admin_only = client.as_user(roles="admin")
    resp = admin_only.post("/reshaper", json={}, version="1.30")
    assert resp.status == 403


def test_legacy_defaults_let_admin_reshape(serve):
    client = serve(oslo_policy={"enforce_new_defaults": False})
    admin_only = client.as_user(roles="admin")
    # Passes policy (legacy rule role:admin), then fails validation: 400, not 403.
    resp = admin_only.post("/reshaper", json={}, version="1.30")
    assert resp.status == 400


def test_a_changed_policy_file_applies_within_the_recheck_interval(serve, tmp_path,
                                                                   monkeypatch):
    """Decisions are remembered, but never past the next look at the file."""
    monkeypatch.setattr(common_policy, "RECHECK_INTERVAL", 0.05)
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text('"placement:resource_providers:list": "role:reader"\n')
    client = serve(oslo_policy={"policy_file": str(policy_file)})
    reader = client.as_user(roles="reader")
    for _ in range(3):      # the same decision, asked again
        assert reader.get("/resource_providers").status == 200

    policy_file.write_text('"placement:resource_providers:list": "role:admin"\n')
    os.utime(policy_file, (time.time() + 5, time.time() + 5))   # a new mtime for sure
    time.sleep(0.1)
    assert reader.get("/resource_providers").status == 403
    assert client.get("/resource_providers").status == 200      # the admin still may
