"""The in-process bus: separate vhosts, queue life, capacity, expiry."""
import threading
import time

import pytest

from nubes.common import rpc
from nubes.common.context import RequestContext


class Endpoint:
    def __init__(self):
        self.seen = []
        self.active = 0
        self.peak = 0
        self.lock = threading.Lock()
        self.release = threading.Event()

    def note(self, ctx, value):
        self.seen.append(value)

    def echo(self, ctx, value):
        return value

    def hold(self, ctx, value):
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        self.release.wait(5)
        with self.lock:
            self.active -= 1
        self.seen.append(value)


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_each_vhost_is_its_own_bus(memory_url):
    cell1, cell2 = memory_url + "-cell1", memory_url + "-cell2"
    with rpc.get_transport(cell1) as t1, rpc.get_transport(cell2) as t2, \
            rpc.get_transport(cell1) as t1b:
        with rpc.RPCServer(t1, "compute", "h1", [Endpoint()]):
            assert rpc.RPCClient(t1b, rpc.Target("compute")).call(None, "echo", value=1) == 1
            with pytest.raises(rpc.Undeliverable):
                rpc.RPCClient(t2, rpc.Target("compute")).call(None, "echo", value=1)


def test_the_bus_goes_when_its_last_transport_closes(memory_url):
    with rpc.get_transport(memory_url) as transport:
        rpc.RPCServer(transport, "compute", "h1", [Endpoint()]).start().stop()
        rpc.RPCClient(transport, rpc.Target("compute")).cast(None, "note", value=1)
    with rpc.get_transport(memory_url) as transport:
        with pytest.raises(rpc.Undeliverable):
            rpc.RPCClient(transport, rpc.Target("compute")).cast(None, "note", value=1)


def test_a_server_runs_at_most_max_workers_at_once(transport):
    endpoint = Endpoint()
    with rpc.RPCServer(transport, "compute", "h1", [endpoint], max_workers=3):
        client = rpc.RPCClient(transport, rpc.Target("compute"))
        for i in range(10):
            client.cast(None, "hold", value=i)
        assert wait_until(lambda: endpoint.active == 3)
        time.sleep(0.05)
        assert endpoint.active == 3
        endpoint.release.set()
        assert wait_until(lambda: len(endpoint.seen) == 10)
    assert endpoint.peak == 3 and sorted(endpoint.seen) == list(range(10))


def test_an_expired_call_is_not_run(transport):
    endpoint = Endpoint()
    with rpc.RPCServer(transport, "compute", "h1", [endpoint], max_workers=1):
        client = rpc.RPCClient(transport, rpc.Target("compute"))
        client.cast(None, "hold", value="first")
        assert wait_until(lambda: endpoint.active == 1)
        with pytest.raises(rpc.MessagingTimeout):
            client.call(None, "hold", timeout=0.2, value="expired")
        endpoint.release.set()
        assert wait_until(lambda: endpoint.seen == ["first"])
        assert client.call(None, "echo", value="next") == "next"
    assert endpoint.seen == ["first"]


def test_closed_transport_refuses_work(transport):
    transport.close()
    client = rpc.RPCClient(transport, rpc.Target("compute"))
    with pytest.raises(rpc.MessagingError):
        client.cast(None, "note", value=1)
    with pytest.raises(rpc.MessagingError):
        client.call(None, "echo", value=1)


def test_reply_to_a_vanished_caller_is_dropped(transport, memory_url):
    transport.send_reply("reply_nobody", b"{}")  # no exception


def test_request_id_is_reset_after_each_message(transport):
    from nubes.common.log import request_id_var

    class Peek:
        def peek(self, ctx):
            return request_id_var.get()

    with rpc.RPCServer(transport, "compute", "h1", [Peek()], max_workers=1) as server:
        ctx = RequestContext()
        assert rpc.RPCClient(transport, rpc.Target("compute")).call(ctx, "peek") == ctx.request_id
        # The worker thread's variable is back to its default afterwards.
        future = server._executor.submit(request_id_var.get)
        assert future.result(5) == "-"
