import pytest

from nubes.common import config
from nubes.common.rpc import InvalidTarget, get_transport
from nubes.common.rpc.factory import from_conf
from nubes.common.rpc.memory import MemoryTransport
from nubes.common.rpc.rabbit import RabbitTransport, kombu_urls
from nubes.common.rpc.transport import TransportOptions, mask_url, retry_delays


@pytest.mark.parametrize("url,urls,vhost", [
    ("rabbit://guest:guest@127.0.0.1:5672/", ["pyamqp://guest:guest@127.0.0.1:5672/%2F"], "/"),
    ("rabbit://u:p@h:5672/cell1", ["pyamqp://u:p@h:5672/cell1"], "cell1"),
    ("rabbit://u:p%40ss@h/%2F", ["pyamqp://u:p%40ss@h/%2F"], "/"),
    ("amqp://a:b@h1:5672,a:b@h2:5673/v?x=1",
     ["pyamqp://a:b@h1:5672/v", "pyamqp://a:b@h2:5673/v"], "v"),
    ("rabbit://u:p@[::1]:5672/v", ["pyamqp://u:p@[::1]:5672/v"], "v"),
])
def test_kombu_urls(url, urls, vhost):
    assert kombu_urls(url) == (urls, vhost)


def test_kombu_urls_rejects_other_schemes():
    with pytest.raises(InvalidTarget):
        kombu_urls("memory://x")


def test_mask_url_hides_passwords():
    assert mask_url("rabbit://u:secret@h1:5672,v:other@h2/vh") == \
        "rabbit://u:****@h1:5672,v:****@h2/vh"
    assert mask_url("memory://cell1") == "memory://cell1"


def test_transport_by_scheme():
    with get_transport("memory://urls") as transport:
        assert isinstance(transport, MemoryTransport)
    rabbit = get_transport("rabbit://u:secret@127.0.0.1:1/v")
    assert isinstance(rabbit, RabbitTransport) and "secret" not in repr(rabbit)
    rabbit.close()
    for url in ("redis://h", "no-scheme"):
        with pytest.raises(InvalidTarget):
            get_transport(url)


def test_from_conf():
    conf = config.load(overrides={
        "DEFAULT": {"transport_url": "memory://from-conf", "rpc_conn_pool_size": 3},
        "oslo_messaging_rabbit": {"heartbeat_timeout_threshold": 20,
                                  "rabbit_retry_interval": 0.5}})
    with from_conf(conf) as transport:
        assert transport.url == "memory://from-conf"
        assert transport.options.heartbeat == 20 and transport.options.pool_size == 3
        assert transport.options.retry_interval == 0.5
    with from_conf(conf, "memory://a-cell") as transport:
        assert transport.url == "memory://a-cell"
    with pytest.raises(InvalidTarget):
        from_conf(config.load())


def test_retry_delays_grow_to_the_cap():
    delays = retry_delays(TransportOptions(retry_interval=1, retry_step=2,
                                           retry_max_interval=4))
    first = [next(delays) for _ in range(5)]
    assert 0.8 <= first[0] <= 1.2 and 2.4 <= first[1] <= 3.6
    assert all(3.2 <= d <= 4.8 for d in first[2:])
