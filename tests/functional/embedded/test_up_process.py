"""`nubes up` as a user runs it: its own process, its output, Ctrl-C."""
from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time

import requests

STOP_BOUND = 10.0   # a hang guard, not a speed test: a stop takes well under a second


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(state_dir: str) -> tuple[subprocess.Popen, "queue.Queue[str | None]", dict]:
    ports = {name: _free_port() for name in ("identity", "compute", "placement", "image",
                                             "volume")}
    cmd = [sys.executable, "-m", "nubes.cmd.up", "up", "--state-dir", state_dir,
           "--cells", "1", "--hosts-per-cell", "1",
           *[arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: queue.Queue = queue.Queue()

    def pump():
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)
    threading.Thread(target=pump, daemon=True).start()
    return proc, lines, ports


def _until(lines: queue.Queue, needle: str, seen: list[str], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        assert line is not None, "nubes up ended early:\n" + "\n".join(seen)
        seen.append(line)
        if needle in line:
            return


def _rest(lines: queue.Queue, seen: list[str]) -> None:
    while (line := lines.get(timeout=STOP_BOUND)) is not None:
        seen.append(line)


def test_quiet_start_one_access_line_per_request_and_a_prompt_ctrl_c(tmp_path):
    proc, lines, ports = _start(str(tmp_path / "state"))
    seen: list[str] = []
    try:
        _until(lines, "nubes: ready", seen)
        resp = requests.get(f"http://127.0.0.1:{ports['compute']}/v2.1", timeout=10)
        assert resp.status_code == 200
        request_id = resp.headers["x-openstack-request-id"]
        _until(lines, request_id, seen)

        code, took = _interrupt(proc)
    finally:
        _reap(proc)
    _rest(lines, seen)
    output = "\n".join(seen)
    print(f"nubes up stopped {took:.3f}s after SIGINT")

    assert code == 0, output
    assert took < STOP_BOUND
    assert [line for line in seen if line.strip()][-1] == "nubes: stopped", output
    assert "alembic" not in output
    assert "waitress" not in output
    mine = [line for line in seen if request_id in line]
    assert len(mine) == 1, output
    assert " INFO nubes.access [" + request_id + "] 127.0.0.1 \"GET /v2.1\" status: 200 " \
        in mine[0]


def test_ctrl_c_while_starting_stops_what_had_started(tmp_path):
    proc, lines, _ports = _start(str(tmp_path / "state"))
    seen: list[str] = []
    try:
        # The cell conductor runs once the hosts are being started.
        _until(lines, "fake compute hosts ...", seen)
        code, _took = _interrupt(proc)
    finally:
        _reap(proc)
    _rest(lines, seen)
    output = "\n".join(seen)
    assert code == 0, output
    assert [line for line in seen if line.strip()][-1] == "nubes: stopped", output
    assert "cell conductor cell1-conductor stopped" in output
    assert "Traceback" not in output


def _interrupt(proc) -> tuple[int, float]:
    """Ctrl-C, as a terminal sends it: (exit code, seconds it took)."""
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    code = proc.wait(timeout=STOP_BOUND)
    return code, time.monotonic() - started


def _reap(proc) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
