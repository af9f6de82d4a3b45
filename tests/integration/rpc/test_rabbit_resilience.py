"""RabbitMQ stories: connections dropped mid-stream, servers in other processes.

Nothing may be silently lost: every call returns or raises, and every cast
that returned was delivered.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.parse

import pytest

from nubes.common import rpc
from nubes.common.context import RequestContext
from tests.integration.rpc.conftest import rabbitmqctl
from tests.integration.rpc.endpoints import Recorder, WidgetNotFound, Widgets

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))


def vhost_of(url: str) -> str:
    return urllib.parse.unquote(url.split("://", 1)[1].split("/", 1)[1])


def drop_connections(url: str) -> None:
    """Close every connection of the test vhost (not the whole broker: the
    server is shared)."""
    rabbitmqctl("close_all_connections", "--vhost", vhost_of(url), "nubes reconnect test")


def test_connections_dropped_mid_stream(rabbit_bus):
    recorder = Recorder()
    server = rabbit_bus.server([Widgets("host-1", recorder)], "host-1")
    client = rabbit_bus.client(timeout=10)
    stop = threading.Event()
    lock = threading.Lock()
    calls_ok, call_errors, casts_ok, cast_errors, unexpected = [], [], set(), [], []

    def stream(n: int) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            key = f"{n}-{i}"
            ctx = RequestContext(user_id="u")
            try:
                try:
                    assert client.call(ctx, "echo", value=key)["value"] == key
                    with lock:
                        calls_ok.append(key)
                except rpc.MessagingError as exc:
                    with lock:
                        call_errors.append(exc)
                try:
                    client.cast(ctx, "note", value=key)
                    with lock:
                        casts_ok.add(key)
                except rpc.MessagingError as exc:
                    with lock:
                        cast_errors.append(exc)
            except Exception as exc:  # anything else is a bug
                unexpected.append(exc)
                return

    threads = [threading.Thread(target=stream, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    before = len(calls_ok)
    for _ in range(2):
        drop_connections(rabbit_bus.url)
        time.sleep(1.5)
    stop.set()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a call hung"
    assert not unexpected
    assert before > 0 and len(calls_ok) > before  # work went on after the drops
    assert client.call(RequestContext(), "echo", value="final")["value"] == "final"

    received = {item["value"] for item in recorder.wait_for(len(casts_ok), timeout=30)}
    assert casts_ok <= received, f"lost casts: {sorted(casts_ok - received)[:10]}"
    assert server._subscription.connections >= 2  # the server did reconnect
    # Failures, if any, were raised, never swallowed.
    assert all(isinstance(exc, rpc.MessagingError) for exc in call_errors + cast_errors)


def test_call_in_flight_survives_a_drop(rabbit_bus):
    """The server is running the call when every connection drops: its reply
    is published on a new connection into the reply queue, which outlived
    the old one, and the caller gets it."""
    recorder = Recorder()
    rabbit_bus.server([Widgets("host-1", recorder)], "host-1")
    client = rabbit_bus.client(timeout=15)
    results: list = []
    caller = threading.Thread(
        target=lambda: results.append(client.call(RequestContext(), "sleep", seconds=1.5)))
    caller.start()
    time.sleep(0.4)
    drop_connections(rabbit_bus.url)
    caller.join(20)
    assert results == [1.5]
    assert recorder.items == [{"slept": 1.5, "host": "host-1"}]  # ran once


def test_server_in_another_process(rabbit_bus):
    topic = rabbit_bus.topic
    proc = start_remote(rabbit_bus.url, topic, "remote-1")
    try:
        client = rabbit_bus.client(server="remote-1")
        ctx = RequestContext(user_id="u-7", project_id="p-7", roles=("admin",))
        seen = client.call(ctx, "whoami")
        assert seen["pid"] == proc.pid != os.getpid()
        assert seen["request_id"] == seen["log_request_id"] == ctx.request_id
        assert (seen["user_id"], seen["roles"]) == ("u-7", ["admin"])
        with pytest.raises(WidgetNotFound) as info:
            client.call(ctx, "find", widget_id="w-1")
        assert info.value.widget_id == "w-1"
        with pytest.raises(rpc.RemoteError):
            client.call(ctx, "fail", message="boom")
    finally:
        stop_remote(proc)


def test_killed_server_process_loses_no_cast(rabbit_bus):
    """A server killed mid-call: that call times out (raises); casts sent
    while no server runs wait on its queue for the next one."""
    topic = rabbit_bus.topic
    proc = start_remote(rabbit_bus.url, topic, "remote-1")
    client = rabbit_bus.client(server="remote-1", timeout=2)
    ctx = RequestContext()
    errors: list[BaseException] = []

    def slow_call() -> None:
        try:
            client.call(ctx, "sleep", seconds=5)
        except rpc.MessagingError as exc:
            errors.append(exc)

    caller = threading.Thread(target=slow_call)
    caller.start()
    time.sleep(0.5)
    proc.kill()
    proc.wait(10)
    caller.join(10)
    assert len(errors) == 1 and isinstance(errors[0], rpc.MessagingTimeout)
    for i in range(5):
        client.cast(ctx, "sleep", seconds=0)  # queued for the next server
    proc = start_remote(rabbit_bus.url, topic, "remote-1")
    try:
        assert client.call(ctx, "echo", value="back")["value"] == "back"
    finally:
        stop_remote(proc)


def start_remote(url: str, topic: str, host: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.rpc.remote_server", url, topic, host],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = _readline(proc, timeout=30)
    if line.strip() != "ready":
        proc.kill()
        pytest.fail(f"remote server did not start: {line!r}")
    return proc


def stop_remote(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.stdin.close()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _readline(proc: subprocess.Popen, timeout: float) -> str:
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(proc.stdout.readline()))
    reader.daemon = True
    reader.start()
    reader.join(timeout)
    return result[0] if result else ""
