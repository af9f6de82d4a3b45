import pytest

from nubes.common.rpc import InvalidTarget, Target
from nubes.common.rpc.target import server_queues


def test_routing_keys():
    assert Target("compute").routing_key() == "compute"
    assert Target("compute", "host-1.example.org").routing_key() == "compute.host-1.example.org"
    assert Target("compute", fanout=True).routing_key() == "~fanout.compute"


def test_server_queues_bind_the_fanout_key_to_the_own_queue():
    assert server_queues("compute", "h1") == [
        ("compute", ["compute"]), ("compute.h1", ["compute.h1", "~fanout.compute"])]


@pytest.mark.parametrize("topic", ["", "a.b", "a b", "*", "#", "~x", "x" * 101, None])
def test_bad_topics(topic):
    with pytest.raises(InvalidTarget):
        Target(topic)


@pytest.mark.parametrize("server", ["", "a b", "*", "h#", "x" * 151])
def test_bad_servers(server):
    with pytest.raises(InvalidTarget):
        Target("compute", server)


def test_fanout_names_no_server():
    with pytest.raises(InvalidTarget):
        Target("compute", "h1", fanout=True)
