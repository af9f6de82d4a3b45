"""The typed placement client against a real placement server."""
from __future__ import annotations

import socket

import pytest
import requests

from nubes.common import config
from nubes.placement import client as pc

RP = "11111111-1111-4111-8111-111111111111"
CHILD = "22222222-2222-4222-8222-222222222222"
MISSING = "99999999-9999-4999-8999-999999999999"
AGG1 = "aaaaaaaa-0000-4000-8000-00000000000a"
AGG2 = "bbbbbbbb-0000-4000-8000-00000000000b"
REQUEST_ID = "req-12345678-1234-4234-8234-123456789012"


class RecordingSession(requests.Session):
    def __init__(self):
        super().__init__()
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request, **kwargs):
        self.sent.append(request)
        return super().send(request, **kwargs)


@pytest.fixture
def client(placement):
    session = RecordingSession()
    typed = pc.PlacementClient(placement.base_url, token="admin", session=session)
    yield typed
    typed.close()


def test_from_conf_needs_an_endpoint():
    conf = config.load(overrides={"placement_client": {"endpoint": "http://127.0.0.1:9/",
                                                       "token": "t", "conflict_retries": 2}})
    typed = pc.PlacementClient.from_conf(conf)
    assert typed.endpoint == "http://127.0.0.1:9" and typed.conflict_retries == 2
    with pytest.raises(ValueError, match="placement_client"):
        pc.PlacementClient.from_conf(config.load())


def test_providers_and_pinned_versions_and_request_ids(client):
    created = client.create_provider("node1", uuid=RP, request_id=REQUEST_ID)
    assert (created.uuid, created.name, created.generation) == (RP, "node1", 0)
    assert client.get_provider(RP).root_provider_uuid == RP
    assert client.get_provider(MISSING) is None
    sent = client._session.sent
    assert sent[0].headers["OpenStack-API-Version"] == "placement 1.23"
    assert sent[0].headers["X-OpenStack-Request-ID"] == REQUEST_ID
    assert sent[0].headers["X-Auth-Token"] == "admin"
    assert sent[1].headers["OpenStack-API-Version"] == "placement 1.14"
    assert "X-OpenStack-Request-ID" not in sent[1].headers


def test_inventories_usages_aggregates(client, placement):
    client.create_provider("node1", uuid=RP)
    placement.set_inventory(RP, {"VCPU": 4, "MEMORY_MB": {"total": 2048, "reserved": 256}})
    inv = client.get_inventories(RP)
    assert inv.generation == 1
    assert inv.inventories["MEMORY_MB"].reserved == 256 and inv.inventories["VCPU"].total == 4
    assert client.get_usages(RP) == {"VCPU": 0, "MEMORY_MB": 0}
    result = client.update_aggregates(RP, add=[AGG1, AGG2])
    assert result.aggregates == {AGG1, AGG2}
    result = client.update_aggregates(RP, remove=[AGG1])
    assert result.aggregates == {AGG2}
    # Nothing to change: no write.
    writes = len(client._session.sent)
    assert client.update_aggregates(RP, add=[AGG2]).aggregates == {AGG2}
    assert [r.method for r in client._session.sent[writes:]] == ["GET"]


def test_typed_errors(client):
    with pytest.raises(pc.PlacementNotFound) as info:
        client.get_aggregates(MISSING)
    assert info.value.status == 404 and MISSING in str(info.value)
    client.create_provider("node1", uuid=RP)
    with pytest.raises(pc.PlacementConflict) as info:
        client.set_aggregates(RP, [AGG1], generation=7)
    assert info.value.concurrent_update and "409" in str(info.value)
    with pytest.raises(pc.PlacementConflict) as info:
        client.create_provider("node1")
    assert not info.value.concurrent_update and info.value.code == "placement.duplicate_name"


def test_conflict_retries_are_bounded(client):
    client.create_provider("node1", uuid=RP)
    attempts = []

    def always_stale():
        attempts.append(1)
        return client.set_aggregates(RP, [AGG1], generation=99)

    with pytest.raises(pc.PlacementConflict):
        client.retry_on_concurrent_update(always_stale, retries=2)
    assert len(attempts) == 3


def test_delete_provider_tree(client):
    client.create_provider("root", uuid=RP)
    client.create_provider("child", uuid=CHILD, parent_provider_uuid=RP)
    assert client.delete_provider_tree(RP) == 2
    assert client.get_provider(CHILD) is None and client.get_provider(RP) is None
    assert client.delete_provider_tree(RP) == 0
    assert client.delete_provider(RP) is False


def test_unreachable_placement_is_unavailable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    typed = pc.PlacementClient(f"http://127.0.0.1:{port}", timeout=2)
    with pytest.raises(pc.PlacementUnavailable, match="no answer"):
        typed.get_provider(RP)
