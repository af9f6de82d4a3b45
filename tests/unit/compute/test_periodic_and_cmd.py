"""The periodic runner and the nubes-compute host list."""
from __future__ import annotations

import argparse
import threading
import time

from nubes.cmd.compute import host_names
from nubes.common.periodic import Periodic


def test_periodic_runs_survives_errors_triggers_and_stops():
    runs = []
    ran = threading.Event()

    def work():
        runs.append(time.monotonic())
        ran.set()
        if len(runs) == 1:
            raise RuntimeError("first run fails; the schedule goes on")

    job = Periodic("test", 0.05, work, initial_delay=0).start()
    deadline = time.monotonic() + 5
    while len(runs) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(runs) >= 3
    job.stop()
    count = len(runs)
    time.sleep(0.15)
    assert len(runs) == count


def test_trigger_runs_before_the_interval():
    ran = threading.Event()
    job = Periodic("slow", 3600, ran.set).start()
    try:
        assert not ran.wait(0.1)
        job.trigger()
        assert ran.wait(2)
    finally:
        job.stop()


def test_stop_is_quick_and_idempotent():
    job = Periodic("idle", 3600, lambda: None).start()
    started = time.monotonic()
    job.stop()
    job.stop()
    assert time.monotonic() - started < 1


def test_host_names():
    args = argparse.Namespace(host=None, hosts=None, host_prefix="c-")
    assert host_names(args, "default-host") == ["default-host"]
    args.host = "one"
    assert host_names(args, "default-host") == ["one"]
    args.host, args.hosts = None, 3
    assert host_names(args, "x") == ["c-1", "c-2", "c-3"]
