"""Bus fixtures: every test here runs on the in-process bus and on RabbitMQ.

RabbitMQ runs when ``NUBES_TEST_RABBIT_URL`` is set (``.ci/run`` sets
``rabbit://guest:guest@127.0.0.1:5672/``): the session creates its own vhost
with ``rabbitmqctl`` and deletes it at the end.  Set but unreachable fails
the run; unset skips the RabbitMQ half.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import urllib.parse
import uuid

import kombu
import pytest

from nubes.common import rpc
from nubes.common.rpc.rabbit import kombu_urls
from nubes.common.rpc.rabbit_consumer import connect_once
from nubes.common.rpc.transport import TransportOptions

RABBIT_ENV = "NUBES_TEST_RABBIT_URL"

# Short back-off so reconnect stories finish quickly.
OPTIONS = TransportOptions(heartbeat=10, connect_timeout=3.0, retry_interval=0.2,
                           retry_step=0.3, retry_max_interval=1.0, publish_timeout=15.0,
                           queue_ttl=600, pool_size=8)


def rabbitmqctl(*args: str) -> str:
    exe = shutil.which("rabbitmqctl")
    if exe is None:
        pytest.fail(f"{RABBIT_ENV} is set but rabbitmqctl is not installed")
    proc = subprocess.run([exe, "-q", *args], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        pytest.fail(f"rabbitmqctl {' '.join(args)} failed: {proc.stderr or proc.stdout}")
    return proc.stdout


def with_vhost(url: str, vhost: str) -> str:
    scheme, _, rest = url.partition("://")
    netlocs = rest.split("/", 1)[0]
    return f"{scheme}://{netlocs}/{urllib.parse.quote(vhost, safe='')}"


@pytest.fixture(scope="session")
def rabbit_url():
    """A fresh vhost on the test RabbitMQ, as a ``rabbit://`` URL."""
    base = os.environ.get(RABBIT_ENV)
    if not base:
        pytest.skip(f"{RABBIT_ENV} is not set")
    urls, _ = kombu_urls(base)
    conn = kombu.Connection(urls[0], connect_timeout=5)
    try:
        connect_once(conn)
    except Exception as exc:
        pytest.fail(f"{RABBIT_ENV} is set but RabbitMQ cannot be reached: {exc}")
    finally:
        conn.release()
    user = urllib.parse.unquote(
        urllib.parse.urlsplit(base.replace("rabbit://", "amqp://", 1)).username or "guest")
    vhost = "nubes-test-" + uuid.uuid4().hex[:10]
    rabbitmqctl("add_vhost", vhost)
    try:
        rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
        yield with_vhost(base, vhost)
    finally:
        rabbitmqctl("delete_vhost", vhost)


class Bus:
    """Transports, servers and clients on one bus, all cleaned up after."""

    def __init__(self, url: str, kind: str):
        self.url = url
        self.kind = kind
        self.topic = "t" + uuid.uuid4().hex[:10]  # unique per test on a shared vhost
        self._transports: list[rpc.Transport] = []
        self._servers: list[rpc.RPCServer] = []

    def transport(self) -> rpc.Transport:
        transport = rpc.get_transport(self.url, OPTIONS)
        self._transports.append(transport)
        return transport

    def server(self, endpoints, host: str = "host-1", *, transport=None, topic=None,
               **kwargs) -> rpc.RPCServer:
        server = rpc.RPCServer(transport or self.transport(), topic or self.topic, host,
                               list(endpoints), **kwargs)
        self._servers.append(server)
        return server.start()

    def client(self, transport=None, *, server=None, timeout=10.0, topic=None) -> rpc.RPCClient:
        return rpc.RPCClient(transport or self.transport(),
                             rpc.Target(topic or self.topic, server), timeout=timeout)

    def close(self) -> None:
        for server in self._servers:
            server.stop()
        for transport in self._transports:
            transport.close()


@pytest.fixture(params=["memory", "rabbit"])
def bus(request):
    if request.param == "rabbit":
        url = request.getfixturevalue("rabbit_url")
    else:
        url = "memory://test-" + uuid.uuid4().hex[:10]
    harness = Bus(url, request.param)
    yield harness
    harness.close()


@pytest.fixture
def rabbit_bus(rabbit_url):
    harness = Bus(rabbit_url, "rabbit")
    yield harness
    harness.close()
