"""The placement client repeats a call whose connection broke after the
request went out only when repeating it means the same."""
from __future__ import annotations

import socket
import threading

import pytest

from nubes.placement.client import PlacementClient, PlacementUnavailable

OK = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\n"
      b"Connection: close\r\n\r\n{\"resource_providers\": []}\n")


class DroppingServer:
    """Reads each request, drops the first ``drops`` connections without an
    answer, then answers 200; counts the requests it saw."""

    def __init__(self, drops: int):
        self.drops = drops
        self.seen: list[bytes] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                self.seen.append(data.split(b"\r\n", 1)[0])
                if len(self.seen) <= self.drops:
                    # Abort the connection: the client sees a reset.
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                    b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    continue
                conn.sendall(OK)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def dropping():
    servers = []

    def make(drops: int) -> DroppingServer:
        server = DroppingServer(drops)
        servers.append(server)
        return server
    yield make
    for server in servers:
        server.close()


def test_a_read_is_repeated_after_a_reset(dropping):
    server = dropping(drops=1)
    client = PlacementClient(server.url, token="admin")
    resp = client.request("GET", "/resource_providers", version="1.14")
    assert resp.json() == {"resource_providers": []}
    assert [line.split(b" ")[0] for line in server.seen] == [b"GET", b"GET"]
    client.close()


def test_a_write_is_never_sent_twice(dropping):
    server = dropping(drops=1)
    client = PlacementClient(server.url, token="admin")
    with pytest.raises(PlacementUnavailable):
        client.request("PUT", "/allocations/c1", version="1.28", json={"allocations": {}})
    assert [line.split(b" ")[0] for line in server.seen] == [b"PUT"]
    client.close()
