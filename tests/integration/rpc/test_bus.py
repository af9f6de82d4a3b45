"""Call, cast, fanout, timeouts, errors and context on both transports."""
from __future__ import annotations

import logging
import threading
import time

import pytest

from nubes.common import rpc
from nubes.common.context import RequestContext
from nubes.common.log import RequestIdFilter
from tests.integration.rpc.endpoints import NotRegistered, Recorder, WidgetNotFound, Widgets


def ctx(**kwargs) -> RequestContext:
    defaults = dict(user_id="u-1", project_id="p-1", roles=("member", "reader"))
    defaults.update(kwargs)
    return RequestContext(**defaults)


# --- call -------------------------------------------------------------------

def test_call_returns_the_result(bus):
    bus.server([Widgets()])
    assert bus.client().call(ctx(), "echo", value=[1, "two", {"3": None}]) == {
        "value": [1, "two", {"3": None}], "host": "host-1"}


def test_call_to_one_server_of_the_topic(bus):
    bus.server([Widgets("host-1")], "host-1")
    bus.server([Widgets("host-2")], "host-2")
    client = bus.client()
    for host in ("host-1", "host-2"):
        aimed = client.prepare(server=host)
        assert {aimed.call(ctx(), "echo", value=i)["host"] for i in range(6)} == {host}


def test_concurrent_calls_all_get_their_own_reply(bus):
    bus.server([Widgets("host-1")], "host-1")
    bus.server([Widgets("host-2")], "host-2")
    client = bus.client()
    results, failures = {}, []

    def worker(n: int) -> None:
        try:
            for i in range(20):
                key = n * 100 + i
                results[key] = client.call(ctx(), "echo", value=key)["value"]
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures
    assert len(results) == 120 and all(key == value for key, value in results.items())


def test_call_timeout_raises_messaging_timeout(bus):
    recorder = Recorder()
    bus.server([Widgets(recorder=recorder)])
    started = time.monotonic()
    with pytest.raises(rpc.MessagingTimeout):
        bus.client(timeout=0.5).call(ctx(), "sleep", seconds=1.5)
    assert 0.4 < time.monotonic() - started < 1.4
    # The late reply is dropped quietly and the next call is unaffected.
    recorder.wait_for(1)
    assert bus.client().call(ctx(), "echo", value="after")["value"] == "after"


def test_call_with_per_call_timeout(bus):
    bus.server([Widgets()])
    with pytest.raises(rpc.MessagingTimeout):
        bus.client(timeout=30).call(ctx(), "sleep", timeout=0.3, seconds=1.0)


def test_call_with_no_server_ever_is_undeliverable(bus):
    started = time.monotonic()
    with pytest.raises(rpc.Undeliverable):
        bus.client(topic="nobody" + bus.topic, timeout=5).call(ctx(), "echo", value=1)
    assert time.monotonic() - started < 2  # at once, not after the timeout
    bus.server([Widgets("host-1")])
    with pytest.raises(rpc.Undeliverable):
        bus.client(server="host-9").call(ctx(), "echo", value=1)


def test_cannot_call_a_fanout_target(bus):
    client = bus.client().prepare(fanout=True, server=None)
    with pytest.raises(rpc.InvalidTarget):
        client.call(ctx(), "echo", value=1)


# --- errors -----------------------------------------------------------------

def test_allowed_exception_is_reraised_as_its_class(bus):
    bus.server([Widgets()])
    with pytest.raises(WidgetNotFound) as info:
        bus.client().call(ctx(), "find", widget_id="w-42")
    assert info.value.widget_id == "w-42" and info.value.detail == "no such widget"
    assert "in find" in info.value.remote_traceback


def test_other_exceptions_come_back_as_remote_error(bus):
    bus.server([Widgets()])
    client = bus.client()
    with pytest.raises(rpc.RemoteError) as info:
        client.call(ctx(), "fail", message="it broke")
    assert info.value.exc_type == "tests.integration.rpc.endpoints.NotRegistered"
    assert info.value.message == "it broke"
    assert "raise NotRegistered(message)" in info.value.traceback_text
    with pytest.raises(rpc.RemoteError) as info:
        client.call(ctx(), "fail_value")
    assert info.value.exc_type == "builtins.ValueError"
    assert not isinstance(info.value, NotRegistered)


def test_private_and_missing_methods_are_not_callable(bus):
    bus.server([Widgets()])
    client = bus.client()
    for method in ("_secret", "helper", "nothing", "__init__", "__class__"):
        with pytest.raises(rpc.NoSuchMethod):
            client.call(ctx(), method)


def test_version_must_fit_the_endpoint(bus):
    bus.server([Widgets()])  # RPC_API_VERSION 1.2
    client = bus.client()
    assert client.prepare(version="1.2").call(ctx(), "echo", value=1)["value"] == 1
    for version in ("1.3", "2.0"):
        with pytest.raises(rpc.UnsupportedVersion):
            client.prepare(version=version).call(ctx(), "echo", value=1)


def test_wrong_arguments_come_back_as_remote_type_error(bus):
    bus.server([Widgets()])
    with pytest.raises(rpc.RemoteError) as info:
        bus.client().call(ctx(), "echo", colour="blue")
    assert info.value.exc_type == "builtins.TypeError"


def test_unencodable_result_and_arguments(bus):
    bus.server([Widgets()])
    client = bus.client()
    with pytest.raises(rpc.SerializationError):
        client.call(ctx(), "unencodable")
    with pytest.raises(rpc.SerializationError):
        client.call(ctx(), "echo", value=object())
    with pytest.raises(rpc.SerializationError):
        client.cast(ctx(), "note", value={1, 2})


# --- cast and fanout ----------------------------------------------------------

def test_cast_runs_once_on_one_server_of_the_topic(bus):
    recorder = Recorder()
    bus.server([Widgets("host-1", recorder)], "host-1")
    bus.server([Widgets("host-2", recorder)], "host-2")
    client = bus.client()
    for i in range(40):
        client.cast(ctx(), "note", value=i)
    seen = recorder.wait_for(40)
    time.sleep(0.1)
    assert sorted(item["value"] for item in recorder.items) == list(range(40))
    assert {item["host"] for item in seen} <= {"host-1", "host-2"}


def test_cast_to_one_server(bus):
    recorder = Recorder()
    bus.server([Widgets("host-1", recorder)], "host-1")
    bus.server([Widgets("host-2", recorder)], "host-2")
    client = bus.client(server="host-2")
    for i in range(10):
        client.cast(ctx(), "note", value=i)
    assert {item["host"] for item in recorder.wait_for(10)} == {"host-2"}


def test_fanout_reaches_every_server_once(bus):
    recorder = Recorder()
    for n in (1, 2, 3):
        bus.server([Widgets(f"host-{n}", recorder)], f"host-{n}")
    bus.client().fanout_cast(ctx(), "note", value="all")
    seen = recorder.wait_for(3)
    time.sleep(0.2)
    assert len(recorder.items) == 3
    assert sorted(item["host"] for item in seen) == ["host-1", "host-2", "host-3"]


def test_fanout_with_no_server_is_fine(bus):
    bus.client(topic="empty" + bus.topic).fanout_cast(ctx(), "note", value=1)


def test_cast_to_a_topic_nobody_listens_on_raises(bus):
    with pytest.raises(rpc.Undeliverable):
        bus.client(topic="nobody" + bus.topic).cast(ctx(), "note", value=1)


def test_casts_wait_for_a_restarted_server(bus):
    recorder = Recorder()
    first = bus.server([Widgets("host-1", recorder)], "host-1")
    first.stop()
    client = bus.client()
    client.cast(ctx(), "note", value="to the topic")
    client.prepare(server="host-1").cast(ctx(), "note", value="to the host")
    client.fanout_cast(ctx(), "note", value="to everyone")
    assert recorder.items == []
    bus.server([Widgets("host-1", recorder)], "host-1")
    values = {item["value"] for item in recorder.wait_for(3)}
    assert values == {"to the topic", "to the host", "to everyone"}


def test_stop_finishes_the_messages_taken(bus):
    recorder = Recorder()
    server = bus.server([Widgets(recorder=recorder)], max_workers=2)
    client = bus.client()
    for _ in range(2):
        client.cast(ctx(), "sleep", seconds=0.3)
    time.sleep(0.1)  # both taken by the two workers
    server.stop()
    assert len(recorder.items) == 2 and not server.running


def test_a_busy_server_leaves_work_to_an_idle_one(bus):
    recorder = Recorder()
    bus.server([Widgets("slow", recorder)], "slow", max_workers=1)
    client = bus.client()
    client.prepare(server="slow").cast(ctx(), "sleep", seconds=1.5)
    time.sleep(0.2)
    bus.server([Widgets("fast", recorder)], "fast", max_workers=2)
    latencies = []

    def timed_call(i: int) -> None:
        started = time.monotonic()
        client.call(ctx(), "echo", value=i)
        latencies.append(time.monotonic() - started)

    threads = [threading.Thread(target=timed_call, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    late = [latency for latency in latencies if latency > 0.9]
    assert len(latencies) == 6
    # In-process: none waits.  RabbitMQ: the busy server's prefetch of one
    # holds back at most one message (per queue) until its worker frees.
    assert len(late) <= (0 if bus.kind == "memory" else 1)


# --- context and request ids --------------------------------------------------

def test_context_and_request_id_cross_the_bus(bus, caplog):
    conf = object()
    bus.server([Widgets()], conf=conf)
    caller = ctx(global_request_id="req-global-1")
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.INFO, logger="tests.integration.rpc.endpoints"):
        seen = bus.client().call(caller, "whoami")
    assert seen["user_id"] == "u-1" and seen["project_id"] == "p-1"
    assert seen["roles"] == ["member", "reader"]
    assert seen["request_id"] == caller.request_id
    assert seen["global_request_id"] == "req-global-1"
    assert seen["log_request_id"] == caller.request_id
    assert seen["has_conf"] is True
    records = [r for r in caplog.records if r.getMessage() == "whoami on host-1"]
    assert records and records[0].request_id == caller.request_id


def test_cast_carries_the_request_id(bus):
    recorder = Recorder()
    bus.server([Widgets(recorder=recorder)])
    caller = ctx()
    bus.client().cast(caller, "note", value=1)
    item = recorder.wait_for(1)[0]
    assert item["request_id"] == caller.request_id == item["log_request_id"]


def test_closing_the_transport_wakes_waiting_callers(bus):
    bus.server([Widgets()])
    transport = bus.transport()
    client = bus.client(transport, timeout=30)
    errors = []

    def slow_call() -> None:
        try:
            client.call(ctx(), "sleep", seconds=2)
        except rpc.MessagingError as exc:
            errors.append(exc)

    thread = threading.Thread(target=slow_call)
    thread.start()
    time.sleep(0.3)
    transport.close()
    thread.join(5)
    assert not thread.is_alive() and len(errors) == 1
