"""With no broker listening every send raises in bounded time; nothing hangs."""
import socket
import time

import pytest

from nubes.common import rpc
from nubes.common.rpc.transport import TransportOptions

OPTIONS = TransportOptions(connect_timeout=0.5, retry_interval=0.05, retry_step=0.05,
                           retry_max_interval=0.1, publish_timeout=0.5)


@pytest.fixture
def dead_url():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"rabbit://guest:guest@127.0.0.1:{port}/"


def test_cast_raises_delivery_failure(dead_url):
    with rpc.get_transport(dead_url, OPTIONS) as transport:
        started = time.monotonic()
        with pytest.raises(rpc.DeliveryFailure):
            rpc.RPCClient(transport, rpc.Target("compute")).cast(None, "ping")
        assert time.monotonic() - started < 3


def test_call_raises_timeout(dead_url):
    with rpc.get_transport(dead_url, OPTIONS) as transport:
        started = time.monotonic()
        with pytest.raises(rpc.MessagingTimeout):
            rpc.RPCClient(transport, rpc.Target("compute"), timeout=0.5).call(None, "ping")
        assert time.monotonic() - started < 3


def test_server_start_does_not_block_forever(dead_url):
    class Endpoint:
        def ping(self, ctx):
            return "pong"

    with rpc.get_transport(dead_url, OPTIONS) as transport:
        started = time.monotonic()
        server = rpc.RPCServer(transport, "compute", "h1", [Endpoint()]).start()
        server.stop()
        assert time.monotonic() - started < 5
