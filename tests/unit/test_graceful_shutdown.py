"""``[DEFAULT] graceful_shutdown_timeout``: an RPC service whose work under
way does not finish after SIGTERM exits anyway once the timeout has
passed; one whose work finishes exits at once, as before."""
from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

SERVICE = textwrap.dedent("""
    import sys, threading, time
    from nubes.cmd import service_main

    class Service:
        def stop(self):
            time.sleep(float(sys.argv[2]))   # the work under way

    service_main.run_service("test-service", Service, lambda _s: "serving",
                             grace=float(sys.argv[1]))
    # The process goes on after its service stopped (as a test that runs a
    # service's main in its own process does): no forced exit comes.
    time.sleep(float(sys.argv[3]))
    print("still here", file=sys.stderr)
""")


def _run(grace: float, work: float, linger: float = 0) -> tuple[int, str, float]:
    proc = subprocess.Popen([sys.executable, "-c", SERVICE, str(grace), str(work),
                             str(linger)], stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        assert line.strip() == "test-service: serving", line
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
        return proc.returncode, err, time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_work_that_does_not_finish_is_cut_short_after_the_timeout():
    code, err, took = _run(grace=0.5, work=60)
    assert code == 1
    assert "did not finish within 0.5 s" in err and "graceful_shutdown_timeout" in err
    assert took < 10


def test_work_that_finishes_in_time_exits_cleanly():
    code, err, took = _run(grace=10, work=0.2)
    assert code == 0, err
    assert "graceful_shutdown_timeout" not in err
    assert took < 5


def test_zero_waits_for_the_work():
    code, err, took = _run(grace=0, work=1.5)
    assert code == 0, err
    assert took >= 1.5


def test_a_service_that_stopped_in_time_calls_the_forced_exit_off():
    code, err, took = _run(grace=0.5, work=0.1, linger=1.5)
    assert code == 0, err
    assert "still here" in err and "graceful_shutdown_timeout" not in err
